import { expect } from 'chai';
import { auditEntryEvent } from '../../domain/platform/events.js';
import { startTestApp, http, type TestApp } from '../helpers/app.js';

describe('API foundation (real app on port 0, private redis, PGlite)', function () {
  this.timeout(30_000);
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(async () => {
    await app?.stop();
  });

  it('when /health is called, then it answers 200 in the envelope', async () => {
    const r = await http(`${app.url}/health`);
    expect(r.status).to.equal(200);
    expect(r.body).to.include({ success: true });
    expect(r.body.data.status).to.equal('ok');
  });

  it('when Redis and the database answer, then /ready is 200 with each check up', async () => {
    const r = await http(`${app.url}/ready`);
    expect(r.status).to.equal(200);
    expect(r.body.data.checks).to.deep.equal({ redis: 'up', database: 'up' });
  });

  it('when a request carries X-Request-Id, then the same id comes back; otherwise one is made', async () => {
    const given = await http(`${app.url}/health`, { headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers.get('x-request-id')).to.equal('abc-123');
    const made = await http(`${app.url}/health`, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(made.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
  });

  it('when any response is sent, then security headers are set', async () => {
    const r = await http(`${app.url}/health`);
    expect(r.headers.get('x-content-type-options')).to.equal('nosniff');
    expect(r.headers.get('content-security-policy')).to.include("default-src 'self'");
  });

  it('when the route is unknown, then 404 NOT_FOUND comes in the envelope', async () => {
    const r = await http(`${app.url}/api/v1/nothing-here`);
    expect(r.status).to.equal(404);
    expect(r.body).to.deep.equal({ success: false, error: { code: 'NOT_FOUND', message: 'Route not found' } });
  });

  it('when JSON is malformed, then 400 BAD_REQUEST and the process keeps serving', async () => {
    const r = await http(`${app.url}/api/v1/admin/audit-log`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' });
    expect(r.status).to.equal(400);
    expect(r.body.error.code).to.equal('BAD_REQUEST');
    expect((await http(`${app.url}/health`)).status).to.equal(200);
  });

  it('when the body exceeds the limit, then 413 PAYLOAD_TOO_LARGE', async () => {
    const r = await http(`${app.url}/api/v1/admin/audit-log`, { method: 'POST', json: { a: 'x'.repeat(200 * 1024) } });
    expect(r.status).to.equal(413);
    expect(r.body.error.code).to.equal('PAYLOAD_TOO_LARGE');
  });

  it('when a request is rate limited, then RateLimit headers are present', async () => {
    const r = await http(`${app.url}/api/v1/admin/audit-log`);
    expect(Number(r.headers.get('ratelimit-limit'))).to.be.greaterThan(0);
    expect(r.headers.get('ratelimit-remaining')).to.match(/^\d+$/);
  });

  it('when the CORS origin is allowed, then it is echoed; when not, then no allow header', async () => {
    const ok = await http(`${app.url}/health`, { headers: { origin: 'http://localhost:3000' } });
    expect(ok.headers.get('access-control-allow-origin')).to.equal('http://localhost:3000');
    const bad = await http(`${app.url}/health`, { headers: { origin: 'https://evil.example' } });
    expect(bad.headers.get('access-control-allow-origin')).to.equal(null);
  });

  it('when /metrics is scraped, then process metrics and the HTTP histogram by route and status are there', async () => {
    await http(`${app.url}/health`);
    const r = await http(`${app.url}/metrics`);
    expect(r.status).to.equal(200);
    expect(r.body).to.include('process_cpu_seconds_total');
    expect(r.body).to.match(/http_request_duration_seconds_bucket\{[^}]*route="\/health"[^}]*status="200"/);
  });

  it('when /openapi.json is read, then it is OpenAPI 3.1 with the admin routes and the bearer scheme', async () => {
    const r = await http(`${app.url}/openapi.json`);
    expect(r.body.openapi).to.equal('3.1.0');
    expect(r.body.paths).to.have.property('/api/v1/admin/audit-log');
    expect(r.body.paths).to.have.property('/api/v1/admin/audit-log/{id}');
    expect(r.body.components.securitySchemes.bearerAuth.scheme).to.equal('bearer');
    expect(r.body.paths['/api/v1/admin/audit-log'].get.responses).to.have.property('401');
  });

  it('when /docs is opened, then Swagger UI loads with its assets', async () => {
    const page = await http(`${app.url}/docs`);
    expect(page.status).to.equal(200);
    expect(page.body).to.include('swagger-ui');
    expect((await http(`${app.url}/docs/swagger-ui-bundle.js`)).status).to.equal(200);
    expect((await http(`${app.url}/docs/init.js`)).body).to.include('/openapi.json');
    expect((await http(`${app.url}/docs/..%2Fpackage.json`)).status).to.equal(404);
  });

  describe('audit log through the admin route', () => {
    it('when no token is sent, then 401 UNAUTHORIZED', async () => {
      const r = await http(`${app.url}/api/v1/admin/audit-log`);
      expect(r.status).to.equal(401);
      expect(r.body.error.code).to.equal('UNAUTHORIZED');
    });

    it('when the token is garbage, then 401 INVALID_TOKEN', async () => {
      const r = await http(`${app.url}/api/v1/admin/audit-log`, { token: 'not.a.jwt' });
      expect(r.status).to.equal(401);
      expect(r.body.error.code).to.equal('INVALID_TOKEN');
    });

    it('when a customer asks, then 403 FORBIDDEN', async () => {
      const r = await http(`${app.url}/api/v1/admin/audit-log`, { token: app.token('customer') });
      expect(r.status).to.equal(403);
    });

    it('when an admin lacks audit:read, then 403 FORBIDDEN', async () => {
      const r = await http(`${app.url}/api/v1/admin/audit-log`, { token: app.token('admin', 'adm-2', ['accounts:read']) });
      expect(r.status).to.equal(403);
    });

    it('when an entry is recorded by the use case, then an admin finds it by filter and by id', async () => {
      const entry = await app.system.composed.container.cradle.recordAuditEntry.execute({
        actor: { id: 'adm-1', role: 'admin' },
        action: 'account.suspend',
        resource: { type: 'account', id: 'acc-42' },
        origin: { ip: '127.0.0.1', requestId: 'r-1' },
        metadata: { reason: 'test' },
      });
      const list = await http(`${app.url}/api/v1/admin/audit-log?resourceId=acc-42&limit=5`, { token: app.token('admin') });
      expect(list.status).to.equal(200);
      expect(list.body.data.pagination).to.deep.equal({ page: 1, limit: 5, total: 1, totalPages: 1 });
      expect(list.body.data.items[0]).to.deep.include({ id: entry.id, action: 'account.suspend' });
      const one = await http(`${app.url}/api/v1/admin/audit-log/${entry.id}`, { token: app.token('admin') });
      expect(one.body.data.metadata).to.deep.equal({ reason: 'test' });
    });

    it('when limit is over 100 or a field is unknown, then VALIDATION_ERROR with field details', async () => {
      const r = await http(`${app.url}/api/v1/admin/audit-log?limit=500&bogus=1`, { token: app.token('admin') });
      expect(r.status).to.equal(400);
      expect(r.body.error.code).to.equal('VALIDATION_ERROR');
      const fields = (r.body.error.details as { field: string }[]).map((d) => d.field);
      expect(fields).to.include('query.limit');
    });

    it('when the id does not exist, then 404 NOT_FOUND', async () => {
      const r = await http(`${app.url}/api/v1/admin/audit-log/nope`, { token: app.token('admin') });
      expect(r.status).to.equal(404);
      expect(r.body.error.code).to.equal('NOT_FOUND');
    });

    it('when an audit entry is requested through the outbox, then the relay and the worker write it once, even if the event is delivered twice', async () => {
      const { outbox, unitOfWork, queues } = app.system.composed.container.cradle;
      const input = { id: 'job-entry-1', actor: { id: null, role: 'system' }, action: 'system.test_event', resource: { type: 'process', id: 'p1' } };
      const [event] = await unitOfWork.transaction(() => outbox.add([auditEntryEvent(input, new Date())]));
      // a second delivery of the same event, as after a relay crash between publishing and marking
      await queues.add('audit', event!, { jobId: `${event!.id}-redelivered` });
      let found: any;
      for (let i = 0; i < 50 && !found; i++) {
        const r = await http(`${app.url}/api/v1/admin/audit-log?action=system.test_event`, { token: app.token('admin') });
        found = r.body.data.pagination.total > 0 ? r.body.data : undefined;
        if (!found) await new Promise((res) => setTimeout(res, 100));
      }
      await new Promise((res) => setTimeout(res, 300));
      const again = await http(`${app.url}/api/v1/admin/audit-log?action=system.test_event`, { token: app.token('admin') });
      expect(again.body.data.pagination.total).to.equal(1);
      expect(again.body.data.items[0].id).to.equal('job-entry-1');
    });
  });
});
