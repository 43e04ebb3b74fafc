import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { forEachBackend } from '../helpers/databases.js';
import { createRepositories } from '../../infra/db/index.js';
import { Delivery } from '../../domain/delivery/model.js';
import { newDispatchState, newOffer, type Offer } from '../../domain/dispatch/model.js';
import { AnswerOffer } from '../../domain/dispatch/use-cases/answer-offer.js';
import type { AppError } from '../../domain/shared/errors.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0);
const at = (s: number) => new Date(T0 + s * 1000);

forEachBackend('Dispatch repositories contract (offers, dispatch state, accept)', (ctx) => {
  const repos = () => createRepositories(ctx.store);
  let now = at(0);
  const answer = () => new AnswerOffer({ ...repos(), clock: { now: () => now } });

  const delivery = async () => {
    const d = Delivery.create({ id: randomUUID(), orderId: randomUUID(), storeId: 'store-1', customerId: 'cust-1', pickup: { lat: 33.51, lng: 36.29 }, dropoff: { lat: 33.52, lng: 36.3 }, at: at(0) });
    await repos().deliveries.create(d);
    await repos().dispatches.open(newDispatchState({ deliveryId: d.id, orderId: d.orderId, radiusM: 3000, at: at(0) }));
    return d;
  };
  const offer = (d: Delivery, courierId: string, round: number): Offer =>
    newOffer({ deliveryId: d.id, orderId: d.orderId, courierId, round, pickup: { lat: 33.51, lng: 36.29 }, dropoff: { lat: 33.52, lng: 36.3 }, feeMinor: 80_000, cash: true, cost: 0.25, at: at(round), timeoutS: 30 });
  const codeOf = async (p: Promise<unknown>) => ((await p.then(() => null, (e: unknown) => e)) as AppError | null)?.code;

  beforeEach(() => {
    now = at(1);
  });

  it('when an offer is created, then it reads back field for field; creating the same round again writes nothing', async () => {
    const d = await delivery();
    const o = offer(d, 'k1', 1);
    expect(await repos().offers.create(o)).to.equal(true);
    expect(await repos().offers.findById(o.id)).to.deep.equal(o);
    expect(await repos().offers.create({ ...o, courierId: 'k2' })).to.equal(false);
    expect((await repos().offers.findById(o.id))?.courierId).to.equal('k1');
    expect(await repos().offers.findPendingByDelivery(d.id)).to.deep.equal(o);
    expect((await repos().offers.listPendingByCourier('k1')).map((x) => x.id)).to.include(o.id);
  });

  it('when an offer is ended, then it ends exactly once with its time and reason; later ends change nothing', async () => {
    const d = await delivery();
    const o = offer(d, `k-${randomUUID()}`, 1);
    await repos().offers.create(o);
    const ended = await repos().offers.end(o.id, 'expired', at(31), 'timeout');
    expect(ended).to.deep.include({ status: 'expired', endedAt: at(31).toISOString(), endReason: 'timeout' });
    expect(await repos().offers.end(o.id, 'accepted', at(32), null)).to.equal(null);
    expect((await repos().offers.findById(o.id))?.status).to.equal('expired');
    expect(await repos().offers.findPendingByDelivery(d.id)).to.equal(null);
    expect(await repos().offers.listPendingByCourier(o.courierId)).to.deep.equal([]);
  });

  it('when couriers answered offers, then records count the ended offers and the accepted ones per courier', async () => {
    const k = `k-${randomUUID()}`;
    const d1 = await delivery();
    const d2 = await delivery();
    const d3 = await delivery();
    for (const [d, to] of [[d1, 'accepted'], [d2, 'declined'], [d3, null]] as const) {
      const o = offer(d, k, 1);
      await repos().offers.create(o);
      if (to) await repos().offers.end(o.id, to, at(5), null);
    }
    const r = await repos().offers.records([k, 'nobody']);
    expect(r.get(k)).to.deep.equal({ offered: 2, accepted: 1 });
    expect(r.has('nobody')).to.equal(false);
    expect((await repos().offers.listByDelivery(d1.id)).map((o) => o.round)).to.deep.equal([1]);
  });

  it('when a dispatch state is opened twice, then the first stays; saves check the version; listOpen shows open ones only', async () => {
    const d = await delivery();
    const again = await repos().dispatches.open(newDispatchState({ deliveryId: d.id, orderId: d.orderId, radiusM: 9999, at: at(5) }));
    expect(again.created).to.equal(false);
    expect(again.state.radiusM).to.equal(3000);
    const s = again.state;
    const next = { ...s, round: 2, excluded: ['k1', 'k2'], alertedAt: at(9).toISOString(), version: s.version + 1 };
    expect(await repos().dispatches.save(next, s.version)).to.equal(true);
    expect(await repos().dispatches.save({ ...s, round: 7, version: s.version + 1 }, s.version)).to.equal(false);
    expect(await repos().dispatches.find(d.id)).to.deep.equal(next);
    expect((await repos().dispatches.listOpen(1000)).map((x) => x.deliveryId)).to.include(d.id);
    await repos().dispatches.save({ ...next, status: 'assigned', version: next.version + 1 }, next.version);
    expect((await repos().dispatches.listOpen(1000)).map((x) => x.deliveryId)).to.not.include(d.id);
  });

  it('when dispatches are opened with a region, then it reads back and countOpenInRegion counts the open ones of that region only', async () => {
    const region = `r-${randomUUID()}`;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const d = Delivery.create({ id: randomUUID(), orderId: randomUUID(), storeId: 'store-1', customerId: 'cust-1', pickup: { lat: 33.51, lng: 36.29 }, dropoff: { lat: 33.52, lng: 36.3 }, at: at(0) });
      await repos().deliveries.create(d);
      await repos().dispatches.open(newDispatchState({ deliveryId: d.id, orderId: d.orderId, radiusM: 3000, at: at(i), region: i < 2 ? region : `${region}-other` }));
      ids.push(d.id);
    }
    expect((await repos().dispatches.find(ids[0]!))?.region).to.equal(region);
    expect(await repos().dispatches.countOpenInRegion(region)).to.equal(2);
    const s = (await repos().dispatches.find(ids[1]!))!;
    expect(await repos().dispatches.save({ ...s, status: 'assigned', version: s.version + 1 }, s.version)).to.equal(true);
    expect(await repos().dispatches.countOpenInRegion(region)).to.equal(1);
    expect(await repos().dispatches.countOpenInRegion(`${region}-nowhere`)).to.equal(0);
  });

  it('when a state counts assignments and offers are listed by time, then both read back and the windows hold only what started in them', async () => {
    const d = await delivery();
    const s = (await repos().dispatches.find(d.id))!;
    expect(s).to.deep.include({ assignments: 0, firstAssignedAt: null });
    const next = { ...s, status: 'assigned' as const, assignments: 2, firstAssignedAt: at(40).toISOString(), version: s.version + 1 };
    expect(await repos().dispatches.save(next, s.version)).to.equal(true);
    expect(await repos().dispatches.find(d.id)).to.deep.equal(next);
    const late = Delivery.create({ id: randomUUID(), orderId: randomUUID(), storeId: 'store-1', customerId: 'cust-1', pickup: { lat: 33.51, lng: 36.29 }, dropoff: { lat: 33.52, lng: 36.3 }, at: at(0) });
    await repos().deliveries.create(late);
    await repos().dispatches.open(newDispatchState({ deliveryId: late.id, orderId: late.orderId, radiusM: 3000, at: at(3_600) }));
    const opened = (await repos().dispatches.listOpenedSince(at(3_600), 1000)).map((x) => x.deliveryId);
    expect(opened).to.include(late.id);
    expect(opened).to.not.include(d.id);
    const k = `k-${randomUUID()}`;
    const early = offer(d, k, 1);
    const recent = { ...offer(late, k, 1), offeredAt: at(3_700).toISOString(), expiresAt: at(3_730).toISOString() };
    await repos().offers.create(early);
    await repos().offers.create(recent);
    const listed = (await repos().offers.listOfferedSince(at(3_600), 1000)).filter((o) => o.courierId === k);
    expect(listed).to.deep.equal([recent]);
  });

  it('when a courier accepts a pending offer, then the delivery is theirs, the offer accepted and the dispatch assigned, all at once', async () => {
    const d = await delivery();
    const o = offer(d, 'k-acc', 1);
    await repos().offers.create(o);
    const r = await answer().accept('k-acc', o.id);
    expect(r.delivery.toView()).to.deep.include({ status: 'assigned', courierId: 'k-acc' });
    expect((await repos().deliveries.findById(d.id))?.courierId).to.equal('k-acc');
    expect((await repos().offers.findById(o.id))?.status).to.equal('accepted');
    expect((await repos().dispatches.find(d.id))?.status).to.equal('assigned');
  });

  it('when two couriers accept offers for the same delivery at the same instant, then exactly one is assigned and the other gets CONFLICT', async () => {
    const d = await delivery();
    const a = offer(d, 'k-a', 1);
    const b = offer(d, 'k-b', 2);
    await repos().offers.create(a);
    await repos().offers.create(b);
    const results = await Promise.allSettled([answer().accept('k-a', a.id), answer().accept('k-b', b.id)]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).to.have.length(1);
    expect(lost.map((r) => (r.reason as AppError).code)).to.deep.equal(['CONFLICT']);
    const stored = await repos().deliveries.findById(d.id);
    expect(stored?.courierId).to.be.oneOf(['k-a', 'k-b']);
    expect(stored?.version).to.equal(2);
    const statuses = (await repos().offers.listByDelivery(d.id)).map((o) => o.status).sort();
    expect(statuses).to.deep.equal(['accepted', 'expired']);
  });

  it('when one courier of capacity 1 accepts 6 offers of different deliveries at the same instant, then exactly one is assigned and the others get CONFLICT courier_at_capacity', async () => {
    const courierId = `k-${randomUUID()}`;
    // The courier index's answer (Redis in the app): the declared capacity is all the accept reads of it.
    const capacityOne = { getCourier: async () => ({ state: { capacity: 1 } }) } as unknown as NonNullable<ConstructorParameters<typeof AnswerOffer>[0]['courierLocator']>;
    const guarded = new AnswerOffer({ ...repos(), clock: { now: () => now }, courierLocator: capacityOne });
    const offers: Offer[] = [];
    for (let i = 0; i < 6; i++) {
      const o = offer(await delivery(), courierId, 1);
      await repos().offers.create(o);
      offers.push(o);
    }
    const results = await Promise.allSettled(offers.map((o) => guarded.accept(courierId, o.id)));
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(results.filter((r) => r.status === 'fulfilled'), JSON.stringify(lost.map((r) => String(r.reason)))).to.have.length(1);
    expect(lost.map((r) => [(r.reason as AppError).code, ((r.reason as AppError).details as { reason?: string }[] | undefined)?.[0]?.reason])).to.deep.equal(Array(5).fill(['CONFLICT', 'courier_at_capacity']));
    expect(await repos().deliveries.listActiveByCourier(courierId)).to.have.length(1);
    const statuses = await Promise.all(offers.map(async (o) => (await repos().offers.findById(o.id))?.status));
    expect(statuses.sort()).to.deep.equal(['accepted', 'expired', 'expired', 'expired', 'expired', 'expired']);
  });

  it('when an offer is answered wrongly (foreign, twice, declined after accepting, expired), then each gets its code and nothing changes', async () => {
    const d = await delivery();
    const o = offer(d, 'k-1', 1);
    await repos().offers.create(o);
    expect(await codeOf(answer().accept('k-other', o.id))).to.equal('NOT_FOUND');
    expect(await codeOf(answer().accept('k-1', 'no-such-offer'))).to.equal('NOT_FOUND');
    await answer().accept('k-1', o.id);
    const version = (await repos().deliveries.findById(d.id))?.version;
    expect(await codeOf(answer().accept('k-1', o.id))).to.equal('OFFER_ALREADY_ACCEPTED');
    expect(await codeOf(answer().decline('k-1', o.id))).to.equal('OFFER_ALREADY_ACCEPTED');
    expect((await repos().deliveries.findById(d.id))?.version).to.equal(version);
    expect((await repos().offers.findById(o.id))?.status).to.equal('accepted');

    const late = await delivery();
    const lo = offer(late, 'k-2', 1);
    await repos().offers.create(lo);
    now = at(40);
    expect(await codeOf(answer().accept('k-2', lo.id))).to.equal('OFFER_EXPIRED');
    expect((await repos().deliveries.findById(late.id))?.courierId).to.equal(null);
    expect((await repos().offers.findById(lo.id))?.status).to.equal('expired');
    expect((await repos().dispatches.find(late.id))?.excluded).to.deep.equal(['k-2']);
  });

  it('when a courier declines, then the offer is declined with the reason and they are excluded from later rounds; a second decline is refused', async () => {
    const d = await delivery();
    const o = offer(d, 'k-d', 1);
    await repos().offers.create(o);
    expect(await answer().decline('k-d', o.id, 'too far')).to.deep.include({ status: 'declined', endReason: 'too far' });
    expect((await repos().dispatches.find(d.id))?.excluded).to.deep.equal(['k-d']);
    expect(await codeOf(answer().decline('k-d', o.id))).to.equal('OFFER_ALREADY_DECLINED');
    expect(await codeOf(answer().accept('k-d', o.id))).to.equal('OFFER_ALREADY_DECLINED');
    expect(await answer().expire(o.id, 'timeout')).to.equal(null);
  });
});
