import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { signUp, signUpAdmin, type Session } from '../../helpers/identity.js';
import { connect, deliveryFor, disconnected, emitAck, nextEvent, verifiedCourier, waitUntil } from '../../helpers/hub.js';

const DAMASCUS = { lat: 33.5138, lng: 36.2765 };

describe('hub /courier: going online and streaming fixes', function () {
  this.timeout(30_000);
  let app: TestApp;
  let admin: Session;
  let courier: Session;
  const open: Socket[] = [];
  const track = (s: Socket) => (open.push(s), s);

  before(async () => {
    app = await startTestApp({ env: { COURIER_FIX_RATE_PER_S: '5', COURIER_FIX_BURST: '20' } });
    admin = await signUpAdmin(app);
    courier = await verifiedCourier(app, admin);
  });
  afterEach(() => open.splice(0).forEach((s) => s.close()));
  after(() => app.stop());

  it('when the handshake has no token, a garbage token or another role\'s token, then it is refused with a code', async () => {
    const customer = await signUp(app, 'customer');
    const codes = await Promise.all(
      [undefined, 'not-a-jwt', customer.accessToken].map((t) => connect(app.url, '/courier', t).then(() => 'connected', (err: any) => err.data?.code)),
    );
    expect(codes).to.deep.equal(['UNAUTHORIZED', 'INVALID_TOKEN', 'FORBIDDEN']);
  });

  it('when a handshake comes from an Origin outside the allowlist, then it is refused', async () => {
    const err = await connect(app.url, '/courier', courier.accessToken, { origin: 'https://evil.example' }).then(() => null, (e: Error) => e);
    expect(err).to.be.instanceOf(Error);
  });

  it('when an unverified courier goes online, then the ack is FORBIDDEN with the reason, and fixes are NOT_ONLINE', async () => {
    const raw = await signUp(app, 'courier');
    const s = track(await connect(app.url, '/courier', raw.accessToken));
    const ack = await emitAck(s, 'courier:online', { vehicle: 'bike' });
    expect(ack).to.include({ ok: false, code: 'FORBIDDEN' });
    expect(ack.details).to.deep.equal([{ reason: 'profile_incomplete', message: 'This courier may not go online' }]);
    const fix = await emitAck(s, 'location', { ...DAMASCUS, ts: Date.now() });
    expect(fix).to.include({ ok: false, code: 'NOT_ONLINE' });
    expect(await app.system.composed.container.cradle.courierIndex.getCourier(raw.accountId)).to.equal(null);
  });

  it('when a verified courier goes online and sends a fix, then it is indexed, present in Redis and acknowledged', async () => {
    const s = track(await connect(app.url, '/courier', courier.accessToken));
    const online = await emitAck(s, 'courier:online', { vehicle: 'motorbike', capacity: 2 });
    expect(online).to.deep.equal({ ok: true, data: { status: 'available', deliveries: [] } });
    const ts = Date.now();
    const ack = await emitAck(s, 'location', { ...DAMASCUS, ts, speed: 5, heading: 90 });
    expect(ack).to.deep.equal({ ok: true, accepted: 1, dropped: 0, ignored: 0, rejected: [], flags: [] });
    const c = app.system.composed.container.cradle;
    const view = await c.courierIndex.getCourier(courier.accountId);
    expect(view?.lastFix).to.include({ lat: DAMASCUS.lat, lng: DAMASCUS.lng, ts });
    expect(view?.state).to.include({ status: 'available', vehicle: 'motorbike', capacity: 2, load: 0 });
    const presence = JSON.parse((await c.redis.get(`${app.config.REDIS_KEY_PREFIX}presence:courier:${courier.accountId}`))!);
    expect(presence).to.include({ courierId: courier.accountId, socketId: s.id });

    const older = await emitAck(s, 'location', { ...DAMASCUS, ts: ts - 1_000 });
    expect(older).to.include({ ok: true, accepted: 0, ignored: 1 });

    s.close();
    await waitUntil(async () => (await c.courierIndex.getCourier(courier.accountId))?.state.status === 'offline');
    expect(await c.redis.exists(`${app.config.REDIS_KEY_PREFIX}presence:courier:${courier.accountId}`)).to.equal(0);
  });

  it('when a fix is malformed, then the ack is VALIDATION_ERROR and the socket stays connected', async () => {
    const s = track(await connect(app.url, '/courier', courier.accessToken));
    await emitAck(s, 'courier:online', { vehicle: 'car' });
    for (const bad of [null, 'x', { lat: 95, lng: 0, ts: Date.now() }, { lat: 1, lng: 1 }, { lat: 1, lng: 1, ts: Date.now(), extra: true }, [1, 2]]) {
      const ack = await emitAck(s, 'location', bad);
      expect(ack, JSON.stringify(bad)).to.include({ ok: false, code: 'VALIDATION_ERROR' });
    }
    expect((await emitAck(s, 'courier:online', { vehicle: 'plane' })).code).to.equal('VALIDATION_ERROR');
    expect(s.connected).to.equal(true);
    expect(await emitAck(s, 'location', { ...DAMASCUS, ts: Date.now() })).to.include({ ok: true, accepted: 1 });
  });

  it('when a courier floods fixes, then the excess over the token bucket is dropped and reported', async () => {
    const flooder = await verifiedCourier(app, admin);
    const s = track(await connect(app.url, '/courier', flooder.accessToken));
    await emitAck(s, 'courier:online', { vehicle: 'car' });
    const t0 = Date.now();
    const acks = await Promise.all(Array.from({ length: 60 }, (_, i) => emitAck(s, 'location', { lat: DAMASCUS.lat + i * 1e-5, lng: DAMASCUS.lng, ts: t0 + i })));
    const accepted = acks.reduce((n, a) => n + a.accepted, 0);
    const dropped = acks.reduce((n, a) => n + a.dropped, 0);
    expect(accepted + dropped).to.equal(60);
    expect(accepted).to.be.within(20, 30); // burst 20, plus 5/s while the flood lasts
    expect(s.connected).to.equal(true);
  });

  it('when a batch of buffered fixes arrives out of order with bad entries, then the good ones are applied in time order and the bad ones named', async () => {
    const batcher = await verifiedCourier(app, admin);
    const s = track(await connect(app.url, '/courier', batcher.accessToken));
    await emitAck(s, 'courier:online', { vehicle: 'bike' });
    const t0 = Date.now() - 10 * 60_000; // an offline stretch ten minutes ago
    const fixes: unknown[] = Array.from({ length: 120 }, (_, i) => ({ lat: DAMASCUS.lat + i * 1e-5, lng: DAMASCUS.lng, ts: t0 + i * 5_000 }));
    fixes.reverse();
    fixes[3] = { lat: 'north', lng: 1, ts: t0 };
    fixes[7] = { lat: 1, lng: 1 };
    const ack = await emitAck(s, 'locations', { fixes });
    expect(ack.ok).to.equal(true);
    expect(ack.rejected.map((r: any) => [r.index, r.code])).to.deep.equal([[3, 'VALIDATION_ERROR'], [7, 'VALIDATION_ERROR']]);
    expect(ack.accepted).to.equal(118);
    const trail = await app.system.composed.container.cradle.courierIndex.trail(batcher.accountId, 0);
    const ts = trail.map((p) => p.ts);
    expect(ts).to.deep.equal([...ts].sort((a, b) => a - b));
    expect(trail.length).to.be.greaterThan(50);
    expect((await emitAck(s, 'locations', { fixes: Array.from({ length: 501 }, () => ({ ...DAMASCUS, ts: t0 })) })).code).to.equal('VALIDATION_ERROR');
  });

  it('when a fix jumps further than the vehicle could travel, then it is flagged as a teleport', async () => {
    const spoofer = await verifiedCourier(app, admin);
    const s = track(await connect(app.url, '/courier', spoofer.accessToken));
    await emitAck(s, 'courier:online', { vehicle: 'bike' });
    const t = Date.now() - 5_000;
    await emitAck(s, 'location', { ...DAMASCUS, ts: t });
    const jump = await emitAck(s, 'location', { lat: 36.2, lng: 37.15, ts: t + 2_000 }); // Aleppo, two seconds later
    expect(jump).to.include({ ok: true, accepted: 1 });
    expect(jump.flags).to.include('teleport');
  });

  it('when a frame is larger than the cap, then only that socket is disconnected', async () => {
    const other = await verifiedCourier(app, admin);
    const big = track(await connect(app.url, '/courier', courier.accessToken));
    const calm = track(await connect(app.url, '/courier', other.accessToken));
    await emitAck(calm, 'courier:online', { vehicle: 'car' });
    const gone = disconnected(big);
    big.emit('location', { ...DAMASCUS, ts: Date.now(), pad: 'x'.repeat(200 * 1024) });
    expect(await gone).to.be.a('string');
    expect(await emitAck(calm, 'location', { ...DAMASCUS, ts: Date.now() })).to.include({ ok: true, accepted: 1 });
  });

  it('when the courier is assigned a delivery while online, then its list and availability follow', async () => {
    const busy = await verifiedCourier(app, admin);
    const s = track(await connect(app.url, '/courier', busy.accessToken));
    await emitAck(s, 'courier:online', { vehicle: 'car', capacity: 1 });
    const owner = await signUp(app, 'store_owner');
    const customer = await signUp(app, 'customer');
    const list = nextEvent(s, 'courier:deliveries', (p: any) => p.deliveries.length === 1);
    const { deliveryId, orderId } = await deliveryFor(app, { owner, customer, courier: busy });
    expect((await list).deliveries[0]).to.include({ deliveryId, orderId, status: 'assigned' });
    await waitUntil(async () => (await app.system.composed.container.cradle.courierIndex.getCourier(busy.accountId))?.state.status === 'busy');
  });
});
