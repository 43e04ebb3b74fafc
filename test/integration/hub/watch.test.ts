import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { signUp, signUpAdmin, type Session } from '../../helpers/identity.js';
import { connect, deliveryFor, emitAck, nextEvent, principalOf, record, verifiedCourier, waitUntil } from '../../helpers/hub.js';
import { destinationPoint } from '../../../geo/index.js';

const PICKUP = { lat: 33.5138, lng: 36.2765 };
const DROPOFF = { lat: 33.5238, lng: 36.2965 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('hub /customer: watching an order live', function () {
  this.timeout(40_000);
  let app: TestApp;
  let admin: Session;
  let owner: Session;
  let customer: Session;
  const open: Socket[] = [];
  const track = (s: Socket) => (open.push(s), s);

  before(async () => {
    app = await startTestApp({ env: { COURIER_FIX_RATE_PER_S: '50', COURIER_FIX_BURST: '100' } });
    admin = await signUpAdmin(app);
    owner = await signUp(app, 'store_owner');
    customer = await signUp(app, 'customer');
  });
  afterEach(() => open.splice(0).forEach((s) => s.close()));
  after(() => app.stop());

  async function onlineCourier(): Promise<{ courier: Session; socket: Socket }> {
    const courier = await verifiedCourier(app, admin);
    const socket = track(await connect(app.url, '/courier', courier.accessToken));
    expect((await emitAck(socket, 'courier:online', { vehicle: 'motorbike', capacity: 3 })).ok).to.equal(true);
    return { courier, socket };
  }

  it('when the customer watches their order, then the ack carries the last position, ETA and status at once, and later fixes arrive as courier:position', async () => {
    const { courier, socket } = await onlineCourier();
    const { orderId, deliveryId } = await deliveryFor(app, { owner, customer, courier, pickup: PICKUP, dropoff: DROPOFF });
    await nextEvent(socket, 'courier:deliveries', (p: any) => p.deliveries.length === 1).catch(() => undefined);
    const here = destinationPoint(PICKUP.lat, PICKUP.lng, 2_000, 180);
    const ts = Date.now();
    expect(await emitAck(socket, 'location', { ...here, ts, heading: 10, speed: 7 })).to.include({ accepted: 1 });

    const watcher = track(await connect(app.url, '/customer', customer.accessToken));
    const ack = await emitAck(watcher, 'order:watch', { orderId });
    expect(ack.ok).to.equal(true);
    expect(ack.data).to.include({ orderId, deliveryId, status: 'assigned', courierId: courier.accountId });
    expect(ack.data.position).to.deep.include({ lat: here.lat, lng: here.lng, ts, heading: 10, speed: 7 });
    expect(ack.data.etaSeconds).to.be.a('number').greaterThan(0);
    expect(ack.data.etaSource).to.equal('haversine');

    await sleep(600); // past the coalescing window of the fix above
    const next = nextEvent(watcher, 'courier:position');
    const closer = destinationPoint(PICKUP.lat, PICKUP.lng, 1_000, 180);
    await emitAck(socket, 'location', { ...closer, ts: Date.now() });
    const pos = await next;
    expect(pos).to.include({ orderId, lat: closer.lat, lng: closer.lng });
    expect(pos.etaSeconds).to.be.lessThan(ack.data.etaSeconds);
  });

  it('when someone else watches the order, then the ack is NOT_FOUND and no position reaches them; its store owner and an admin may watch', async () => {
    const { courier, socket } = await onlineCourier();
    const { orderId } = await deliveryFor(app, { owner, customer, courier });
    const stranger = await signUp(app, 'customer');
    const rival = await signUp(app, 'store_owner');
    for (const s of [stranger, rival]) {
      const w = track(await connect(app.url, '/customer', s.accessToken));
      const positions = record(w, 'courier:position');
      expect(await emitAck(w, 'order:watch', { orderId })).to.include({ ok: false, code: 'NOT_FOUND' });
      expect(await emitAck(w, 'order:trail', { orderId, since: 0 })).to.include({ ok: false, code: 'NOT_FOUND' });
      await emitAck(socket, 'location', { ...PICKUP, ts: Date.now() });
      await sleep(700);
      expect(positions).to.have.length(0);
    }
    for (const s of [owner, admin]) {
      const w = track(await connect(app.url, '/customer', s.accessToken));
      expect((await emitAck(w, 'order:watch', { orderId })).ok).to.equal(true);
    }
    const courierAsWatcher = await connect(app.url, '/customer', courier.accessToken).then(() => 'connected', (e: any) => e.data?.code);
    expect(courierAsWatcher).to.equal('FORBIDDEN');
    const w = track(await connect(app.url, '/customer', customer.accessToken));
    expect(await emitAck(w, 'order:watch', { orderId: 'has spaces' })).to.include({ ok: false, code: 'VALIDATION_ERROR' });
    expect(await emitAck(w, 'order:watch', { orderId: 'no-such-order' })).to.include({ ok: false, code: 'NOT_FOUND' });
  });

  it('when one customer watches two orders whose couriers stream at once, then both orders keep arriving (positions sent in the same tick are not dropped)', async () => {
    const [a, b] = [await onlineCourier(), await onlineCourier()];
    const orders = [await deliveryFor(app, { owner, customer, courier: a.courier, pickup: PICKUP, dropoff: DROPOFF }), await deliveryFor(app, { owner, customer, courier: b.courier, pickup: PICKUP, dropoff: DROPOFF })];
    const watcher = track(await connect(app.url, '/customer', customer.accessToken));
    for (const o of orders) expect((await emitAck(watcher, 'order:watch', { orderId: o.orderId })).ok).to.equal(true);
    const positions = record<{ orderId: string }>(watcher, 'courier:position');
    // 10 fixes a second from each courier for 3 s: coalesced to 2 a second per order, and the
    // windows of the two orders end in the same fan-out tick, so their positions leave together.
    for (let i = 0; i < 30; i++) {
      const here = destinationPoint(PICKUP.lat, PICKUP.lng, 3_000 - i * 50, 180);
      await Promise.all([a.socket, b.socket].map((s) => emitAck(s, 'location', { ...here, ts: Date.now() })));
      await sleep(100);
    }
    await sleep(600);
    const per = orders.map((o) => positions.filter((p) => p.orderId === o.orderId).length);
    expect(Math.min(...per), `positions per order: ${per.join(', ')}`).to.be.at.least(4);
  });

  it('when a courier sends fixes faster than 2 per second, then watchers get at most 2 per second and always the newest', async () => {
    const { courier, socket } = await onlineCourier();
    const { orderId } = await deliveryFor(app, { owner, customer, courier });
    const w = track(await connect(app.url, '/customer', customer.accessToken));
    await emitAck(w, 'order:watch', { orderId });
    const seen = record<any>(w, 'courier:position');
    const t0 = Date.now();
    let last = 0;
    for (let i = 0; i < 20; i++) {
      last = t0 + i;
      await emitAck(socket, 'location', { lat: PICKUP.lat + i * 1e-5, lng: PICKUP.lng, ts: last });
      await sleep(50);
    }
    await sleep(700);
    const elapsedS = (Date.now() - t0) / 1000;
    expect(seen.length).to.be.at.least(2);
    expect(seen.length).to.be.at.most(Math.ceil(elapsedS * 2) + 1);
    expect(seen.at(-1).ts).to.equal(last);
  });

  it('when the courier reaches the pickup and the dropoff, then at_pickup and at_dropoff follow from its own movement', async () => {
    const { courier, socket } = await onlineCourier();
    const listed = nextEvent(socket, 'courier:deliveries', (p: any) => p.deliveries.length === 1);
    const { orderId, deliveryId } = await deliveryFor(app, { owner, customer, courier, pickup: PICKUP, dropoff: DROPOFF });
    await listed;
    const w = track(await connect(app.url, '/customer', customer.accessToken));
    await emitAck(w, 'order:watch', { orderId });
    const statuses = record<any>(w, 'order:status');
    const t = Date.now() - 60_000;
    const far = destinationPoint(PICKUP.lat, PICKUP.lng, 1_500, 0);
    await emitAck(socket, 'location', { ...far, ts: t });
    await emitAck(socket, 'location', { ...destinationPoint(PICKUP.lat, PICKUP.lng, 20, 0), ts: Date.now() });
    await waitUntil(() => statuses.some((s) => s.status === 'at_pickup'));
    expect(statuses.find((s) => s.status === 'at_pickup')).to.include({ orderId, deliveryId });
    const c = app.system.composed.container.cradle;
    expect((await c.deliveries.findById(deliveryId))?.status).to.equal('at_pickup');

    const relisted = nextEvent(socket, 'courier:deliveries', (p: any) => p.deliveries[0]?.status === 'picked_up');
    await c.changeDeliveryStatus.execute(await principalOf(app, courier), deliveryId, { status: 'picked_up' });
    await waitUntil(() => statuses.some((s) => s.status === 'picked_up'));
    await relisted; // the hub has swapped the pickup fence for the dropoff fence
    await emitAck(socket, 'location', { ...destinationPoint(DROPOFF.lat, DROPOFF.lng, 15, 90), ts: Date.now() });
    await waitUntil(() => statuses.some((s) => s.status === 'at_dropoff'));
    expect((await c.deliveries.findById(deliveryId))?.status).to.equal('at_dropoff');
  });

  it('when a watcher asks for the trail since a time, then it gets the fixes of this delivery only, and unwatch stops positions', async () => {
    const { courier, socket } = await onlineCourier();
    const before = Date.now() - 120_000;
    await emitAck(socket, 'locations', { fixes: [{ ...PICKUP, ts: before }] }); // before the delivery existed
    const { orderId } = await deliveryFor(app, { owner, customer, courier });
    const t0 = Date.now();
    // The stamps must be in the past when they arrive: a stamp ahead of the server is ordered (and
    // kept in the trail) at the server's receive time, see docs/geo.md.
    await new Promise((res) => setTimeout(res, 60));
    for (let i = 1; i <= 5; i++) await emitAck(socket, 'location', { lat: PICKUP.lat + i * 1e-4, lng: PICKUP.lng, ts: t0 + i * 10 });
    const w = track(await connect(app.url, '/customer', customer.accessToken));
    const all = await emitAck(w, 'order:trail', { orderId, since: 0 });
    expect(all.ok).to.equal(true);
    expect(all.data.fixes.map((f: any) => f.ts)).to.deep.equal([1, 2, 3, 4, 5].map((i) => t0 + i * 10));
    const later = await emitAck(w, 'order:trail', { orderId, since: t0 + 35 });
    expect(later.data.fixes.map((f: any) => f.ts)).to.deep.equal([t0 + 40, t0 + 50]);

    await emitAck(w, 'order:watch', { orderId });
    expect(await emitAck(w, 'order:unwatch', { orderId })).to.deep.equal({ ok: true, data: { orderId } });
    const positions = record(w, 'courier:position');
    await sleep(600);
    await emitAck(socket, 'location', { ...PICKUP, ts: Date.now() });
    await sleep(400);
    expect(positions).to.have.length(0);
  });
});
