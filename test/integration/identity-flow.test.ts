import { expect } from 'chai';
import { Redis } from 'ioredis';
import { startTestApp, http, type TestApp } from '../helpers/app.js';
import { PASSWORD, newPhone, outbox, logIn, signUp, signUpAdmin, controlledClock } from '../helpers/identity.js';
import { identityEventsChannel } from '../../infra/identity-events.js';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]);

describe('identity over HTTP (real app, dev SMS adapter)', function () {
  this.timeout(60_000);
  let app: TestApp;
  let sub: Redis;
  const events: any[] = [];
  before(async () => {
    app = await startTestApp();
    sub = new Redis(app.redis.url);
    await sub.subscribe(identityEventsChannel(app.config.REDIS_KEY_PREFIX));
    sub.on('message', (_c, m) => events.push(JSON.parse(m)));
  });
  after(async () => {
    sub?.disconnect();
    await app?.stop();
  });
  const api = (path: string) => `${app.url}/api/v1${path}`;

  it('when a customer registers, verifies, logs in, refreshes and logs out, then each step answers as specified', async () => {
    const phone = newPhone();
    const reg = await http(api('/auth/register'), { method: 'POST', json: { phone, password: PASSWORD, role: 'customer' } });
    expect(reg.status).to.equal(202);
    expect(reg.body.data).to.deep.equal({ phone, codeExpiresInS: 300, resendAfterS: 60 });
    expect(reg.headers.get('ratelimit-limit')).to.match(/^\d+$/);

    const early = await http(api('/auth/login'), { method: 'POST', json: { identifier: phone, password: PASSWORD } });
    expect(early.status).to.equal(403);
    expect(early.body.error.details).to.deep.equal([{ reason: 'phone_not_verified', message: 'Phone number not verified' }]);

    const code = outbox(app).lastCode(phone);
    expect(code).to.match(/^\d{6}$/);
    const ver = await http(api('/auth/otp/verify'), { method: 'POST', json: { phone, code } });
    expect(ver.status).to.equal(200);
    expect(ver.body.data).to.deep.equal({ verified: true });

    const login = await http(api('/auth/login'), { method: 'POST', json: { identifier: phone, password: PASSWORD } });
    expect(login.status).to.equal(200);
    const t = login.body.data;
    expect(t.tokenType).to.equal('Bearer');
    expect(t.account).to.include({ phone, role: 'customer', status: 'active', phoneVerified: true, profileComplete: false });
    expect(t.account).to.not.have.property('passwordHash');
    const ttl = (Date.parse(t.accessTokenExpiresAt) - Date.now()) / 1000;
    expect(ttl).to.be.within(880, 901);

    const me = await http(api('/auth/me'), { token: t.accessToken });
    expect(me.status).to.equal(200);
    expect(me.body.data.id).to.equal(t.account.id);

    const profile = await http(api(`/accounts/${t.account.id}/profile`), { method: 'PATCH', token: t.accessToken, json: { name: 'Rana', email: 'Rana@Example.com', addresses: [{ label: 'home', line1: '1 Main St', city: 'Daraa', lat: 32.62, lng: 36.1 }] } });
    expect(profile.status).to.equal(200);
    expect(profile.body.data).to.include({ email: 'rana@example.com', profileComplete: true });
    const byEmail = await logIn(app, 'RANA@example.com');
    expect(byEmail.accountId).to.equal(t.account.id);

    const ref = await http(api('/auth/refresh'), { method: 'POST', json: { refreshToken: t.refreshToken } });
    expect(ref.status).to.equal(200);
    expect(ref.body.data.refreshToken).to.not.equal(t.refreshToken);
    expect(ref.body.data.sessionId).to.equal(t.sessionId);

    const out = await http(api('/auth/logout'), { method: 'POST', token: ref.body.data.accessToken });
    expect(out.status).to.equal(200);
    expect((await http(api('/auth/me'), { token: ref.body.data.accessToken })).status).to.equal(401);
    expect((await http(api('/auth/me'), { token: t.accessToken })).status).to.equal(401);
    expect((await http(api('/auth/refresh'), { method: 'POST', json: { refreshToken: ref.body.data.refreshToken } })).status).to.equal(401);
    expect((await http(api('/auth/me'), { token: byEmail.accessToken })).status).to.equal(200); // other session untouched
    await waitFor(() => events.some((e) => e.type === 'identity.sessions_revoked' && e.reason === 'logout' && e.sessionIds[0] === t.sessionId));
  });

  it('when a code is asked again within 60 s, then 429 with Retry-After; the old code dies when a new one is sent', async () => {
    const phone = newPhone();
    await http(api('/auth/register'), { method: 'POST', json: { phone, password: PASSWORD, role: 'courier' } });
    const first = outbox(app).lastCode(phone);
    const again = await http(api('/auth/otp/resend'), { method: 'POST', json: { phone } });
    expect(again.status).to.equal(429);
    expect(again.body.error.code).to.equal('RATE_LIMIT_EXCEEDED');
    expect(again.body.error.details[0].reason).to.equal('otp_cooldown');
    expect(Number(again.headers.get('retry-after'))).to.be.within(1, 60);
    const clock = controlledClock(app);
    clock.advance(61_000);
    try {
      const ok = await http(api('/auth/otp/resend'), { method: 'POST', json: { phone } });
      expect(ok.status).to.equal(202);
      const second = outbox(app).lastCode(phone);
      expect(outbox(app).to(phone)).to.have.length(2);
      if (first !== second) expect((await http(api('/auth/otp/verify'), { method: 'POST', json: { phone, code: first } })).status).to.equal(422);
      expect((await http(api('/auth/otp/verify'), { method: 'POST', json: { phone, code: second } })).status).to.equal(200);
    } finally {
      clock.restore();
    }
  });

  it('when a password is reset by code, then every session is revoked and only the new password works', async () => {
    const user = await signUp(app, 'customer');
    const other = await logIn(app, user.phone);
    const forgot = await http(api('/auth/password/forgot'), { method: 'POST', json: { phone: user.phone } });
    expect(forgot.status).to.equal(202);
    await waitFor(() => outbox(app).to(user.phone).some((m) => m.body.includes('reset')));
    const code = outbox(app).lastCode(user.phone);
    const reset = await http(api('/auth/password/reset'), { method: 'POST', json: { phone: user.phone, code, newPassword: 'N3w!passWord' } });
    expect(reset.status).to.equal(200);
    for (const s of [user, other]) {
      expect((await http(api('/auth/me'), { token: s.accessToken })).status).to.equal(401);
      expect((await http(api('/auth/refresh'), { method: 'POST', json: { refreshToken: s.refreshToken } })).status).to.equal(401);
    }
    expect((await http(api('/auth/login'), { method: 'POST', json: { identifier: user.phone, password: PASSWORD } })).status).to.equal(401);
    expect((await logIn(app, user.phone, 'N3w!passWord')).accountId).to.equal(user.accountId);
    await waitFor(() => events.some((e) => e.type === 'identity.sessions_revoked' && e.reason === 'password_reset' && e.accountId === user.accountId && e.sessionIds.length === 2));
  });

  it('when a courier uploads documents and an admin approves, then the courier becomes eligible to go online', async () => {
    const courier = await signUp(app, 'courier');
    const { courierEligibility } = app.system.composed.container.cradle;
    expect(await courierEligibility.execute(courier.accountId)).to.deep.equal({ eligible: false, reason: 'profile_incomplete' });
    await http(api(`/accounts/${courier.accountId}/profile`), { method: 'PATCH', token: courier.accessToken, json: { name: 'Sami', vehicleType: 'motorbike', capacityKg: 25 } });
    expect(await courierEligibility.execute(courier.accountId)).to.deep.equal({ eligible: false, reason: 'not_verified' });

    const up = await http(api(`/accounts/${courier.accountId}/documents?kind=driving_license`), { method: 'POST', token: courier.accessToken, headers: { 'content-type': 'image/png' }, body: PNG });
    expect(up.status).to.equal(201);
    expect(up.body.data).to.include({ kind: 'driving_license', contentType: 'image/png', sizeBytes: PNG.length });

    const admin = await signUpAdmin(app, 'verifier');
    const list = await http(api(`/accounts/${courier.accountId}/documents`), { token: admin.accessToken });
    expect(list.body.data.items.map((d: any) => d.id)).to.deep.equal([up.body.data.id]);
    const doc = await http(api(`/accounts/${courier.accountId}/documents/${up.body.data.id}`), { token: admin.accessToken });
    expect(Buffer.from(doc.body.data.contentBase64, 'base64').equals(PNG)).to.equal(true);

    const noReason = await http(api(`/admin/accounts/${courier.accountId}/verification`), { method: 'POST', token: admin.accessToken, json: { decision: 'reject' } });
    expect(noReason.status).to.equal(400);
    const ok = await http(api(`/admin/accounts/${courier.accountId}/verification`), { method: 'POST', token: admin.accessToken, json: { decision: 'approve', reason: 'licence checked' } });
    expect(ok.status).to.equal(200);
    expect(ok.body.data.verification).to.include({ status: 'approved', reason: 'licence checked' });
    expect(await courierEligibility.execute(courier.accountId)).to.deep.equal({ eligible: true });
    const audit = await http(api(`/admin/audit-log?resourceId=${courier.accountId}&action=account.verification_approved`), { token: app.token('admin') });
    expect(audit.body.data.items[0].actor).to.deep.equal({ id: admin.accountId, role: 'admin' });
  });

  it('when a document is not an allowed type, lies about its type or is too large, then it is refused', async () => {
    const owner = await signUp(app, 'store_owner');
    const url = api(`/accounts/${owner.accountId}/documents?kind=business_license`);
    const gif = await http(url, { method: 'POST', token: owner.accessToken, headers: { 'content-type': 'image/gif' }, body: Buffer.from('GIF89a') });
    expect(gif.status).to.equal(400);
    const fake = await http(url, { method: 'POST', token: owner.accessToken, headers: { 'content-type': 'application/pdf' }, body: Buffer.from('<script>alert(1)</script>') });
    expect(fake.status).to.equal(400);
    expect(fake.body.error.code).to.equal('VALIDATION_ERROR');
    const big = await http(url, { method: 'POST', token: owner.accessToken, headers: { 'content-type': 'application/pdf' }, body: Buffer.concat([Buffer.from('%PDF-'), Buffer.alloc(6 * 1024 * 1024)]) });
    expect(big.status).to.equal(413);
  });

  it('when an admin suspends a courier, then its tokens are refused at once, it cannot log in or go online, and the event is published', async () => {
    const courier = await signUp(app, 'courier');
    const admin = await signUpAdmin(app, 'security');
    const r = await http(api(`/admin/accounts/${courier.accountId}/suspend`), { method: 'POST', token: admin.accessToken, json: { reason: 'fraud ring' } });
    expect(r.status).to.equal(200);
    expect(r.body.data.status).to.equal('suspended');
    expect((await http(api('/auth/me'), { token: courier.accessToken })).status).to.equal(401);
    expect((await http(api('/auth/refresh'), { method: 'POST', json: { refreshToken: courier.refreshToken } })).status).to.equal(401);
    const login = await http(api('/auth/login'), { method: 'POST', json: { identifier: courier.phone, password: PASSWORD } });
    expect(login.status).to.equal(403);
    expect(login.body.error.details).to.deep.equal([{ reason: 'account_suspended', message: 'Account suspended' }]);
    expect(await app.system.composed.container.cradle.courierEligibility.execute(courier.accountId)).to.deep.equal({ eligible: false, reason: 'suspended' });
    await waitFor(() => events.some((e) => e.type === 'identity.account_suspended' && e.accountId === courier.accountId && e.reason === 'fraud ring'));

    const search = await http(api(`/admin/accounts?status=suspended&q=${encodeURIComponent(courier.phone)}`), { token: admin.accessToken });
    expect(search.body.data.items.map((a: any) => a.id)).to.deep.equal([courier.accountId]);

    const un = await http(api(`/admin/accounts/${courier.accountId}/unsuspend`), { method: 'POST', token: admin.accessToken });
    expect(un.status).to.equal(200);
    const back = await logIn(app, courier.phone);
    expect((await http(api('/auth/me'), { token: back.accessToken })).status).to.equal(200);
    expect((await http(api('/auth/me'), { token: courier.accessToken })).status).to.equal(401); // old session stays revoked
  });

  it('when the OpenAPI document is read, then every identity route is listed with its security scheme', async () => {
    const doc = (await http(`${app.url}/openapi.json`)).body;
    for (const route of app.system.composed.routes) {
      const path = route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      const op = doc.paths[path]?.[route.method];
      expect(op, `${route.method} ${path}`).to.be.an('object');
      if (route.access.kind === 'public') expect(op.security, path).to.equal(undefined);
      else expect(op.security, path).to.deep.equal([{ bearerAuth: [] }]);
    }
    expect(doc.paths['/api/v1/auth/login'].post.requestBody.content['application/json']).to.be.an('object');
    expect(doc.paths['/api/v1/accounts/{id}/documents'].post.requestBody.content).to.have.keys('application/pdf', 'image/png', 'image/jpeg');
  });
});

async function waitFor(check: () => boolean, ms = 2_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
