import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { startTestApp, http, type TestApp } from '../../helpers/app.js';
import { giveZone, openStore } from '../../helpers/stores.js';
import type { Cradle } from '../../../infra/container.js';
import type { Store as DbStore } from '../../../infra/db/index.js';

const damascus = { lat: 33.5138, lng: 36.2765 };
const bowtie = { kind: 'polygon', polygon: { type: 'Polygon', coordinates: [[[36.2, 33.5], [36.3, 33.6], [36.3, 33.5], [36.2, 33.6], [36.2, 33.5]]] } };
const square = (d: number) => ({
  kind: 'polygon',
  polygon: { type: 'Polygon', coordinates: [[[damascus.lng - d, damascus.lat - d], [damascus.lng + d, damascus.lat - d], [damascus.lng + d, damascus.lat + d], [damascus.lng - d, damascus.lat + d], [damascus.lng - d, damascus.lat - d]]] },
});
/** Degrees of longitude per km at a latitude. */
const lngPerKm = (lat: number) => 1 / (111.32 * Math.cos((lat * Math.PI) / 180));
const east = (km: number) => ({ lat: damascus.lat, lng: damascus.lng + lngPerKm(damascus.lat) * km });

describe('store zones over HTTP: set, read, remove, and who delivers to me', function () {
  this.timeout(90_000);
  let app: TestApp;
  let owner: string;
  const cradle = () => app.system.composed.container.cradle as Cradle;
  const events = async (storeId: string) => {
    const store = cradle().store as DbStore & { kind: 'sql' };
    return (await store.sql.query<{ type: string; aggregate_version: number; payload: { zone: unknown } }>('select type, aggregate_version, payload from outbox where aggregate_id = $1 and type = $2 order by sequence', [storeId, 'catalog.store.zone_changed'])).rows;
  };
  const near = (qs: string, token?: string) => http(`${app.url}/api/v1/stores/near?${qs}`, token ? { token } : {});

  before(async () => {
    app = await startTestApp();
    owner = app.token('store_owner', `owner-${randomUUID().slice(0, 8)}`);
  });
  after(() => app?.stop());

  it('when an owner sets a zone, then it reads back, a repeat changes nothing, and exactly one zone_changed event per change is in the outbox', async () => {
    const storeId = await openStore(app, owner, damascus);
    const put = await http(`${app.url}/api/v1/stores/${storeId}/zone`, { method: 'PUT', token: owner, json: square(0.02) });
    expect(put.status).to.equal(200);
    expect(put.body.data).to.deep.include({ storeId, version: 1, zone: square(0.02) });
    expect((await http(`${app.url}/api/v1/stores/${storeId}/zone`, { token: owner })).body.data.zone).to.deep.equal(square(0.02));
    const again = await http(`${app.url}/api/v1/stores/${storeId}/zone`, { method: 'PUT', token: owner, json: square(0.02) });
    expect(again.body.data.version).to.equal(1);
    await giveZone(app, owner, storeId, damascus, 3_000);
    const rows = await events(storeId);
    expect(rows.map((r) => [r.type, r.aggregate_version])).to.deep.equal([['catalog.store.zone_changed', 1], ['catalog.store.zone_changed', 2]]);
    expect(rows[1]!.payload.zone).to.deep.equal({ kind: 'radius', center: damascus, radiusM: 3_000 });
  });

  it('when a zone self-intersects or is too large, then 422 names the reason and the stored zone is unchanged', async () => {
    const storeId = await openStore(app, owner, damascus);
    await giveZone(app, owner, storeId, damascus, 2_000);
    const crossed = await http(`${app.url}/api/v1/stores/${storeId}/zone`, { method: 'PUT', token: owner, json: bowtie });
    expect(crossed.status).to.equal(422);
    expect(crossed.body.error.details[0]).to.include({ reason: 'ZONE_SELF_INTERSECTS' });
    const huge = await http(`${app.url}/api/v1/stores/${storeId}/zone`, { method: 'PUT', token: owner, json: square(0.6) });
    expect(huge.status).to.equal(422);
    expect(huge.body.error.details[0]).to.include({ reason: 'ZONE_TOO_LARGE' });
    const wide = await http(`${app.url}/api/v1/stores/${storeId}/zone`, { method: 'PUT', token: owner, json: { kind: 'radius', center: damascus, radiusM: 100_000 } });
    expect(wide.body.error.details[0]).to.include({ reason: 'ZONE_TOO_LARGE' });
    const junk = await http(`${app.url}/api/v1/stores/${storeId}/zone`, { method: 'PUT', token: owner, json: { kind: 'radius', center: damascus, radiusM: 2_000, extra: 1 } });
    expect(junk.status).to.equal(400);
    const zone = (await http(`${app.url}/api/v1/stores/${storeId}/zone`, { token: owner })).body.data;
    expect(zone).to.deep.include({ version: 1, zone: { kind: 'radius', center: damascus, radiusM: 2_000 } });
    expect(await events(storeId)).to.have.length(1);
  });

  it("when another owner touches the zone, then 404 and nothing changes; an admin with stores:manage may", async () => {
    const storeId = await openStore(app, owner, damascus);
    const other = app.token('store_owner', `owner-${randomUUID().slice(0, 8)}`);
    expect((await http(`${app.url}/api/v1/stores/${storeId}/zone`, { method: 'PUT', token: other, json: square(0.01) })).status).to.equal(404);
    expect((await http(`${app.url}/api/v1/stores/${storeId}/zone`, { method: 'DELETE', token: other })).status).to.equal(404);
    expect((await http(`${app.url}/api/v1/stores/${storeId}/zone`, { token: owner })).status).to.equal(404);
    const admin = app.token('admin', `admin-${randomUUID().slice(0, 8)}`);
    expect((await http(`${app.url}/api/v1/stores/${storeId}/zone`, { method: 'PUT', token: admin, json: square(0.01) })).status).to.equal(200);
  });

  it('when a customer asks who delivers to a point, then only listed stores whose zone holds it come back, with distance, fee band, ETA and open now, sorted as asked', async () => {
    // A spot of its own, 30 km south, so other tests' stores are not in the answer.
    const spot = { lat: damascus.lat - 0.27, lng: damascus.lng };
    const at = (km: number) => ({ lat: spot.lat, lng: spot.lng + lngPerKm(spot.lat) * km });
    const near1 = await openStore(app, owner, at(1), { name: 'One km' });
    const near3 = await openStore(app, owner, at(3), { name: 'Three km' });
    const unlisted = await openStore(app, owner, at(0.5), { name: 'Unapproved', approved: false });
    const far = await openStore(app, owner, at(20), { name: 'Far' });
    for (const id of [near1, near3, unlisted]) await giveZone(app, owner, id, spot, 5_000);
    await giveZone(app, owner, far, at(20), 3_000);

    const customer = app.token('customer', `cust-${randomUUID().slice(0, 8)}`);
    const r = await near(`lat=${spot.lat}&lng=${spot.lng}&sort=distance`, customer);
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    const items = r.body.data.items as Array<{ store: { id: string }; distanceM: number; deliveryFee: number; eta: { seconds: number; prepS: number; courierS: number; source: string }; openNow: boolean }>;
    expect(items.map((i) => i.store.id)).to.deep.equal([near1, near3]);
    expect(items[0]!.distanceM).to.be.within(950, 1_050);
    expect(items.map((i) => i.deliveryFee)).to.deep.equal([50_000, 100_000]);
    expect(items[0]!.eta.seconds).to.equal(items[0]!.eta.prepS + items[0]!.eta.courierS);
    expect(items[0]!.eta.courierS).to.be.below(items[1]!.eta.courierS);
    expect(items[0]!.eta.source).to.equal('haversine');
    expect(items[0]!.openNow, 'a store without hours is never open now').to.equal(false);
    expect(r.body.data.pagination.total).to.equal(2);

    const byEta = await near(`lat=${spot.lat}&lng=${spot.lng}`);
    expect(byEta.status, 'anyone may ask with a point').to.equal(200);
    expect(byEta.body.data.items.map((i: { store: { id: string } }) => i.store.id)).to.deep.equal([near1, near3]);
    const paged = await near(`lat=${spot.lat}&lng=${spot.lng}&limit=1&page=2`);
    expect(paged.body.data.items.map((i: { store: { id: string } }) => i.store.id)).to.deep.equal([near3]);
    expect((await near(`lat=${spot.lat - 1}&lng=${spot.lng}`)).body.data.items).to.deep.equal([]);
  });

  it('when a dispatcher asks for the zones in a map view, then every store whose zone meets it comes back (a zone reaching in from outside too), and nothing else; a bad box or both query forms are 400', async () => {
    // A spot of its own, 60 km north, so other tests' zones are not in the view.
    const spot = { lat: damascus.lat + 0.54, lng: damascus.lng };
    const at = (km: number) => ({ lat: spot.lat, lng: spot.lng + lngPerKm(spot.lat) * km });
    const inside = await openStore(app, owner, at(0));
    const reaching = await openStore(app, owner, at(7)); // its store is out of view, its 5 km zone reaches in
    const away = await openStore(app, owner, at(20));
    await giveZone(app, owner, inside, at(0), 2_000);
    await giveZone(app, owner, reaching, at(7), 5_000);
    await giveZone(app, owner, away, at(20), 2_000);
    const admin = app.token('admin', `ops-${randomUUID().slice(0, 8)}`, ['deliveries:manage']);
    const box = [at(-3).lng, spot.lat - 0.03, at(3).lng, spot.lat + 0.03].map((x) => x.toFixed(5)).join(',');
    const view = async () => {
      const r = await http(`${app.url}/api/v1/admin/store-zones?bbox=${box}`, { token: admin });
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      return r.body.data as { items: { storeId: string }[]; pagination: { total: number } };
    };
    let seen = await view();
    for (let i = 0; i < 50 && seen.items.length < 2; i++) seen = await new Promise((res) => setTimeout(res, 100)).then(view); // the live index follows the change within moments
    expect(seen.items.map((z) => z.storeId).sort()).to.deep.equal([inside, reaching].sort());
    expect(seen.pagination.total).to.equal(2);
    for (const bad of ['1,2,3', 'a,b,c,d', '36,34,37,33', '36,-91,37,33', '200,33,201,34']) {
      const r = await http(`${app.url}/api/v1/admin/store-zones?bbox=${bad}`, { token: admin });
      expect(r.status, bad).to.equal(400);
      expect(r.body.error.code).to.equal('VALIDATION_ERROR');
    }
    expect((await http(`${app.url}/api/v1/admin/store-zones?bbox=${box}&storeIds=${inside}`, { token: admin })).status).to.equal(400);
    expect((await http(`${app.url}/api/v1/admin/store-zones`, { token: admin })).status).to.equal(400);
  });

  it('when a store sets its own preparation time, then its ETA starts with it; a store without one uses the marketplace default, which an admin may change; bad minutes are refused and change nothing', async () => {
    const spot = { lat: damascus.lat - 0.3, lng: damascus.lng };
    const own = await openStore(app, owner, spot, { name: 'Slow kitchen' });
    const plain = await openStore(app, owner, spot, { name: 'Default kitchen' });
    for (const id of [own, plain]) await giveZone(app, owner, id, spot, 2_000);
    const patch = (json: unknown) => http(`${app.url}/api/v1/stores/${own}`, { method: 'PATCH', token: owner, json });
    const set = await patch({ prepMinutes: 35 });
    expect(set.status, JSON.stringify(set.body)).to.equal(200);
    expect(set.body.data.prepMinutes).to.equal(35);
    for (const bad of [0, 241, 12.5, '20']) {
      const r = await patch({ prepMinutes: bad });
      expect(r.status, `prepMinutes ${JSON.stringify(bad)}`).to.equal(400);
      expect(r.body.error.code).to.equal('VALIDATION_ERROR');
    }
    const prep = async () => {
      const r = await near(`lat=${spot.lat}&lng=${spot.lng}`);
      return Object.fromEntries((r.body.data.items as Array<{ store: { id: string }; eta: { seconds: number; prepS: number; courierS: number } }>).map((i) => {
        expect(i.eta.seconds).to.equal(i.eta.prepS + i.eta.courierS);
        return [i.store.id === own ? 'own' : 'plain', i.eta.prepS];
      }));
    };
    expect(await prep()).to.deep.equal({ own: 35 * 60, plain: 15 * 60 });
    const admin = app.token('admin', `admin-${randomUUID().slice(0, 8)}`);
    const changed = await http(`${app.url}/api/v1/admin/settings/store.prepDefaultMinutes`, { method: 'PUT', token: admin, json: { value: 20, expectedVersion: 0 } });
    expect(changed.status, JSON.stringify(changed.body)).to.equal(200);
    expect(await prep()).to.deep.equal({ own: 35 * 60, plain: 20 * 60 });
    expect((await patch({ prepMinutes: null })).body.data.prepMinutes).to.equal(null);
    expect(await prep()).to.deep.equal({ own: 20 * 60, plain: 20 * 60 });
  });

  it('when a search term is given, then only stores with matching active products come back, with those products', async () => {
    const spot = { lat: damascus.lat + 0.27, lng: damascus.lng };
    const bakery = await openStore(app, owner, spot, { name: 'Bakery' });
    const grocer = await openStore(app, owner, spot, { name: 'Grocer' });
    for (const id of [bakery, grocer]) await giveZone(app, owner, id, spot, 3_000);
    const product = await http(`${app.url}/api/v1/stores/${bakery}/products`, { method: 'POST', token: owner, json: { name: { ar: 'خبز عربي', en: 'Arabic bread' }, status: 'active', variants: [{ sku: 'BREAD-6', price: 1500 }] } });
    expect(product.status, JSON.stringify(product.body)).to.equal(201);
    await http(`${app.url}/api/v1/stores/${grocer}/products`, { method: 'POST', token: owner, json: { name: { ar: 'جبنة', en: 'Cheese' }, status: 'active', variants: [{ sku: 'CHEESE-1', price: 900 }] } });
    const r = await near(`lat=${spot.lat}&lng=${spot.lng}&q=${encodeURIComponent('خبز')}`);
    expect(r.body.data.items.map((i: { store: { id: string } }) => i.store.id)).to.deep.equal([bakery]);
    expect(r.body.data.items[0].products).to.deep.equal([{ id: product.body.data.id, storeId: bakery, name: { ar: 'خبز عربي', en: 'Arabic bread' }, priceMin: 1500, priceMax: 1500 }]);
    expect((await near(`lat=${spot.lat}&lng=${spot.lng}&q=bread`)).body.data.items).to.have.length(1);
  });

  it("when asked from an address, then only the customer's own address is used; another's is 404, and anonymous 401", async () => {
    const storeId = await openStore(app, owner, east(1));
    await giveZone(app, owner, storeId, damascus, 4_000);
    const me = app.token('customer', `cust-${randomUUID().slice(0, 8)}`);
    const other = app.token('customer', `cust-${randomUUID().slice(0, 8)}`);
    const address = await http(`${app.url}/api/v1/addresses`, { method: 'POST', token: me, json: { label: 'Home', line: 'Old city', point: damascus } });
    expect(address.body.data.deliversTo).to.equal(true);
    const mine = await near(`addressId=${address.body.data.id}`, me);
    expect(mine.body.data.items.map((i: { store: { id: string } }) => i.store.id)).to.include(storeId);
    expect((await near(`addressId=${address.body.data.id}`, other)).status).to.equal(404);
    expect((await near(`addressId=${address.body.data.id}`)).status).to.equal(401);
    expect((await near(`addressId=${address.body.data.id}&lat=1&lng=1`, me)).status).to.equal(400);
    expect((await near('lat=1', me)).status).to.equal(400);
  });

  it('when a zone is removed, then the store stops answering for the point, and removing again answers removed: false', async () => {
    const spot = { lat: damascus.lat, lng: damascus.lng + 0.4 };
    const storeId = await openStore(app, owner, spot);
    await giveZone(app, owner, storeId, spot, 2_000);
    expect((await near(`lat=${spot.lat}&lng=${spot.lng}`)).body.data.items.map((i: { store: { id: string } }) => i.store.id)).to.deep.equal([storeId]);
    expect((await http(`${app.url}/api/v1/stores/${storeId}/zone`, { method: 'DELETE', token: owner })).body.data).to.deep.equal({ storeId, removed: true });
    expect((await near(`lat=${spot.lat}&lng=${spot.lng}`)).body.data.items).to.deep.equal([]);
    expect((await http(`${app.url}/api/v1/stores/${storeId}/zone`, { method: 'DELETE', token: owner })).body.data).to.deep.equal({ storeId, removed: false });
    expect((await http(`${app.url}/api/v1/stores/${storeId}/zone`, { token: owner })).status).to.equal(404);
    expect((await events(storeId)).map((e) => e.payload.zone === null)).to.deep.equal([false, true]);
  });
});
