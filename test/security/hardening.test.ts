import { expect } from 'chai';
import { gzipSync } from 'node:zlib';
import type { Socket } from 'socket.io-client';
import { startTestApp, http, type TestApp } from '../helpers/app.js';
import { signUp, signUpAdmin, type Session } from '../helpers/identity.js';
import { connect, emitAck, verifiedCourier } from '../helpers/hub.js';
import { AppError } from '../../domain/shared/errors.js';
import { createLogger } from '../../infra/logger.js';
import { toAckError } from '../../server/ack.js';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]);
const STORE = { name: 'Corner shop', address: '1 Straight St', location: { lat: 33.5138, lng: 36.2765 } };
type Detail = { field?: string; reason?: string; message: string };

/** One details shape everywhere: a list of `{field?, reason?, message}`. */
function expectDetailList(details: unknown): Detail[] {
  expect(details, JSON.stringify(details)).to.be.an('array').with.length.above(0);
  for (const d of details as Detail[]) {
    expect(d).to.be.an('object');
    expect(d.message, JSON.stringify(d)).to.be.a('string');
    if ('field' in d) expect(d.field).to.be.a('string');
    if ('reason' in d) expect(d.reason).to.be.a('string');
    expect(d).to.not.have.property('path');
  }
  return details as Detail[];
}

