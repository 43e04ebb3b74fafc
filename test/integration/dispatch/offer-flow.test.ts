import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { startTestApp, http, type TestApp } from '../../helpers/app.js';
import { signUp, signUpAdmin, type Session } from '../../helpers/identity.js';
import { checkoutOf } from '../../helpers/orders.js';
import { connect, emitAck, nextEvent, record, verifiedCourier, waitUntil } from '../../helpers/hub.js';
import type { Cradle } from '../../../infra/container.js';

/**
 * Automatic dispatch end to end on the real app (REST, hub, workers in one
 * process; PGlite; a private redis-server): the store confirms an order over
 * REST, the relay and the dispatch worker make an offer, the hub pushes
 * offer:new to the courier's socket, and the courier answers over the socket.
 * Each test works at its own place, 50 km from the others, so its couriers
 * are the only candidates.
 */
describe('dispatch offers over real sockets (store confirms → offer:new → accept, decline, expiry, disconnect)', function () {
  this.timeout(20_000);
  let app: TestApp;
  let admin: Session;
  let owner: Session;
  const open: Socket[] = [];
  let place = 0;
  const cradle = () => app.system.composed.container.cradle as Cradle;
  const api = (p: string) => `${app.url}/api/v1${p}`;

  before(async function () {
    this.timeout(90_000); // the app's start: about 3 s on a calm box, 30 s at load 17
    app = await startTestApp({ env: { RATE_LIMIT_STRICT_PER_15MIN: '1000' } });
    admin = await signUpAdmin(app, 'super_admin');
    owner = await signUp(app, 'store_owner');
    // Offers time out in 5 s (the least allowed), and dispatch opens at confirmation whatever the preparation time.
    for (const [key, value] of [['dispatch.offerTimeoutSeconds', 5], ['dispatch.openBeforeReadyMinutes', 240]] as const) {
      const r = await http(api(`/admin/settings/${key}`), { method: 'PUT', token: admin.accessToken, json: { value, expectedVersion: 0 } });
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
    }
    await waitUntil(() => cradle().liveSettings.get('dispatch.offerTimeoutSeconds') === 5);
  });
  afterEach(() => open.splice(0).forEach((s) => s.close()));
  after(async () => {
    await app?.stop();
  });

  /** A store at a fresh place and a courier factory around it. */
  async function world() {
    const base = { lat: 33 + 0.5 * ++place, lng: 36.3 };
    const store = await http(api('/stores'), { method: 'POST', token: owner.accessToken, json: { name: `Dispatch shop ${place}`, address: '1 Straight St', location: base } });
    expect(store.status, JSON.stringify(store.body)).to.equal(201);
    const storeId = store.body.data.id as string;
    /** A verified courier online on a motorbike `metresNorth` of the store, streaming fixes. */
    const courier = async (metresNorth: number) => {
      const session = await verifiedCourier(app, admin);
      const socket = await connect(app.url, '/courier', session.accessToken);
      open.push(socket);
      expect((await emitAck(socket, 'courier:online', { vehicle: 'motorbike', capacity: 2 })).ok).to.equal(true);
      for (let i = 0; i < 2; i++) {
        expect(await emitAck(socket, 'location', { lat: base.lat + metresNorth / 111_320, lng: base.lng, ts: Date.now() + i })).to.include({ ok: true, accepted: 1 });
      }
      return { session, socket, id: session.accountId, offers: record<any>(socket, 'offer:new') };
    };
    /** A cash order placed at the store, confirmed by its owner over REST; answers the order and its delivery. */
    const confirmedOrder = async () => {
      const [order] = await cradle().placeOrders.execute(checkoutOf(`cust-${place}`, [storeId], { paymentMethod: 'cash' }));
      const r = await http(api(`/orders/${order!.id}/confirm`), { method: 'POST', token: owner.accessToken });
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      const delivery = (await cradle().deliveries.findByOrderId(order!.id))!;
      return { orderId: order!.id, deliveryId: delivery.id, pickup: base };
    };
    return { courier, confirmedOrder };
  }

  it('when the store confirms an order, then the nearest courier gets offer:new (pickup, dropoff, fee, expiry) and accepting assigns them the delivery', async () => {
    const w = await world();
    const near = await w.courier(100);
    const far = await w.courier(900);
    const offered = nextEvent<any>(near.socket, 'offer:new', () => true, 8_000);
    const { orderId, deliveryId, pickup } = await w.confirmedOrder();
    const offer = await offered;
    // checkoutOf's delivery fee is 50,000; the default platform cut is finance.deliveryFeeCutBps of it.
    const fee = 50_000 - Math.floor((50_000 * cradle().liveSettings.get('finance.deliveryFeeCutBps')) / 10_000);
    expect(offer).to.deep.equal({ offerId: `${deliveryId}:1`, deliveryId, orderId, pickup, dropoff: { lat: 33.5183, lng: 36.2946 }, feeMinor: fee, expiresAt: offer.expiresAt });
    expect(Date.parse(offer.expiresAt) - Date.now()).to.be.within(0, 5_000);
    const deliveries = nextEvent<any>(near.socket, 'courier:deliveries', (p) => p.deliveries.some((d: any) => d.deliveryId === deliveryId));
    const ack = await emitAck(near.socket, 'offer:accept', { offerId: offer.offerId });
    expect(ack).to.deep.equal({ ok: true, data: { offerId: offer.offerId, deliveryId, orderId, status: 'accepted' } });
    expect((await cradle().deliveries.findById(deliveryId))?.toView()).to.deep.include({ courierId: near.id, status: 'assigned' });
    await deliveries;
    expect(await emitAck(near.socket, 'offer:accept', { offerId: offer.offerId })).to.include({ ok: false, code: 'OFFER_ALREADY_ACCEPTED' });
    expect(await emitAck(near.socket, 'offer:decline', { offerId: offer.offerId })).to.include({ ok: false, code: 'OFFER_ALREADY_ACCEPTED' });
    // Dispatch closes; nobody else is ever offered it.
    await waitUntil(async () => (await cradle().dispatches.find(deliveryId))?.status === 'assigned');
    expect(far.offers).to.deep.equal([]);
    expect((await cradle().offers.listByDelivery(deliveryId)).map((o) => [o.courierId, o.status])).to.deep.equal([[near.id, 'accepted']]);
  });

  it('when the courier declines, then the next courier gets the offer; answering the declined offer again is OFFER_ALREADY_DECLINED and changes nothing', async () => {
    const w = await world();
    const a = await w.courier(100);
    const b = await w.courier(700);
    const first = nextEvent<any>(a.socket, 'offer:new', () => true, 8_000);
    const { deliveryId } = await w.confirmedOrder();
    const offer = await first;
    const second = nextEvent<any>(b.socket, 'offer:new', () => true, 8_000);
    expect(await emitAck(a.socket, 'offer:decline', { offerId: offer.offerId, reason: 'too far' })).to.deep.equal({ ok: true, data: { offerId: offer.offerId, status: 'declined' } });
    const next = await second;
    expect(next).to.include({ offerId: `${deliveryId}:2`, deliveryId });
    const again = await emitAck(a.socket, 'offer:accept', { offerId: offer.offerId });
    expect(again).to.include({ ok: false, code: 'OFFER_ALREADY_DECLINED' });
    expect((await cradle().deliveries.findById(deliveryId))?.courierId).to.equal(null);
    expect(await emitAck(b.socket, 'offer:accept', { offerId: next.offerId })).to.include({ ok: true });
    const offers = await cradle().offers.listByDelivery(deliveryId);
    expect(offers.map((o) => [o.courierId, o.status, o.endReason])).to.deep.equal([[a.id, 'declined', 'too far'], [b.id, 'accepted', null]]);
    expect(a.offers.map((o) => o.offerId)).to.deep.equal([offer.offerId]);
  });

  it('when the courier lets the offer run out (5 s), then it ends as expired, they hear offer:ended, and the next courier gets the offer', async () => {
    const w = await world();
    const a = await w.courier(100);
    const b = await w.courier(700);
    const first = nextEvent<any>(a.socket, 'offer:new', () => true, 8_000);
    const { deliveryId } = await w.confirmedOrder();
    const offer = await first;
    const ended = nextEvent<any>(a.socket, 'offer:ended', (e) => e.offerId === offer.offerId, 9_000);
    const next = await nextEvent<any>(b.socket, 'offer:new', () => true, 9_000);
    expect(next).to.include({ offerId: `${deliveryId}:2` });
    expect(await ended).to.deep.equal({ offerId: offer.offerId, deliveryId, status: 'expired', reason: 'timeout' });
    expect(await emitAck(a.socket, 'offer:accept', { offerId: offer.offerId })).to.include({ ok: false, code: 'OFFER_EXPIRED' });
    const stored = await cradle().offers.findById(offer.offerId);
    expect(stored).to.deep.include({ status: 'expired', endReason: 'timeout' });
    expect(Date.parse(stored!.endedAt!)).to.be.at.least(Date.parse(offer.expiresAt));
    expect((await cradle().deliveries.findById(deliveryId))?.courierId).to.equal(null);
  });

  it('when answers are malformed, foreign, repeated or too late for the delivery, then each ack carries its code and nothing changes', async () => {
    const w = await world();
    const a = await w.courier(100);
    const stranger = await w.courier(20_000); // out of range: never offered anything
    const first = nextEvent<any>(a.socket, 'offer:new', () => true, 8_000);
    const { deliveryId } = await w.confirmedOrder();
    const offer = await first;

    expect(await emitAck(a.socket, 'offer:accept', {})).to.include({ ok: false, code: 'VALIDATION_ERROR' });
    expect(await emitAck(a.socket, 'offer:accept', { offerId: offer.offerId, extra: 1 })).to.include({ ok: false, code: 'VALIDATION_ERROR' });
    expect(await emitAck(a.socket, 'offer:decline', { offerId: 'x'.repeat(300) })).to.include({ ok: false, code: 'VALIDATION_ERROR' });
    expect(await emitAck(stranger.socket, 'offer:accept', { offerId: offer.offerId })).to.include({ ok: false, code: 'NOT_FOUND' });
    expect(await emitAck(stranger.socket, 'offer:decline', { offerId: offer.offerId })).to.include({ ok: false, code: 'NOT_FOUND' });
    expect(await emitAck(a.socket, 'offer:accept', { offerId: `${deliveryId}:9` })).to.include({ ok: false, code: 'NOT_FOUND' });
    expect(await cradle().offers.findById(offer.offerId)).to.deep.include({ status: 'pending' });

    // The store marks the order ready and assigns someone by hand while the offer is pending: the hand assignment
    // withdraws the offer in its transaction, and any answer to it is CONFLICT (someone else has the delivery).
    const { orderId } = (await cradle().deliveries.findById(deliveryId))!;
    for (const move of ['preparing', 'ready']) expect((await http(api(`/orders/${orderId}/${move}`), { method: 'POST', token: owner.accessToken })).status).to.equal(200);
    const manual = await http(api(`/deliveries/${deliveryId}/assign`), { method: 'POST', token: owner.accessToken, json: { courierId: stranger.id } });
    expect(manual.status, JSON.stringify(manual.body)).to.equal(200);
    const late = await emitAck(a.socket, 'offer:accept', { offerId: offer.offerId });
    expect(late).to.include({ ok: false, code: 'CONFLICT' });
    expect((await cradle().deliveries.findById(deliveryId))?.courierId).to.equal(stranger.id);
    expect(await cradle().offers.findById(offer.offerId)).to.deep.include({ status: 'expired', endReason: 'withdrawn' });
    expect(await emitAck(a.socket, 'offer:decline', { offerId: offer.offerId })).to.include({ ok: false, code: 'CONFLICT' });
    expect((await cradle().deliveries.findById(deliveryId))?.courierId).to.equal(stranger.id);
  });

  it('when a courier holding an offer disconnects (their last socket), then the offer expires at once as disconnected and the next courier gets it', async () => {
    const w = await world();
    const a = await w.courier(100);
    const b = await w.courier(700);
    const first = nextEvent<any>(a.socket, 'offer:new', () => true, 8_000);
    const { deliveryId } = await w.confirmedOrder();
    const offer = await first;
    const started = Date.now();
    const next = nextEvent<any>(b.socket, 'offer:new', () => true, 4_000);
    a.socket.close();
    expect(await next).to.include({ offerId: `${deliveryId}:2` });
    expect(Date.now() - started).to.be.below(4_000); // well before the 5 s timer
    expect(await cradle().offers.findById(offer.offerId)).to.deep.include({ status: 'expired', endReason: 'disconnected' });
  });
});
