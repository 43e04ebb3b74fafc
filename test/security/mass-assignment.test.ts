import { expect } from 'chai';
import { startTestApp, http, type TestApp } from '../helpers/app.js';
import { newPhone, signUp, signUpAdmin, type Session } from '../helpers/identity.js';

describe('security: mass assignment', function () {
  this.timeout(60_000);
  let app: TestApp;
  let customer: Session;
  before(async () => {
    app = await startTestApp({ env: { RATE_LIMIT_STRICT_PER_15MIN: '1000' } });
    customer = await signUp(app, 'customer');
  });
  after(async () => {
    await app?.stop();
  });
  const fields = (r: { body: any }) => (r.body.error.details as { field: string }[]).map((d) => d.field);

  it('when someone registers as admin, then VALIDATION_ERROR on body.role and no account exists', async () => {
    const phone = newPhone();
    const r = await http(`${app.url}/api/v1/auth/register`, { method: 'POST', json: { phone, password: 'Str0ng!pass', role: 'admin' } });
    expect(r.status).to.equal(400);
    expect(r.body.error.code).to.equal('VALIDATION_ERROR');
    expect(fields(r)).to.include('body.role');
    expect(await app.system.composed.container.cradle.accounts.findByPhone(phone)).to.equal(null);
  });

  for (const extra of [{ status: 'active' }, { permissions: ['audit:read'] }, { adminRole: 'super_admin' }, { phoneVerified: true }, { verification: { status: 'approved' } }]) {
    it(`when registration smuggles ${Object.keys(extra)[0]}, then VALIDATION_ERROR names it`, async () => {
      const r = await http(`${app.url}/api/v1/auth/register`, { method: 'POST', json: { phone: newPhone(), password: 'Str0ng!pass', role: 'courier', ...extra } });
      expect(r.status).to.equal(400);
      expect(r.body.error.details.some((d: any) => d.code === 'unrecognized_keys' && d.message.includes(Object.keys(extra)[0]))).to.equal(true);
    });
  }

  const smuggled: Record<string, unknown>[] = [
    { role: 'admin' }, { status: 'active' }, { verification: { status: 'approved' } }, { permissions: ['accounts:suspend'] },
    { adminRole: 'super_admin' }, { balance: 1_000_000 }, { walletBalance: 5 }, { id: 'someone-else' }, { phone: '+14155550199' },
    { passwordHash: 'x' }, { suspension: null }, { profileComplete: true },
  ];
  for (const patch of smuggled) {
    it(`when a profile patch carries ${Object.keys(patch)[0]}, then VALIDATION_ERROR and nothing changes`, async () => {
      const before = (await http(`${app.url}/api/v1/auth/me`, { token: customer.accessToken })).body.data;
      const r = await http(`${app.url}/api/v1/accounts/${customer.accountId}/profile`, { method: 'PATCH', token: customer.accessToken, json: { name: 'Legit', ...patch } });
      expect(r.status).to.equal(400);
      expect(r.body.error.code).to.equal('VALIDATION_ERROR');
      const after = (await http(`${app.url}/api/v1/auth/me`, { token: customer.accessToken })).body.data;
      expect(after).to.deep.equal(before);
    });
  }

  it('when a customer sends a courier field, then VALIDATION_ERROR names it', async () => {
    const r = await http(`${app.url}/api/v1/accounts/${customer.accountId}/profile`, { method: 'PATCH', token: customer.accessToken, json: { vehicleType: 'car' } });
    expect(r.status).to.equal(400);
    expect(fields(r)).to.deep.equal(['body.vehicleType']);
  });

  it('when the body tries prototype pollution, then it is refused and nothing is polluted', async () => {
    const r = await http(`${app.url}/api/v1/accounts/${customer.accountId}/profile`, { method: 'PATCH', token: customer.accessToken, headers: { 'content-type': 'application/json' }, body: '{"name":"x","__proto__":{"role":"admin"},"constructor":{"prototype":{"isAdmin":true}}}' });
    expect(r.status).to.equal(400);
    expect(({} as Record<string, unknown>).role).to.equal(undefined);
    expect((await http(`${app.url}/api/v1/auth/me`, { token: customer.accessToken })).body.data.role).to.equal('customer');
  });

  it('when an admin call carries extra fields, then VALIDATION_ERROR', async () => {
    const admin = await signUpAdmin(app);
    const r = await http(`${app.url}/api/v1/admin/accounts/${customer.accountId}/suspend`, { method: 'POST', token: admin.accessToken, json: { reason: 'testing', status: 'active' } });
    expect(r.status).to.equal(400);
    const v = await http(`${app.url}/api/v1/admin/accounts/${customer.accountId}/verification`, { method: 'POST', token: admin.accessToken, json: { decision: 'approve', decidedBy: 'someone' } });
    expect(v.status).to.equal(400);
    expect((await http(`${app.url}/api/v1/auth/me`, { token: customer.accessToken })).body.data.status).to.equal('active');
  });

  const storeSmuggled: Record<string, unknown>[] = [
    { rating: { average: 5, count: 999 } }, { verification: { status: 'approved' } }, { ownerId: 'someone-else' }, { id: 'other-id' },
    { version: 1 }, { logo: { files: {} } }, { createdAt: '2020-01-01T00:00:00Z' }, { listed: true },
  ];
  for (const patch of storeSmuggled) {
    it(`when a store patch carries ${Object.keys(patch)[0]}, then VALIDATION_ERROR and the store is unchanged`, async () => {
      const owner = await signUp(app, 'store_owner');
      const created = await http(`${app.url}/api/v1/stores`, { method: 'POST', token: owner.accessToken, json: { name: 'Legit shop', address: '1 Souq St', location: { lat: 33.5, lng: 36.3 } } });
      const path = `${app.url}/api/v1/stores/${created.body.data.id}`;
      const r = await http(path, { method: 'PATCH', token: owner.accessToken, json: { name: 'Renamed', ...patch } });
      expect(r.status).to.equal(400);
      expect(r.body.error.details.some((d: any) => d.code === 'unrecognized_keys' && d.message.includes(Object.keys(patch)[0]))).to.equal(true);
      expect((await http(path, { token: owner.accessToken })).body.data).to.deep.equal(created.body.data);
    });
  }
});
