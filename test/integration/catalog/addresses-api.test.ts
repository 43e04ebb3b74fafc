import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { startTestApp, http, type TestApp } from '../../helpers/app.js';
import { startHttpStub, type HttpStub } from '../../helpers/http-stub.js';

const HOME = { label: 'البيت', line: '12 شارع بغداد، دمشق', building: 'بناء 4', floor: '3', notes: 'الباب الأزرق', point: { lat: 33.5183, lng: 36.2946 } };
const WORK = { label: 'Work', line: 'Abu Rummaneh, Damascus', point: { lat: 33.5205, lng: 36.2832 } };

describe('addresses over HTTP (no geocoder configured)', function () {
  this.timeout(60_000);
  let app: TestApp;
  const customer = () => app.token('customer', `cust-${randomUUID().slice(0, 8)}`);
  const call = (token: string, path: string, init: { method?: string; json?: unknown } = {}) => http(`${app.url}/api/v1/addresses${path}`, { token, ...init, method: init.method ?? (init.json ? 'POST' : 'GET') });

  before(async () => {
    app = await startTestApp({ env: { ADDRESS_MAX_PER_CUSTOMER: '3' } });
  });
  after(() => app?.stop());

  it('when a customer adds addresses, then the first is the default, fields come back trimmed, and deliversTo is false while no zone holds it', async () => {
    const me = customer();
    const home = await call(me, '', { json: { ...HOME, label: '  البيت ' } });
    expect(home.status, JSON.stringify(home.body)).to.equal(201);
    expect(home.body.data).to.deep.include({ label: 'البيت', building: 'بناء 4', floor: '3', pointSource: 'client', isDefault: true, deliversTo: false });
    expect(home.body.data.point).to.deep.equal(HOME.point);
    const work = await call(me, '', { json: WORK });
    expect(work.body.data).to.deep.include({ isDefault: false, building: null, notes: null });
    const list = await call(me, '');
    expect(list.body.data.items.map((a: { label: string }) => a.label)).to.deep.equal(['البيت', 'Work']);
  });

  it('when no point is sent and no geocoder is configured, then 400 names the point and nothing is stored', async () => {
    const me = customer();
    const r = await call(me, '', { json: { label: 'Home', line: 'somewhere' } });
    expect(r.status).to.equal(400);
    expect(r.body.error.code).to.equal('VALIDATION_ERROR');
    expect(r.body.error.details[0]).to.deep.include({ field: 'point', reason: 'POINT_REQUIRED' });
    expect((await call(me, '')).body.data.pagination.total).to.equal(0);
  });

  it('when the point, label or an unknown field is bad, then 400 and nothing is stored', async () => {
    const me = customer();
    for (const json of [{ ...HOME, point: { lat: 91, lng: 0 } }, { ...HOME, label: '' }, { ...HOME, label: 'x'.repeat(41) }, { ...HOME, isDefault: true }, { ...HOME, customerId: 'someone' }, { ...HOME, point: { lat: '33', lng: 36 } }]) {
      const r = await call(me, '', { json });
      expect(r.status, JSON.stringify(json)).to.equal(400);
    }
    expect((await call(me, '')).body.data.pagination.total).to.equal(0);
  });

  it('when the default is switched, then exactly one address is the default; deleting it makes the newest remaining one the default', async () => {
    const me = customer();
    const a = (await call(me, '', { json: HOME })).body.data;
    const b = (await call(me, '', { json: WORK })).body.data;
    const c = (await call(me, '', { json: { ...WORK, label: 'Gym' } })).body.data;
    const switched = await call(me, `/${b.id}/default`, { method: 'POST' });
    expect(switched.status).to.equal(200);
    expect(switched.body.data.isDefault).to.equal(true);
    const defaults = (await call(me, '')).body.data.items.filter((x: { isDefault: boolean }) => x.isDefault);
    expect(defaults.map((x: { id: string }) => x.id)).to.deep.equal([b.id]);

    const del = await call(me, `/${b.id}`, { method: 'DELETE' });
    expect(del.status).to.equal(200);
    expect(del.body.data).to.deep.equal({ id: b.id, deleted: true });
    expect((await call(me, `/${b.id}`, { method: 'DELETE' })).body.data, 'a repeated delete answers the same').to.deep.equal({ id: b.id, deleted: true });
    expect((await call(me, `/${b.id}`)).status).to.equal(404);
    const after = (await call(me, '')).body.data.items;
    expect(after.map((x: { id: string; isDefault: boolean }) => [x.id, x.isDefault])).to.deep.equal([[c.id, true], [a.id, false]]);
  });

  it('when a customer is at ADDRESS_MAX_PER_CUSTOMER, then 409 ADDRESS_LIMIT_REACHED until one is deleted', async () => {
    const me = customer();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await call(me, '', { json: { ...WORK, label: `Place ${i}` } })).body.data.id);
    const full = await call(me, '', { json: HOME });
    expect(full.status).to.equal(409);
    expect(full.body.error.details[0]).to.deep.include({ reason: 'ADDRESS_LIMIT_REACHED', limit: 3 });
    await call(me, `/${ids[0]}`, { method: 'DELETE' });
    expect((await call(me, '', { json: HOME })).status).to.equal(201);
  });

  it('when five adds race at the cap, then the book holds exactly the cap and one default', async () => {
    const me = customer();
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => call(me, '', { json: { ...WORK, label: `Race ${i}` } })));
    expect(results.map((r) => r.status).sort()).to.deep.equal([201, 201, 201, 409, 409]);
    const items = (await call(me, '')).body.data.items;
    expect(items).to.have.length(3);
    expect(items.filter((x: { isDefault: boolean }) => x.isDefault)).to.have.length(1);
  });

  it('when an address is edited, then the patch applies and the version moves; an empty patch is refused', async () => {
    const me = customer();
    const a = (await call(me, '', { json: HOME })).body.data;
    const r = await call(me, `/${a.id}`, { method: 'PATCH', json: { notes: 'ring twice', building: null, point: { lat: 33.519, lng: 36.295 } } });
    expect(r.status).to.equal(200);
    expect(r.body.data).to.deep.include({ notes: 'ring twice', building: null, version: a.version + 1, isDefault: true });
    expect(r.body.data.point).to.deep.equal({ lat: 33.519, lng: 36.295 });
    expect((await call(me, `/${a.id}`, { method: 'PATCH', json: {} })).status).to.equal(400);
  });

  it('when another customer or a store owner touches an address, then 404 or 403 and it is unchanged; an admin with accounts:read reads it', async () => {
    const ownerId = `cust-${randomUUID().slice(0, 8)}`;
    const owner = app.token('customer', ownerId);
    const a = (await call(owner, '', { json: HOME })).body.data;
    const stranger = customer();
    for (const [method, path, json] of [['GET', `/${a.id}`], ['PATCH', `/${a.id}`, { label: 'Mine now' }], ['POST', `/${a.id}/default`], ['DELETE', `/${a.id}`]] as const) {
      const r = await call(stranger, path, { method, ...(json ? { json } : {}) });
      expect(r.status, `${method} ${path}`).to.equal(404);
    }
    expect((await call(stranger, `?customerId=${ownerId}`)).body.data.items, 'a customer naming another finds nothing').to.deep.equal([]);
    expect((await call(app.token('store_owner'), `/${a.id}`)).status).to.equal(403);
    expect((await call(app.token('admin', 'ops-1', ['deliveries:manage']), `/${a.id}`)).status).to.equal(403);
    const support = app.token('admin', 'support-1', ['accounts:read']);
    expect((await call(support, `/${a.id}`)).body.data.label).to.equal('البيت');
    expect((await call(support, `?customerId=${ownerId}`)).body.data.items).to.have.length(1);
    expect((await call(support, '')).status, 'an admin must name the customer').to.equal(400);
    expect((await call(support, `/${a.id}`, { method: 'DELETE' })).status).to.equal(403);
    expect((await call(owner, `/${a.id}`)).body.data).to.deep.include({ label: 'البيت', version: a.version });
  });
});

