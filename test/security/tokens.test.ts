import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { startTestApp, http, type TestApp } from '../helpers/app.js';
import { signUp, type Session } from '../helpers/identity.js';

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('security: access and refresh tokens', function () {
  this.timeout(60_000);
  let app: TestApp;
  let user: Session;
  let claims: Record<string, unknown>;
  before(async () => {
    app = await startTestApp();
    user = await signUp(app, 'customer');
    claims = { sub: user.accountId, role: 'customer', perms: [], sid: user.sessionId, typ: 'access' };
  });
  after(async () => {
    await app?.stop();
  });
  const me = (token: string) => http(`${app.url}/api/v1/auth/me`, { token });
  const sign = (payload: object, opts: jwt.SignOptions = {}, secret = app.config.JWT_SECRET) =>
    jwt.sign('exp' in payload ? payload : { ...payload, exp: Math.floor(Date.now() / 1000) + 300 }, secret, { algorithm: 'HS256', issuer: app.config.JWT_ISSUER, audience: app.config.JWT_AUDIENCE, jwtid: 'j-1', ...opts });

  it('when the genuine token is used, then /auth/me answers 200 (the control case)', async () => {
    expect((await me(user.accessToken)).status).to.equal(200);
    expect((await me(sign(claims))).status).to.equal(200);
  });

  const forged: [string, () => string][] = [
    ['alg none', () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, iss: app.config.JWT_ISSUER, aud: app.config.JWT_AUDIENCE, exp: Math.floor(Date.now() / 1000) + 300, jti: 'x' })}.`],
    ['a wrong signature', () => sign(claims, {}, 'another-secret-that-is-long-enough-0123456789')],
    ['a wrong audience', () => sign(claims, { audience: 'someone-else' })],
    ['a wrong issuer', () => sign(claims, { issuer: 'evil' })],
    ['an expired token', () => sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 10 })],
    ['another HMAC algorithm (HS512)', () => sign(claims, { algorithm: 'HS512' })],
    ['a tampered payload (customer → admin)', () => {
      const [h, , s] = user.accessToken.split('.');
      const payload = JSON.parse(Buffer.from(user.accessToken.split('.')[1]!, 'base64url').toString());
      return `${h}.${b64({ ...payload, role: 'admin', perms: ['audit:read'] })}.${s}`;
    }],
    ['a token that is not an access token (typ refresh)', () => sign({ ...claims, typ: 'refresh' })],
    ['a token without a session id', () => sign({ ...claims, sid: undefined })],
    ['the refresh token used as an access token', () => user.refreshToken],
  ];
  for (const [name, make] of forged) {
    it(`when a request carries ${name}, then 401 INVALID_TOKEN`, async () => {
      const r = await me(make());
      expect(r.status).to.equal(401);
      expect(r.body.error.code).to.equal('INVALID_TOKEN');
      expect(JSON.stringify(r.body)).to.not.include(user.accountId);
    });
  }

  it('when a tampered admin token targets an admin route, then 401, not 200', async () => {
    const [h, , s] = user.accessToken.split('.');
    const payload = JSON.parse(Buffer.from(user.accessToken.split('.')[1]!, 'base64url').toString());
    const r = await http(`${app.url}/api/v1/admin/audit-log`, { token: `${h}.${b64({ ...payload, role: 'admin', perms: ['audit:read'] })}.${s}` });
    expect(r.status).to.equal(401);
  });

  describe('refresh rotation', () => {
    it('when a rotated refresh token is presented again, then the whole family is revoked and a security event is written', async () => {
      const s = await signUp(app, 'courier');
      const r1 = await http(`${app.url}/api/v1/auth/refresh`, { method: 'POST', json: { refreshToken: s.refreshToken } });
      expect(r1.status).to.equal(200);
      const r2 = await http(`${app.url}/api/v1/auth/refresh`, { method: 'POST', json: { refreshToken: r1.body.data.refreshToken } });
      expect(r2.status).to.equal(200);
      const latest = r2.body.data;
      expect((await me(latest.accessToken)).status).to.equal(200);

      const reuse = await http(`${app.url}/api/v1/auth/refresh`, { method: 'POST', json: { refreshToken: s.refreshToken } });
      expect(reuse.status).to.equal(401);
      expect(reuse.body.error.code).to.equal('INVALID_TOKEN');
      // every token of the family is now refused: the newest refresh token and every access token
      expect((await http(`${app.url}/api/v1/auth/refresh`, { method: 'POST', json: { refreshToken: latest.refreshToken } })).status).to.equal(401);
      for (const t of [s.accessToken, r1.body.data.accessToken, latest.accessToken]) expect((await me(t)).status).to.equal(401);

      const audit = await http(`${app.url}/api/v1/admin/audit-log?action=auth.refresh_token_reused&actorId=${s.accountId}`, { token: app.token('admin') });
      expect(audit.body.data.pagination.total).to.equal(1);
      expect(audit.body.data.items[0]).to.deep.include({ outcome: 'failure', metadata: { sessionId: s.sessionId } });
    });

    it('when the same refresh token is raced twice, then exactly one rotation wins and the family is revoked', async () => {
      const s = await signUp(app, 'customer');
      const results = await Promise.all([0, 1].map(() => http(`${app.url}/api/v1/auth/refresh`, { method: 'POST', json: { refreshToken: s.refreshToken } })));
      expect(results.map((r) => r.status).sort()).to.deep.equal([200, 401]);
      const winner = results.find((r) => r.status === 200)!.body.data;
      expect((await http(`${app.url}/api/v1/auth/refresh`, { method: 'POST', json: { refreshToken: winner.refreshToken } })).status).to.equal(401);
    });

    it('when the refresh token is unknown, then 401 INVALID_TOKEN', async () => {
      const r = await http(`${app.url}/api/v1/auth/refresh`, { method: 'POST', json: { refreshToken: 'x'.repeat(43) } });
      expect(r.status).to.equal(401);
      expect(r.body.error.code).to.equal('INVALID_TOKEN');
    });
  });
});