describe('security: hardening of the REST and socket surface', function () {
  this.timeout(60_000);
  let app: TestApp;
  let admin: Session;
  let owner: Session;
  let customer: Session;
  const open: Socket[] = [];
  const track = (s: Socket) => (open.push(s), s);
  const api = (p: string) => `${app.url}/api/v1${p}`;

  before(async () => {
    app = await startTestApp({ env: { RATE_LIMIT_STRICT_PER_15MIN: '1000', RATE_LIMIT_AUTH_PER_MIN: '100000', RATE_LIMIT_ANON_PER_MIN: '100000' } });
    admin = await signUpAdmin(app);
    owner = await signUp(app, 'store_owner');
    customer = await signUp(app, 'customer');
  });
  afterEach(() => open.splice(0).forEach((s) => s.close()));
  after(() => app.stop());

  describe('empty and blank numbers', () => {
    for (const qs of ['lat=&lng=', 'lat=%20&lng=%20', 'lat=33.5&lng=', 'lat=33.5&lng=36.2&limit=', 'lat=33.5&lng=36.2&radiusM=%20%20']) {
      it(`when /couriers/nearby gets ${qs}, then VALIDATION_ERROR, never a search around 0`, async () => {
        const r = await http(api(`/couriers/nearby?${qs}`), { token: admin.accessToken });
        expect(r.status, JSON.stringify(r.body)).to.equal(400);
        expect(r.body.error.code).to.equal('VALIDATION_ERROR');
      });
    }

    for (const qs of ['page=', 'limit=', 'page=%20', 'limit=%09']) {
      it(`when a list gets ${qs}, then VALIDATION_ERROR on that field`, async () => {
        const r = await http(api(`/deliveries?${qs}`), { token: admin.accessToken });
        expect(r.status, JSON.stringify(r.body)).to.equal(400);
        expect(expectDetailList(r.body.error.details).map((d) => d.field)).to.include(`query.${qs.split('=')[0]}`);
      });
    }

    it('when socket events get blank strings for numbers, then VALIDATION_ERROR acks', async () => {
      const w = track(await connect(app.url, '/customer', customer.accessToken));
      expect(await emitAck(w, 'order:trail', { orderId: 'o-1', since: '' })).to.include({ ok: false, code: 'VALIDATION_ERROR' });
      expect(await emitAck(w, 'order:trail', { orderId: 'o-1', since: ' ' })).to.include({ ok: false, code: 'VALIDATION_ERROR' });
    });
  });

  describe('NUL bytes and lone surrogates', () => {
    const nasty = ['a\u0000b', '\ud800', 'x\udfffy'];

    it('when a path parameter holds a NUL byte or an undecodable sequence, then 400 VALIDATION_ERROR', async () => {
      for (const p of ['/deliveries/%00', '/deliveries/a%00b', '/stores/%00', '/admin/audit-log/%00', '/deliveries/%ED%A0%80', '/deliveries/%E0%A4%A']) {
        const r = await http(api(p), { token: admin.accessToken });
        expect(r.status, `${p} ${JSON.stringify(r.body)}`).to.equal(400);
        expect(r.body.error.code, p).to.equal('VALIDATION_ERROR');
      }
    });

    it('when a filter holds a NUL byte, then 400 VALIDATION_ERROR on that field; bytes that are not UTF-8 are never a 500', async () => {
      for (const [path, field] of [['/deliveries?storeId=', 'storeId'], ['/admin/accounts?q=', 'q'], ['/admin/audit-log?actionPrefix=', 'actionPrefix'], ['/stores?ownerId=', 'ownerId']] as const) {
        for (const s of ['%00', 'a%00b']) {
          const r = await http(api(`${path}${s}`), { token: admin.accessToken });
          expect(r.status, `${path}${s} ${JSON.stringify(r.body)}`).to.equal(400);
          expect(r.body.error.code).to.equal('VALIDATION_ERROR');
          expect(expectDetailList(r.body.error.details).map((d) => d.field)).to.include(`query.${field}`);
        }
        // A surrogate's UTF-8 bytes cannot be decoded: the query parser reads them as U+FFFD.
        const r = await http(api(`${path}%ED%A0%80`), { token: admin.accessToken });
        expect(r.status, `${path} ${JSON.stringify(r.body)}`).to.be.below(500);
      }
    });

    it('when a store name, a profile name or a status reason holds NUL or a lone surrogate, then 400 VALIDATION_ERROR and nothing is stored', async () => {
      for (const s of nasty) {
        const store = await http(api('/stores'), { method: 'POST', token: owner.accessToken, json: { ...STORE, name: `shop ${s}` } });
        expect(store.status, JSON.stringify(store.body)).to.equal(400);
        expect(expectDetailList(store.body.error.details).map((d) => d.field)).to.include('body.name');
        const profile = await http(api(`/accounts/${customer.accountId}/profile`), { method: 'PATCH', token: customer.accessToken, json: { name: `Rana ${s}` } });
        expect(profile.status, JSON.stringify(profile.body)).to.equal(400);
        const status = await http(api('/deliveries/some-id/status'), { method: 'POST', token: admin.accessToken, json: { status: 'cancelled', reason: `closed ${s}` } });
        expect(status.status, JSON.stringify(status.body)).to.equal(400);
        expect(status.body.error.code).to.equal('VALIDATION_ERROR');
        const key = await http(api('/stores'), { method: 'POST', token: owner.accessToken, json: { ...STORE, [`na${s}me`]: 'x' } });
        expect(key.status).to.equal(400);
      }
      const listed = await http(api('/stores'), { token: owner.accessToken });
      expect(listed.body.data.items).to.have.length(0);
    });

    it('when a socket payload holds NUL or a lone surrogate, then the ack is VALIDATION_ERROR, not INTERNAL_ERROR', async () => {
      const w = track(await connect(app.url, '/customer', customer.accessToken));
      for (const s of nasty) {
        for (const event of ['order:watch', 'order:unwatch', 'order:trail']) {
          const ack = await emitAck(w, event, { orderId: s });
          expect(ack, `${event} ${JSON.stringify(s)}`).to.include({ ok: false, code: 'VALIDATION_ERROR' });
          expect(expectDetailList(ack.details).map((d) => d.field)).to.include('orderId');
        }
      }
      expect(w.connected).to.equal(true);
    });
  });

  it('when a body says Content-Encoding gzip but is not gzip, then 400 with a code, not 500', async () => {
    for (const [encoding, body] of [['gzip', Buffer.from('{"identifier":"+14155550100","password":"x"}')], ['deflate', Buffer.from('plain text')], ['gzip', gzipSync(Buffer.from('{"a":')).subarray(0, 12)]] as const) {
      const r = await http(api('/auth/login'), { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': encoding }, body });
      expect([400, 415], `${encoding} ${JSON.stringify(r.body)}`).to.include(r.status);
      expect(r.body.error.code).to.be.oneOf(['BAD_REQUEST', 'VALIDATION_ERROR', 'UNSUPPORTED_MEDIA_TYPE']);
    }
    const zipped = await http(api('/auth/login'), { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync(Buffer.from('{"identifier":"+14155550100","password":"x"}')) });
    expect(zipped.status).to.equal(401); // real gzip still works
  });

  it('when a socket sends an unknown event with an ack callback, then the ack carries a code and the socket stays connected', async () => {
    for (const [nsp, token] of [['/customer', customer.accessToken], ['/ops', admin.accessToken]] as const) {
      const s = track(await connect(app.url, nsp, token));
      const ack = await emitAck(s, 'no:such:event', { x: 1 });
      expect(ack, nsp).to.include({ ok: false, code: 'NOT_FOUND' });
      expect(ack.message).to.include('no:such:event');
      expect(s.connected).to.equal(true);
    }
  });

  describe('small ones', () => {
    it('when any limited request is answered, then RateLimit-Reset is seconds from now (IETF draft), not an epoch time', async () => {
      const r = await http(api('/auth/me'), { token: customer.accessToken });
      const reset = Number(r.headers.get('ratelimit-reset'));
      expect(reset, String(r.headers.get('ratelimit-reset'))).to.be.within(0, 60);
      const anon = await http(api('/auth/me'));
      expect(Number(anon.headers.get('ratelimit-reset'))).to.be.within(0, 60);
    });

    it('when a name is 200 emoji, then it fits the 200-character limit; 201 do not', async () => {
      const ok = await http(api('/stores'), { method: 'POST', token: owner.accessToken, json: { ...STORE, name: '🍕'.repeat(200) } });
      expect(ok.status, JSON.stringify(ok.body)).to.equal(201);
      expect(ok.body.data.name).to.equal('🍕'.repeat(200));
      const over = await http(api('/stores'), { method: 'POST', token: owner.accessToken, json: { ...STORE, name: '🍕'.repeat(201) } });
      expect(over.status).to.equal(400);
      expect(expectDetailList(over.body.error.details)[0]!.message).to.include('200');
      const profile = await http(api(`/accounts/${customer.accountId}/profile`), { method: 'PATCH', token: customer.accessToken, json: { name: '👩🏽'.repeat(50) } });
      expect(profile.status, JSON.stringify(profile.body)).to.equal(200);
    });

    it('when a 5,000-character token is presented, then it is refused as too long, not as missing', async () => {
      const long = 'a'.repeat(5_000);
      const err = await connect(app.url, '/customer', long).then(() => null, (e: any) => e);
      expect(err?.data?.code).to.equal('INVALID_TOKEN');
      expect(err.message).to.match(/too long/i);
      const rest = await http(api('/auth/me'), { token: long });
      expect(rest.status).to.equal(401);
      expect(rest.body.error.code).to.equal('INVALID_TOKEN');
      expect(rest.body.error.message).to.not.match(/required/i);
    });
  });

  describe('one list shape and one details shape', () => {
    it('when couriers near a point or an account\'s documents are listed, then data is {items, pagination}', async () => {
      const nearby = await http(api('/couriers/nearby?lat=33.5&lng=36.2'), { token: admin.accessToken });
      expect(nearby.status).to.equal(200);
      expect(nearby.body.data).to.have.keys(['items', 'pagination']);
      expect(nearby.body.data.pagination).to.include({ page: 1, total: 0 });
      const courier = await signUp(app, 'courier');
      await http(api(`/accounts/${courier.accountId}/documents?kind=driving_license`), { method: 'POST', token: courier.accessToken, headers: { 'content-type': 'image/png' }, body: PNG });
      const docs = await http(api(`/accounts/${courier.accountId}/documents`), { token: courier.accessToken });
      expect(docs.status).to.equal(200);
      expect(docs.body.data).to.have.keys(['items', 'pagination']);
      expect(docs.body.data.items).to.have.length(1);
      expect(docs.body.data.pagination).to.deep.equal({ page: 1, limit: 20, total: 1, totalPages: 1 });
      const openapi = (await http(`${app.url}/openapi.json`)).body;
      for (const p of ['/api/v1/couriers/nearby', '/api/v1/accounts/{id}/documents']) {
        const schema = openapi.paths[p].get.responses['200'].content['application/json'].schema.properties.data;
        expect(Object.keys(schema.properties ?? {}), p).to.include.members(['items', 'pagination']);
      }
    });

    it('when errors carry details (validation, a domain refusal, a socket ack), then details is always a list of {field?, reason?, message}', async () => {
      const v = await http(api('/auth/otp/verify'), { method: 'POST', json: { phone: '+14155550100', code: '1' } });
      expectDetailList(v.body.error.details);
      const unverified = await signUp(app, 'courier');
      const stores = await http(api('/stores'), { method: 'POST', token: owner.accessToken, json: { ...STORE, name: 'Assign test' } });
      const delivery = await http(api('/deliveries'), { method: 'POST', token: owner.accessToken, json: { orderId: `ord-${Date.now()}`, storeId: stores.body.data.id, customerId: customer.accountId, dropoff: { lat: 33.52, lng: 36.29 } } });
      const assign = await http(api(`/deliveries/${delivery.body.data.id}/assign`), { method: 'POST', token: owner.accessToken, json: { courierId: unverified.accountId } });
      expect(assign.status).to.equal(422);
      expect(expectDetailList(assign.body.error.details)[0]).to.include({ field: 'courierId', reason: 'profile_incomplete' });

      const s = track(await connect(app.url, '/courier', unverified.accessToken));
      const online = await emitAck(s, 'courier:online', { vehicle: 'bike' });
      expect(expectDetailList(online.details)[0]).to.include({ reason: 'profile_incomplete' });
      const bad = await emitAck(s, 'courier:online', { vehicle: 'rocket' });
      expect(expectDetailList(bad.details)[0]).to.include({ field: 'vehicle' });
      const ops = track(await connect(app.url, '/ops', admin.accessToken));
      const res8 = await emitAck(ops, 'ops:subscribe', { cells: ['88283082a9fffff'] });
      expect(res8).to.include({ ok: false, code: 'VALIDATION_ERROR' });
      expect(expectDetailList(res8.details)[0]).to.include({ field: 'cells.0' });
    });

    it('when a socket handler throws a code the ack list did not know before, then that code reaches the client (never turned into VALIDATION_ERROR)', () => {
      const logger = createLogger('silent');
      expect(toAckError(new AppError('UNPROCESSABLE_ENTITY', 'cannot'), logger)).to.include({ code: 'UNPROCESSABLE_ENTITY', message: 'cannot' });
      expect(toAckError(new AppError('PAYLOAD_TOO_LARGE', 'big'), logger)).to.include({ code: 'PAYLOAD_TOO_LARGE' });
      expect(toAckError(new AppError('BAD_REQUEST', 'odd'), logger)).to.include({ code: 'BAD_REQUEST' });
      expect(toAckError(new AppError('RATE_LIMIT_EXCEEDED', 'slow down'), logger)).to.include({ code: 'RATE_LIMITED' });
    });
  });

  it('when a verified courier exists, then the documents list of another account stays hidden (404)', async () => {
    const courier = await verifiedCourier(app, admin);
    const other = await signUp(app, 'courier');
    const r = await http(api(`/accounts/${courier.accountId}/documents`), { token: other.accessToken });
    expect(r.status).to.equal(404);
  });
});
