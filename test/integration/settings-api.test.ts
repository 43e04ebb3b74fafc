import { expect } from 'chai';
import { startTestApp, http, type TestApp } from '../helpers/app.js';
import { SETTING_KEYS } from '../../domain/platform/settings.js';

const BANDS = [
  { upToMeters: 1500, feeMinor: 40000 },
  { upToMeters: 4000, feeMinor: 90000 },
  { upToMeters: 9000, feeMinor: 140000 },
  { upToMeters: 15000, feeMinor: 210000 },
];

describe('settings over HTTP', function () {
  this.timeout(60_000);
  let app: TestApp;
  let writer: string;
  let reader: string;
  const put = (key: string, json: unknown, token = writer) => http(`${app.url}/api/v1/admin/settings/${key}`, { method: 'PUT', token, json });

  before(async () => {
    app = await startTestApp();
    writer = app.token('admin', 'settings-writer', ['settings:read', 'settings:write', 'audit:read']);
    reader = app.token('admin', 'settings-reader', ['settings:read']);
  });
  after(async () => {
    await app?.stop();
  });

  it('when anyone reads the public settings, then only the public keys come back, with an ETag that answers 304 while nothing changed', async () => {
    const r = await http(`${app.url}/api/v1/settings`);
    expect(r.status).to.equal(200);
    expect(Object.keys(r.body.data)).to.have.members(['currency', 'vat.rateBps', 'delivery.feeBands', 'order.minimumDefaultMinor', 'cart.idleExpiryMinutes', 'finance.walletTopUpMinMinor', 'finance.walletTopUpMaxMinor', 'finance.walletMaxBalanceMinor']);
    expect(r.body.data.currency).to.equal('SYP');
    expect(r.headers.get('cache-control')).to.equal('public, no-cache');
    const etag = r.headers.get('etag');
    expect(etag).to.match(/^W\/".+"$/);
    const again = await http(`${app.url}/api/v1/settings`, { headers: { 'if-none-match': etag! } });
    expect([again.status, again.body]).to.deep.equal([304, undefined]);
    const other = await http(`${app.url}/api/v1/settings`, { headers: { 'if-none-match': 'W/"something-else"' } });
    expect(other.status).to.equal(200);
  });

  it('when an admin sends bands out of order, then 400 VALIDATION_ERROR names the band at fault and nothing changes', async () => {
    const r = await put('delivery.feeBands', { value: [{ upToMeters: 3000, feeMinor: 1 }, { upToMeters: 2000, feeMinor: 2 }], expectedVersion: 0 });
    expect(r.status).to.equal(400);
    expect(r.body.error.code).to.equal('VALIDATION_ERROR');
    expect(r.body.error.details).to.deep.equal([{ field: 'value.1.upToMeters', message: "must be greater than the previous band's 3000", code: 'custom' }]);
    const missing = await put('delivery.feeBands', { expectedVersion: 0 });
    expect(missing.status).to.equal(400);
    expect(missing.body.error.details.map((d: { field: string }) => d.field)).to.deep.equal(['body.value']);
    const fractional = await put('delivery.feeBands', { value: [{ upToMeters: 3000, feeMinor: 12.5 }], expectedVersion: 1.5 });
    expect(fractional.body.error.details.map((d: { field: string }) => d.field)).to.deep.equal(['body.expectedVersion']);
    expect((await http(`${app.url}/api/v1/admin/settings/delivery.feeBands`, { token: reader })).body.data.version).to.equal(0);
  });

  it('when the key is unknown, then 404 NOT_FOUND for reading and for changing', async () => {
    const r = await put('delivery.fee', { value: 1, expectedVersion: 0 });
    expect([r.status, r.body.error.code]).to.deep.equal([404, 'NOT_FOUND']);
    expect((await http(`${app.url}/api/v1/admin/settings/delivery.fee`, { token: reader })).status).to.equal(404);
  });

  it('when an admin changes the fee bands, then the public read shows them at once with a new ETag, the old ETag no longer answers 304, and history and audit log record it', async () => {
    const before = await http(`${app.url}/api/v1/settings`);
    const r = await put('delivery.feeBands', { value: BANDS, expectedVersion: 0, reason: 'wider city' });
    expect(r.status).to.equal(200);
    expect(r.body.data).to.deep.include({ key: 'delivery.feeBands', value: BANDS, version: 1, changed: true, updatedBy: 'settings-writer' });

    const after = await http(`${app.url}/api/v1/settings`, { headers: { 'if-none-match': before.headers.get('etag')! } });
    expect(after.status).to.equal(200);
    expect(after.body.data['delivery.feeBands']).to.deep.equal(BANDS);
    expect(after.headers.get('etag')).to.not.equal(before.headers.get('etag'));

    const one = await http(`${app.url}/api/v1/admin/settings/delivery.feeBands`, { token: reader });
    expect(one.body.data.history).to.have.length(1);
    expect(one.body.data.history[0]).to.deep.include({ version: 1, value: BANDS, previousValue: one.body.data.default, by: 'settings-writer', reason: 'wider city' });
    const audit = await http(`${app.url}/api/v1/admin/audit-log?resourceType=setting&resourceId=delivery.feeBands`, { token: writer });
    expect(audit.body.data.items.map((e: { action: string }) => e.action)).to.deep.equal(['setting.changed']);
  });

  it('when a second admin changes from a version they read earlier, then 409 SETTING_VERSION_CONFLICT; the same value again is a 200 no-op', async () => {
    const stale = await put('delivery.feeBands', { value: BANDS.slice(0, 2), expectedVersion: 0 });
    expect([stale.status, stale.body.error.code]).to.deep.equal([409, 'SETTING_VERSION_CONFLICT']);
    expect(stale.body.error.details[0]).to.deep.include({ field: 'expectedVersion', expected: 0, current: 1 });
    const retry = await put('delivery.feeBands', { value: BANDS, expectedVersion: 0 });
    expect([retry.status, retry.body.data.version, retry.body.data.changed]).to.deep.equal([200, 1, false]);
  });

  it('when an admin without settings:write changes a setting, then 403; with settings:read only, the list shows every key', async () => {
    expect((await put('currency', { value: 'USD', expectedVersion: 0 }, reader)).status).to.equal(403);
    const list = await http(`${app.url}/api/v1/admin/settings`, { token: reader });
    expect(list.body.data.map((s: { key: string }) => s.key)).to.have.members(SETTING_KEYS);
    expect(list.body.data.find((s: { key: string }) => s.key === 'finance.cashLimitMinor')).to.deep.include({ version: 0, public: false, value: 5_000_000 });
  });

  it('when the OpenAPI document is read, then the settings routes are there with an example body and the 304 answer', async () => {
    const doc = (await http(`${app.url}/openapi.json`)).body;
    expect(doc.paths['/api/v1/settings'].get.responses['304']).to.not.equal(undefined);
    expect(doc.paths['/api/v1/admin/settings/{key}'].put.responses['409'].description).to.contain('SETTING_VERSION_CONFLICT');
    expect(doc.components.schemas.SettingChangeRequest.example.expectedVersion).to.equal(2);
  });
});
