import { expect } from 'chai';
import fc from 'fast-check';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { signUp, signUpAdmin } from '../helpers/identity.js';
import { AccessTokens } from '../../infra/jwt.js';
import { ADMIN_PERMISSIONS, type Role } from '../../domain/shared/principal.js';
import type { RouteSpec } from '../../api/route-kit.js';
import { encode, keysOf, nastyString, nastyValue, objectOf } from './fuzz-arbitraries.js';

const RUNS_PER_ROUTE = 25;

interface Probe {
  path: Record<string, string>;
  query: [string, string][];
  body: { kind: 'json'; value: unknown } | { kind: 'raw'; contentType: string; bytes: Uint8Array } | null;
  gzip: boolean;
}

/**
 * Walks the app's own route table (a route added later is probed without
 * touching this test) and sends each route arbitrary path parameters, query
 * values and bodies, as the role the route admits. No answer may be a 5xx.
 */
describe('security: property test over every REST route', function () {
  this.timeout(120_000);
  let app: TestApp;
  let sign: (role: Role) => string;

  before(async () => {
    app = await startTestApp({ env: { RATE_LIMIT_STRICT_PER_15MIN: '1000000', RATE_LIMIT_AUTH_PER_MIN: '1000000', RATE_LIMIT_ANON_PER_MIN: '1000000' } });
    const ids: Record<Role, string> = {
      customer: (await signUp(app, 'customer')).accountId,
      store_owner: (await signUp(app, 'store_owner')).accountId,
      courier: (await signUp(app, 'courier')).accountId,
      admin: (await signUpAdmin(app)).accountId,
    };
    const tokens = new AccessTokens(app.config);
    let n = 0;
    // A session of its own per request, so a probed logout revokes nothing the next request needs.
    sign = (role) => tokens.sign({ sub: ids[role], role, perms: role === 'admin' ? [...ADMIN_PERMISSIONS] : [], sid: `fuzz-${++n}` }).token;
  });
  after(() => app?.stop());

  function probeOf(route: RouteSpec): fc.Arbitrary<Probe> {
    const pathKeys = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
    const queryKeys = keysOf(route.query);
    const path = fc.record(Object.fromEntries(pathKeys.map((k) => [k, fc.oneof(nastyString, fc.constant('x1'))])));
    const query = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...(queryKeys.length ? queryKeys : ['page'])), nastyString), nastyString), { maxLength: 4 });
    const json = fc.oneof({ weight: 3, arbitrary: objectOf(keysOf(route.body)) }, { weight: 1, arbitrary: nastyValue }).map((value) => ({ kind: 'json' as const, value }));
    const raw = fc.record({ kind: fc.constant('raw' as const), contentType: fc.constantFrom(...(route.upload?.contentTypes ?? []), 'text/plain', ''), bytes: fc.uint8Array({ maxLength: 64 }) });
    const body = route.upload ? raw : route.body ? json : fc.option(json, { freq: 3 });
    return fc.record({ path, query, body, gzip: fc.boolean() });
  }

  async function send(route: RouteSpec, p: Probe): Promise<{ status: number; text: string; url: string }> {
    const path = route.path.replace(/:([A-Za-z0-9_]+)/g, (_, k: string) => encode(p.path[k] ?? ''));
    const qs = p.query.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
    const url = `${app.url}${path}${qs ? `?${qs}` : ''}`;
    const headers: Record<string, string> = {};
    if (route.access.kind === 'authenticated') headers.authorization = `Bearer ${sign(route.access.roles[0]!)}`;
    let body: string | Uint8Array | undefined;
    if (p.body?.kind === 'json') {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(p.body.value) ?? 'null';
    } else if (p.body?.kind === 'raw') {
      if (p.body.contentType) headers['content-type'] = p.body.contentType;
      body = p.body.bytes;
    }
    // A body that says it is gzip and is not.
    if (body !== undefined && p.gzip) headers['content-encoding'] = 'gzip';
    const res = await fetch(url, { method: route.method.toUpperCase(), headers, ...(body === undefined || route.method === 'get' ? {} : { body }) });
    return { status: res.status, text: await res.text(), url };
  }

  it('when any route gets arbitrary path parameters, query values and bodies, then no answer is a 5xx and every answer is the envelope', async () => {
    const routes = app.system.composed.routes;
    expect(routes.length).to.be.above(20);
    const started = Date.now();
    const statuses = new Map<number, number>();
    for (const route of routes) {
      await fc.assert(
        fc.asyncProperty(probeOf(route), async (probe) => {
          const r = await send(route, probe);
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          expect(r.status, `${route.method.toUpperCase()} ${r.url} answered ${r.status} ${r.text.slice(0, 300)}`).to.be.below(500);
          const parsed = JSON.parse(r.text) as { success?: unknown; error?: { code?: unknown } };
          expect(typeof parsed.success).to.equal('boolean');
          if (parsed.success === false) expect(parsed.error?.code).to.be.a('string');
        }),
        { numRuns: RUNS_PER_ROUTE },
      );
    }
    console.log(`      ${routes.length} routes x ${RUNS_PER_ROUTE} probes in ${((Date.now() - started) / 1000).toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    expect((await fetch(`${app.url}/health`)).status).to.equal(200);
  });
});