describe('addresses over HTTP (Google Geocoding against a local stub)', function () {
  this.timeout(60_000);
  let app: TestApp;
  let stub: HttpStub;
  const me = () => app.token('customer', `cust-${randomUUID().slice(0, 8)}`);
  const add = (token: string, json: unknown) => http(`${app.url}/api/v1/addresses`, { method: 'POST', token, json });

  before(async () => {
    stub = await startHttpStub();
    app = await startTestApp({ env: { GOOGLE_MAPS_API_KEY: 'test-key', GOOGLE_GEOCODING_URL: `${stub.url}/maps/api/geocode/json`, GEOCODING_REGION: 'sy' } });
  });
  after(async () => {
    await app?.stop();
    await stub?.close();
  });
  beforeEach(() => stub.requests.splice(0));

  it('when no point is sent, then the line is geocoded and the address says so; a sent pin wins without a call', async () => {
    stub.handle(() => ({ json: { status: 'OK', results: [{ formatted_address: 'Baghdad St, Damascus', geometry: { location: { lat: 33.5201, lng: 36.2999 } } }] } }));
    const t = me();
    const r = await add(t, { label: 'Home', line: 'Baghdad Street 12, Damascus' });
    expect(r.status, JSON.stringify(r.body)).to.equal(201);
    expect(r.body.data).to.deep.include({ pointSource: 'geocoder', line: 'Baghdad Street 12, Damascus' });
    expect(r.body.data.point).to.deep.equal({ lat: 33.5201, lng: 36.2999 });
    expect(stub.requests[0]!.url.searchParams.get('address')).to.equal('Baghdad Street 12, Damascus');
    expect(stub.requests[0]!.url.searchParams.get('region')).to.equal('sy');
    const pinned = await add(t, WORK);
    expect(pinned.body.data.pointSource).to.equal('client');
    expect(stub.requests).to.have.length(1);
  });

  it('when the geocoder finds nothing, then 422 ADDRESS_NOT_FOUND and nothing is stored', async () => {
    stub.handle(() => ({ json: { status: 'ZERO_RESULTS', results: [] } }));
    const t = me();
    const r = await add(t, { label: 'Home', line: 'qqqq' });
    expect(r.status).to.equal(422);
    expect(r.body.error.details[0]).to.deep.include({ field: 'line', reason: 'ADDRESS_NOT_FOUND' });
    expect((await http(`${app.url}/api/v1/addresses`, { token: t })).body.data.pagination.total).to.equal(0);
  });

  it('when the geocoder is over quota or errors, then 503 with the reason, and the customer can still add it with a pin', async () => {
    const t = me();
    stub.handle(() => ({ json: { status: 'OVER_QUERY_LIMIT', results: [] } }));
    const quota = await add(t, { label: 'Home', line: 'Baghdad Street 12' });
    expect(quota.status).to.equal(503);
    expect(quota.body.error.details[0].reason).to.equal('GEOCODER_QUOTA');
    stub.handle(() => ({ status: 500, json: { status: 'UNKNOWN_ERROR' } }));
    expect((await add(t, { label: 'Home', line: 'Baghdad Street 12' })).body.error.details[0].reason).to.equal('GEOCODER_FAILED');
    expect((await add(t, { ...WORK, label: 'Home' })).status).to.equal(201);
  });

  it('when only the line is edited, then the address is geocoded again', async () => {
    stub.handle(() => ({ json: { status: 'OK', results: [{ formatted_address: 'x', geometry: { location: { lat: 33.5, lng: 36.3 } } }] } }));
    const t = me();
    const a = (await add(t, WORK)).body.data;
    const r = await http(`${app.url}/api/v1/addresses/${a.id}`, { method: 'PATCH', token: t, json: { line: 'Mezzeh Villas East, Damascus' } });
    expect(r.body.data).to.deep.include({ pointSource: 'geocoder', line: 'Mezzeh Villas East, Damascus' });
    expect(r.body.data.point).to.deep.equal({ lat: 33.5, lng: 36.3 });
  });
});
