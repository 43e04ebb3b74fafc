import { expect } from 'chai';
import { startTestApp, http, type TestApp } from '../helpers/app.js';
import { PASSWORD, controlledClock, newPhone, registerAndVerify } from '../helpers/identity.js';

describe('security: brute force on login', function () {
  this.timeout(60_000);
  let app: TestApp;
  before(async () => {
    // Trust X-Forwarded-For so one test can speak from several IPs.
    app = await startTestApp({ env: { TRUST_PROXY: 'true', RATE_LIMIT_STRICT_PER_15MIN: '8' } });
  });
  after(async () => {
    await app?.stop();
  });
  const login = (identifier: string, password: string, ip: string) =>
    http(`${app.url}/api/v1/auth/login`, { method: 'POST', json: { identifier, password }, headers: { 'x-forwarded-for': ip } });

  it('when 5 logins fail within 15 minutes, then the account is locked from every IP, the IP hits 429, a security event is written, and the lock lifts after 15 minutes', async () => {
    const { phone } = await registerAndVerify(app, 'customer');
    for (let i = 1; i <= 5; i++) {
      const r = await login(phone, 'Wr0ng!pass', '198.51.100.1');
      expect(r.status, `attempt ${i}`).to.equal(401);
      expect(r.body.error).to.deep.equal({ code: 'UNAUTHORIZED', message: 'Invalid credentials' });
    }
    // The right password from another IP is refused while the lock holds.
    const locked = await login(phone, PASSWORD, '203.0.113.9');
    expect(locked.status).to.equal(429);
    expect(locked.body.error.code).to.equal('RATE_LIMIT_EXCEEDED');
    expect(locked.body.error.details[0].reason).to.equal('login_locked');
    expect(Number(locked.headers.get('retry-after'))).to.be.within(890, 900);

    // The first IP keeps trying and runs into its own strict per-IP limit (8 per 15 minutes).
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await login(phone, 'Wr0ng!pass', '198.51.100.1')).status);
    expect(statuses).to.deep.equal([429, 429, 429, 429]);
    const ipLimited = await login(phone, PASSWORD, '198.51.100.1');
    expect(ipLimited.status).to.equal(429);
    expect(ipLimited.body.error.details).to.equal(undefined); // the per-IP limiter, not the account lock
    expect(Number(ipLimited.headers.get('retry-after'))).to.be.greaterThan(0);

    const audit = await http(`${app.url}/api/v1/admin/audit-log?action=auth.login_locked`, { token: app.token('admin') });
    expect(audit.body.data.pagination.total).to.equal(1);
    const failed = await http(`${app.url}/api/v1/admin/audit-log?action=auth.login_failed&limit=100`, { token: app.token('admin') });
    expect(failed.body.data.pagination.total).to.equal(5);

    const clock = controlledClock(app);
    try {
      clock.advance(14 * 60_000);
      expect((await login(phone, PASSWORD, '203.0.113.10')).status).to.equal(429);
      clock.advance(60_000 + 1_000);
      const ok = await login(phone, PASSWORD, '203.0.113.11');
      expect(ok.status).to.equal(200);
      expect(ok.body.data.account.phone).to.equal(phone);
    } finally {
      clock.restore();
    }
  });

  it('when failures are spread over more than 15 minutes, then no lock', async () => {
    const { phone } = await registerAndVerify(app, 'courier');
    const clock = controlledClock(app);
    try {
      for (let i = 0; i < 8; i++) {
        expect((await login(phone, 'Wr0ng!pass', `192.0.2.${i}`)).status).to.equal(401);
        clock.advance(4 * 60_000); // at most 4 failures in any 15-minute window
      }
      expect((await login(phone, PASSWORD, '192.0.2.100')).status).to.equal(200);
    } finally {
      clock.restore();
    }
  });

  it('when an unknown identifier is hammered, then it answers exactly like a real account, lock included', async () => {
    const ghost = newPhone();
    const answers: { status: number; body: unknown }[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await login(ghost, 'Wr0ng!pass', `192.0.2.${50 + i}`);
      answers.push({ status: r.status, body: r.body.error.code });
    }
    expect(answers.map((a) => a.status)).to.deep.equal([401, 401, 401, 401, 401, 429]);
  });
});
