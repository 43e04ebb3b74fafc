import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import type { TestApp } from '../../helpers/app.js';
import { signUp, type Session } from '../../helpers/identity.js';
import { connect, deliveryFor, emitAck, nextEvent, verifiedCourier, waitUntil } from '../../helpers/hub.js';
import { startTwoHubs, type TwoHubs } from '../../helpers/two-hubs.js';
import { newDispatchState, newOffer } from '../../../domain/dispatch/model.js';
import type { Cradle } from '../../../infra/container.js';

const PICKUP = { lat: 33.5138, lng: 36.2765 };
const RACES = 4;

/**
 * At most one courier per delivery, across hub processes: hub A runs in this
 * process (with the API and the workers), hub B is a separate OS process
 * (ROLE=hub) on the same private redis-server and PostgreSQL schema. For each
 * delivery three accepts leave at the same instant: the courier's socket on
 * A and their second socket on B answer the same offer, and a second pending
 * offer of the same delivery (as a batch round racing a greedy one would
 * leave) is accepted by another courier on B.
 */
describe('dispatch: accepts racing on two hub processes', function () {
  this.timeout(30_000);
  let a: TestApp;
  let bUrl: string;
  let admin: Session;
  const open: Socket[] = [];
  const track = (s: Socket) => (open.push(s), s);

  let hubs: TwoHubs | undefined;
  before(async function () {
    this.timeout(120_000); // two app starts: a few seconds on a calm box, far more at load 17
    hubs = await startTwoHubs(this, 'the two-hub dispatch test', 'dsp');
    ({ a, bUrl, admin } = hubs);
  });
  after(async () => {
    open.splice(0).forEach((s) => s.close());
    await hubs?.stop();
  });

  it(`when accepts for the same delivery reach hub A and hub B at the same instant (${RACES} deliveries), then exactly one courier is assigned each time and the others are refused with a code`, async () => {
    const c = a.system.composed.container.cradle as Cradle;
    const owner = await signUp(a, 'store_owner');
    // Courier one has room for every race's delivery (capacity 20), so they stay available throughout.
    const customer = await signUp(a, 'customer');
    const [one, two] = [await verifiedCourier(a, admin), await verifiedCourier(a, admin)];
    const oneOnA = track(await connect(a.url, '/courier', one.accessToken));
    expect((await emitAck(oneOnA, 'courier:online', { vehicle: 'motorbike', capacity: 20 })).ok).to.equal(true);
    expect(await emitAck(oneOnA, 'location', { lat: PICKUP.lat + 0.001, lng: PICKUP.lng, ts: Date.now() })).to.include({ ok: true, accepted: 1 });
    const oneOnB = track(await connect(bUrl, '/courier', one.accessToken)); // a second device: connected, not online
    const twoOnB = track(await connect(bUrl, '/courier', two.accessToken));

    for (let race = 0; race < RACES; race++) {
      const { deliveryId, orderId } = await deliveryFor(a, { owner, customer, pickup: PICKUP });
      const onA = nextEvent<any>(oneOnA, 'offer:new', (o) => o.deliveryId === deliveryId, 10_000);
      const onB = nextEvent<any>(oneOnB, 'offer:new', (o) => o.deliveryId === deliveryId, 10_000);
      const round = await c.runDispatchRound.execute(deliveryId);
      expect(round.outcome, JSON.stringify(round)).to.equal('offered');
      const [offerA, offerB] = await Promise.all([onA, onB]); // each hub pushed it to its own socket
      expect(offerA).to.deep.equal(offerB);
      // The second pending path: another offer of the same delivery, to courier two.
      const view = (await c.deliveries.findById(deliveryId))!.toView();
      const second = newOffer({ deliveryId, orderId, courierId: two.accountId, round: 99, pickup: view.pickup, dropoff: view.dropoff, feeMinor: 0, cash: false, cost: 0, at: new Date(), timeoutS: 30 });
      expect(await c.offers.create(second)).to.equal(true);

      const acks = await Promise.all([
        emitAck(oneOnA, 'offer:accept', { offerId: offerA.offerId }),
        emitAck(oneOnB, 'offer:accept', { offerId: offerA.offerId }),
        emitAck(twoOnB, 'offer:accept', { offerId: second.id }),
      ]);
      const won = acks.filter((r) => r.ok);
      expect(won, JSON.stringify(acks)).to.have.length(1);
      for (const lost of acks.filter((r) => !r.ok)) expect(lost.code, JSON.stringify(acks)).to.be.oneOf(['OFFER_ALREADY_ACCEPTED', 'OFFER_EXPIRED', 'CONFLICT']);
      const delivery = (await c.deliveries.findById(deliveryId))!;
      const winner = acks[2]!.ok ? two.accountId : one.accountId;
      expect(delivery.toView()).to.deep.include({ courierId: winner, status: 'assigned' });
      const offers = await c.offers.listByDelivery(deliveryId);
      expect(offers.filter((o) => o.status === 'accepted').map((o) => o.courierId)).to.deep.equal([winner]);
      expect(offers.filter((o) => o.status === 'pending')).to.deep.equal([]);
      if (c.store.kind !== 'sql') throw new Error('this suite runs on PostgreSQL');
      const assigned = await c.store.sql.query<{ n: string }>(`select count(*) as n from outbox where type = 'delivery.courier.assigned' and aggregate_id = $1`, [deliveryId]);
      expect(Number(assigned.rows[0]!.n)).to.equal(1);
    }
  });

  it('when a dispatcher on the hub-only process (B) reassigns while the courier accepts on hub A (4 deliveries), then /ops works there with the same rules: one winner, the other CONFLICT, and the audit entry says via ops', async () => {
    const c = a.system.composed.container.cradle as Cradle;
    const owner = await signUp(a, 'store_owner');
    const customer = await signUp(a, 'customer');
    const [one, two] = [await verifiedCourier(a, admin), await verifiedCourier(a, admin)];
    const oneOnA = track(await connect(a.url, '/courier', one.accessToken));
    expect((await emitAck(oneOnA, 'courier:online', { vehicle: 'motorbike', capacity: 20 })).ok).to.equal(true);
    const opsOnB = track(await connect(bUrl, '/ops', a.token('admin', 'dispatcher-on-b', ['deliveries:manage'])));
    const first = await deliveryFor(a, { owner, customer, pickup: PICKUP });
    const assigned = await emitAck(opsOnB, 'ops:assign', { deliveryId: first.deliveryId, courierId: two.accountId, reason: 'assigned from the hub-only process' });
    expect(assigned.ok, JSON.stringify(assigned)).to.equal(true);
    expect(assigned.data).to.include({ courierId: two.accountId, status: 'assigned' });
    expect(await emitAck(opsOnB, 'ops:assign', { deliveryId: first.deliveryId, courierId: one.accountId, reason: 'someone holds it' })).to.deep.include({ ok: false, code: 'CONFLICT' });
    let audit: any;
    await waitUntil(async () => !!(audit = (await c.auditLog.search({ action: 'dispatch.delivery_assigned', resourceId: first.deliveryId }, { page: 1, limit: 5 })).items[0]), 10_000);
    expect(audit.toView().metadata).to.deep.include({ reason: 'assigned from the hub-only process', via: 'ops' });

    for (let race = 0; race < RACES; race++) {
      const { deliveryId, orderId } = await deliveryFor(a, { owner, customer, pickup: PICKUP });
      const view = (await c.deliveries.findById(deliveryId))!.toView();
      await c.dispatches.open(newDispatchState({ deliveryId, orderId, radiusM: 3000, at: new Date() }));
      const offer = newOffer({ deliveryId, orderId, courierId: one.accountId, round: 1, pickup: view.pickup, dropoff: view.dropoff, feeMinor: 0, cash: false, cost: 0, at: new Date(), timeoutS: 30 });
      expect(await c.offers.create(offer)).to.equal(true);
      const acks = await Promise.all([
        emitAck(oneOnA, 'offer:accept', { offerId: offer.id }),
        emitAck(opsOnB, 'ops:reassign', { deliveryId, courierId: two.accountId, reason: 'race from hub B', expectedVersion: view.version }),
      ]);
      expect(acks.filter((r) => r.ok), JSON.stringify(acks)).to.have.length(1);
      const lost = acks.find((r) => !r.ok);
      expect(lost.code, JSON.stringify(acks)).to.equal('CONFLICT');
      expect((await c.deliveries.findById(deliveryId))!.courierId).to.equal(acks[0]!.ok ? one.accountId : two.accountId);
    }
  });
});
