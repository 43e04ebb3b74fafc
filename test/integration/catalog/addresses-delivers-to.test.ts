import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { startTestApp, http, type TestApp } from '../../helpers/app.js';
import { giveZone, openStore } from '../../helpers/stores.js';
import type { StoreCoverage } from '../../../domain/catalog/ports.js';

describe('addresses: deliversTo from the store zones (StoreCoverage)', function () {
  this.timeout(60_000);
  let app: TestApp;
  let owner: string;
  const inside = { lat: 33.5138, lng: 36.2765 };
  const outside = { lat: 34.7324, lng: 36.7137 }; // Homs, ~140 km away
  const unlistedOnly = { lat: 33.3, lng: 36.2 };

  before(async () => {
    app = await startTestApp();
    owner = app.token('store_owner', `owner-${randomUUID().slice(0, 8)}`);
    await giveZone(app, owner, await openStore(app, owner, inside), inside, 2_000);
    // A store that is not approved delivers nowhere, whatever its zone.
    await giveZone(app, owner, await openStore(app, owner, unlistedOnly, { approved: false }), unlistedOnly, 2_000);
  });
  after(() => app?.stop());

  it('when an address lies in a listed store\'s zone, then deliversTo is true; outside every zone, or only in an unapproved store\'s, then false; both agree with the StoreCoverage', async () => {
    const me = app.token('customer', `cust-${randomUUID().slice(0, 8)}`);
    const coverage = (app.system.composed.container.cradle as unknown as { storeCoverage: StoreCoverage }).storeCoverage;
    const inZone = await http(`${app.url}/api/v1/addresses`, { method: 'POST', token: me, json: { label: 'In', line: 'Old city', point: inside } });
    const farAway = await http(`${app.url}/api/v1/addresses`, { method: 'POST', token: me, json: { label: 'Out', line: 'Homs', point: outside } });
    const unlisted = await http(`${app.url}/api/v1/addresses`, { method: 'POST', token: me, json: { label: 'Unlisted', line: 'South', point: unlistedOnly } });
    expect(inZone.body.data.deliversTo).to.equal(true);
    expect(farAway.body.data.deliversTo).to.equal(false);
    expect(unlisted.body.data.deliversTo).to.equal(false);
    expect(await coverage.deliversTo(inside)).to.equal(true);
    expect(await coverage.deliversTo(outside)).to.equal(false);
    const listed = (await http(`${app.url}/api/v1/addresses`, { token: me })).body.data.items;
    expect(Object.fromEntries(listed.map((a: { label: string; deliversTo: boolean }) => [a.label, a.deliversTo]))).to.deep.equal({ In: true, Out: false, Unlisted: false });
  });

  it('when the zone is removed, then the same address reads deliversTo false at once (asked on every read, never stored)', async () => {
    const spot = { lat: 33.6, lng: 36.4 };
    const storeId = await openStore(app, owner, spot);
    await giveZone(app, owner, storeId, spot, 1_500);
    const me = app.token('customer', `cust-${randomUUID().slice(0, 8)}`);
    const a = await http(`${app.url}/api/v1/addresses`, { method: 'POST', token: me, json: { label: 'Spot', line: 'North', point: spot } });
    expect(a.body.data.deliversTo).to.equal(true);
    await http(`${app.url}/api/v1/stores/${storeId}/zone`, { method: 'DELETE', token: owner });
    expect((await http(`${app.url}/api/v1/addresses/${a.body.data.id}`, { token: me })).body.data.deliversTo).to.equal(false);
  });
});
