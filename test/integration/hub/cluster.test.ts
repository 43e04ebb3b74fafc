import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { latLngToCell, cellToParent } from 'h3-js';
import type { TestApp } from '../../helpers/app.js';
import { signUp, type Session } from '../../helpers/identity.js';
import { connect, deliveryFor, emitAck, nextEvent, record, verifiedCourier, waitUntil } from '../../helpers/hub.js';
import { startTwoHubs, type TwoHubs } from '../../helpers/two-hubs.js';

const PICKUP = { lat: 33.5138, lng: 36.2765 };

/**
 * Two hub processes: A runs in this test process (API + hub), B is a separate
 * OS process started from the real entry point with ROLE=hub. They share one
 * private redis-server and one PostgreSQL schema (PGlite is single-process, so
 * this suite needs PostgreSQL).
 */
describe('hub cluster: two processes, one Redis', function () {
  this.timeout(90_000);
  let a: TestApp;
  let bUrl: string;
  let admin: Session;
  const open: Socket[] = [];
  const track = (s: Socket) => (open.push(s), s);

  let hubs: TwoHubs | undefined;
  before(async function () {
    hubs = await startTwoHubs(this, 'the two-process hub test', 'hub');
    ({ a, bUrl, admin } = hubs);
  });
  after(async () => {
    open.splice(0).forEach((s) => s.close());
    await hubs?.stop();
  });

  it('when a courier streams on hub A, then a customer and an ops board connected to hub B receive it', async () => {
    const owner = await signUp(a, 'store_owner');
    const customer = await signUp(a, 'customer');
    const courier = await verifiedCourier(a, admin);
    const cs = track(await connect(a.url, '/courier', courier.accessToken));
    expect((await emitAck(cs, 'courier:online', { vehicle: 'car', capacity: 2 })).ok).to.equal(true);
    const { orderId } = await deliveryFor(a, { owner, customer, courier, pickup: PICKUP });

    const watcher = track(await connect(bUrl, '/customer', customer.accessToken));
    const snapshot = await emitAck(watcher, 'order:watch', { orderId });
    expect(snapshot).to.deep.include({ ok: true });
    expect(snapshot.data).to.include({ orderId, status: 'assigned', courierId: courier.accountId });

    const ops = track(await connect(bUrl, '/ops', admin.accessToken));
    const area = cellToParent(latLngToCell(PICKUP.lat, PICKUP.lng, 9), 6);
    expect((await emitAck(ops, 'ops:subscribe', { cells: [area] })).ok).to.equal(true);

    const position = nextEvent<any>(watcher, 'courier:position', () => true, 10_000);
    const seenOnOps = nextEvent<any>(ops, 'ops:snapshot', (p) => p.areas[0]?.couriers.some((c: any) => c.courierId === courier.accountId), 10_000);
    const ts = Date.now();
    expect(await emitAck(cs, 'location', { lat: PICKUP.lat + 0.001, lng: PICKUP.lng, ts })).to.include({ ok: true, accepted: 1 });
    expect(await position).to.include({ orderId, ts, lat: PICKUP.lat + 0.001 });
    expect((await seenOnOps).areas[0].counts.online).to.be.at.least(1);

    // a status change made through hub A's process reaches the watcher on B once
    const statuses: any[] = [];
    watcher.on('order:status', (s) => statuses.push(s));
    const c = a.system.composed.container.cradle;
    const ownerPrincipal = await Promise.resolve(c.accessTokens.verify(owner.accessToken));
    const delivery = await c.deliveries.findByOrderId(orderId);
    await c.changeDeliveryStatus.execute(ownerPrincipal, delivery!.id, { status: 'cancelled', reason: 'out of stock' });
    await waitUntil(() => statuses.length > 0);
    await new Promise((r) => setTimeout(r, 300));
    expect(statuses).to.have.length(1);
    expect(statuses[0]).to.include({ orderId, status: 'cancelled', reason: 'out of stock' });
  });

  it('when a courier on hub A is watched from hub A and hub B, then every watcher receives each position exactly once', async () => {
    const owner = await signUp(a, 'store_owner');
    const customer = await signUp(a, 'customer');
    const courier = await verifiedCourier(a, admin);
    const cs = track(await connect(a.url, '/courier', courier.accessToken));
    expect((await emitAck(cs, 'courier:online', { vehicle: 'car', capacity: 2 })).ok).to.equal(true);
    const { orderId } = await deliveryFor(a, { owner, customer, courier, pickup: PICKUP });

    // two watchers on the courier's own hub, two on the other one; one of them asks to watch twice
    const watchers = [
      track(await connect(a.url, '/customer', customer.accessToken)),
      track(await connect(a.url, '/customer', customer.accessToken)),
      track(await connect(bUrl, '/customer', customer.accessToken)),
      track(await connect(bUrl, '/customer', customer.accessToken)),
    ];
    for (const w of watchers) expect(await emitAck(w, 'order:watch', { orderId })).to.deep.include({ ok: true });
    expect(await emitAck(watchers[2]!, 'order:watch', { orderId })).to.deep.include({ ok: true });
    const seen = watchers.map((w) => record<{ orderId: string; ts: number }>(w, 'courier:position'));

    // spaced beyond the per-order interval (500 ms), so no position is coalesced away
    const sent: number[] = [];
    for (let i = 0; i < 4; i++) {
      const ts = Date.now();
      sent.push(ts);
      expect(await emitAck(cs, 'location', { lat: PICKUP.lat + 0.001 * (i + 1), lng: PICKUP.lng, ts })).to.include({ ok: true, accepted: 1 });
      await new Promise((r) => setTimeout(r, 600));
    }
    await waitUntil(() => seen.every((s) => s.length >= sent.length), 10_000);
    await new Promise((r) => setTimeout(r, 500)); // a duplicate would have arrived by now
    for (const s of seen) expect(s.map((p) => p.ts)).to.deep.equal(sent);
  });

  it('when the same courier connects on hub B, then its older socket on hub A is disconnected (one live socket per courier)', async () => {
    const courier = await verifiedCourier(a, admin);
    const first = track(await connect(a.url, '/courier', courier.accessToken));
    await emitAck(first, 'courier:online', { vehicle: 'bike' });
    const gone = new Promise((resolve) => first.once('disconnect', resolve));
    const second = track(await connect(bUrl, '/courier', courier.accessToken));
    expect((await emitAck(second, 'courier:online', { vehicle: 'bike' })).ok).to.equal(true);
    await gone;
    expect(await emitAck(second, 'location', { ...PICKUP, ts: Date.now() })).to.include({ ok: true, accepted: 1 });
  });
});
