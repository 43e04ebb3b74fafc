import { expect } from 'chai';
import { answerOf, planDay, planFleet, poissonArrivals, DEFAULT_DAY, type PlanAddress, type PlanStore } from '../../loadtest/sim/plan.js';
import { advance, distanceM, fixGapMs, nextStop, speedMpsOf } from '../../loadtest/sim/movement.js';
import { coveredMs, doubleAssignments, overCapacity, progressLine, runFigures, type ServerOffer, type ServerOrder } from '../../loadtest/sim/metrics.js';
import { rng, stream } from '../../loadtest/sim/random.js';
import { destinationPoint } from '../../geo/distance.js';

const DAMASCUS = { lat: 33.5138, lng: 36.2765 };
const east = (m: number) => destinationPoint(DAMASCUS.lat, DAMASCUS.lng, m, 90);

const stores: PlanStore[] = [
  { minimumOrderMinor: 0, variants: [{ priceMinor: 1_000, stock: 1_000 }, { priceMinor: 2_500, stock: 1_000 }] },
  { minimumOrderMinor: 10_000, variants: [{ priceMinor: 3_000, stock: 1_000 }, { priceMinor: 4_000, stock: 1_000 }, { priceMinor: 500, stock: 1_000 }] },
];
const addresses: PlanAddress[] = [
  { customer: 0, point: east(500), stores: [0, 1] },
  { customer: 1, point: east(1_500), stores: [1] },
  { customer: 2, point: east(9_000), stores: [] },
];

describe('city simulation, pure parts (loadtest/sim)', () => {
  describe('the Poisson order generator', () => {
    it('when the same seed plans the day twice, then it plans the same orders; another seed plans others', () => {
      const opts = { ...DEFAULT_DAY, seed: 7, minutes: 60, ordersPerMinute: 2 };
      const a = planDay({ stores, addresses }, opts);
      const b = planDay({ stores, addresses }, opts);
      const c = planDay({ stores, addresses }, { ...opts, seed: 8 });
      expect(a.length).to.be.greaterThan(60);
      expect(b).to.deep.equal(a);
      expect(c.map((o) => o.atS)).to.not.deep.equal(a.map((o) => o.atS));
    });

    it('when arrivals are drawn at λ per minute, then their count and gaps are those of a Poisson process', () => {
      const times = poissonArrivals(rng(123), 3, 2_000);
      expect(times.length / 2_000).to.be.within(2.85, 3.15); // mean λ (sd of the count ≈ 0.04 per minute)
      const gaps = times.map((t, i) => t - (i ? times[i - 1]! : 0));
      const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
      const sd = Math.sqrt(gaps.reduce((s, g) => s + (g - mean) ** 2, 0) / gaps.length);
      expect(mean).to.be.within(19, 21); // 60 s / λ
      expect(sd / mean).to.be.within(0.93, 1.07); // exponential gaps: sd = mean
      expect(times.every((t, i) => i === 0 || t >= times[i - 1]!)).to.equal(true);
      expect(Math.max(...times)).to.be.below(2_000 * 60);
    });

    it('when orders are planned, then each comes from a store that delivers to the address, meets its minimum and stays within stock', () => {
      const small: PlanStore[] = [{ minimumOrderMinor: 0, variants: [{ priceMinor: 1_000, stock: 10 }] }];
      const day = planDay({ stores: small, addresses: [{ customer: 0, point: DAMASCUS, stores: [0] }] }, { ...DEFAULT_DAY, seed: 1, minutes: 120, ordersPerMinute: 1 });
      const units = day.reduce((s, o) => s + o.lines.reduce((n, l) => n + l.quantity, 0), 0);
      expect(units).to.be.at.most(10);
      expect(day.length).to.be.greaterThan(3);
      const big = planDay({ stores, addresses }, { ...DEFAULT_DAY, seed: 3, minutes: 60, ordersPerMinute: 2 });
      for (const o of big) {
        expect(addresses[o.address]!.stores).to.include(o.store);
        expect(o.address).to.not.equal(2); // nobody delivers there
        const subtotal = o.lines.reduce((s, l) => s + l.quantity * stores[o.store]!.variants[l.variant]!.priceMinor, 0);
        expect(subtotal).to.be.at.least(stores[o.store]!.minimumOrderMinor);
        expect(o.prepS).to.be.within(DEFAULT_DAY.prepMinutes[0] * 60, DEFAULT_DAY.prepMinutes[1] * 60);
      }
    });

    it('when a courier answers the same offer in two runs, then the answer is the same, and the acceptance rate is the one configured', () => {
      expect(answerOf(5, 0.8, 3, 17, 1)).to.deep.equal(answerOf(5, 0.8, 3, 17, 1));
      const n = 4_000;
      const accepted = Array.from({ length: n }, (_, i) => answerOf(5, 0.8, i % 40, i, 1).accept).filter(Boolean).length;
      expect(accepted / n).to.be.within(0.77, 0.83);
      expect(planFleet(9, 5, [DAMASCUS])).to.deep.equal(planFleet(9, 5, [DAMASCUS]));
      for (const c of planFleet(9, 50, [DAMASCUS], 1_500)) expect(distanceM(c.start, DAMASCUS)).to.be.at.most(1_501);
    });

    it('when streams are named differently, then they draw differently', () => {
      expect(stream(1, 'a')()).to.not.equal(stream(1, 'b')());
    });
  });

  describe('the movement model', () => {
    it('when a courier advances toward a stop, then it moves the given metres on the straight line and lands exactly on the stop', () => {
      const to = east(1_000);
      const half = advance(DAMASCUS, to, 400);
      expect(half.arrived).to.equal(false);
      expect(distanceM(DAMASCUS, half.at)).to.be.closeTo(400, 1);
      expect(distanceM(half.at, to)).to.be.closeTo(600, 1);
      const end = advance(half.at, to, 700);
      expect(end).to.deep.include({ arrived: true });
      expect(end.at).to.deep.equal(to);
      expect(end.movedM).to.be.closeTo(600, 1);
    });

    it('when a motorbike moves, then it makes the straight-line speed the ETA model assumes (about 24 km/h)', () => {
      expect(speedMpsOf('motorbike') * 3.6).to.be.within(22, 26);
      expect(speedMpsOf('bike')).to.be.below(speedMpsOf('motorbike'));
    });

    it('when a courier carries jobs, then the next stop is the nearest pickup to make or dropoff on board', () => {
      const a = { deliveryId: 'a', pickup: east(300), dropoff: east(3_000), pickedUp: false };
      const b = { deliveryId: 'b', pickup: east(300), dropoff: east(1_000), pickedUp: true };
      expect(nextStop(DAMASCUS, [])).to.equal(null);
      expect(nextStop(DAMASCUS, [a, b])).to.deep.include({ deliveryId: 'a', stop: 'pickup' });
      expect(nextStop(east(900), [a, b])).to.deep.include({ deliveryId: 'b', stop: 'dropoff' });
      expect(nextStop(east(2_900), [{ ...a, pickedUp: true }, b])).to.deep.include({ deliveryId: 'a', stop: 'dropoff' });
    });

    it('when time is compressed, then fixes come often enough that no jump is called a teleport, and never faster than the rate limit', () => {
      for (const k of [1, 10, 30, 60]) {
        const gap = fixGapMs(speedMpsOf('motorbike'), k);
        expect(gap).to.be.within(250, 1_000);
        expect((speedMpsOf('motorbike') * k * gap) / 1000).to.be.below(200);
      }
    });
  });

  describe('metric aggregation', () => {
    const order = (over: Partial<ServerOrder>): ServerOrder => ({
      orderId: 'o', deliveryId: 'd', courierId: 'c1', placedAt: 0, openedAt: 1_000, assignedAt: 3_000, atPickupAt: 10_000, pickedUpAt: 12_000, deliveredAt: 30_000, endedAt: 30_000, ...over,
    });
    const offer = (over: Partial<ServerOffer>): ServerOffer => ({ deliveryId: 'd', courierId: 'c1', status: 'accepted', offeredAt: 2_000, endedAt: 3_000, ...over });

    it('when wall durations are compressed ×10, then the figures are in simulated time', () => {
      const f = runFigures({
        orders: [order({ orderId: 'o1', deliveryId: 'd1' }), order({ orderId: 'o2', deliveryId: 'd2', courierId: 'c2', deliveredAt: null, endedAt: null, pickedUpAt: null, atPickupAt: null, assignedAt: 5_000 })],
        offers: [offer({ deliveryId: 'd1' }), offer({ deliveryId: 'd2', courierId: 'c3', status: 'declined' }), offer({ deliveryId: 'd2', courierId: 'c2', offeredAt: 4_000, endedAt: 5_000 })],
        shifts: [{ courierId: 'c1', onlineFrom: 0, onlineTo: 60_000 }, { courierId: 'c2', onlineFrom: 0, onlineTo: 60_000 }],
        compression: 10,
        promiseMin: 1,
        nowMs: 60_000,
      });
      expect(f).to.deep.include({ placed: 2, delivered: 1 });
      expect(f.meanDeliveryMin).to.equal(5); // 30 s wall × 10 = 300 s
      expect(f.meanTimeToAssignS).to.equal(30); // (2 s + 4 s) / 2 × 10
      // c1 on a job 3–30 s, c2 5–60 s (still carrying): (27 + 55) / 120
      expect(f.utilisation).to.be.closeTo(82 / 120, 0.001);
      expect(f.stats.acceptanceRate).to.be.closeTo(2 / 3, 0.001);
      expect(f.stats.offerToAccept.meanS).to.equal(10);
      expect(f.stats.waitAtStore.meanS).to.equal(20);
      expect(f.stats.onTimePct).to.equal(0); // 300 s against a 60 s promise
    });

    it('when nothing happened yet, then the figures are null, never 0 or NaN', () => {
      const f = runFigures({ orders: [], offers: [], shifts: [], compression: 30, promiseMin: 45, nowMs: 1 });
      expect(f).to.deep.include({ placed: 0, delivered: 0, meanDeliveryMin: null, meanTimeToAssignS: null, utilisation: null });
      expect(progressLine('greedy', 0, f)).to.contain('–');
    });

    it('when job intervals overlap, then time on a job counts the overlap once and only inside the shift', () => {
      expect(coveredMs([[0, 10], [5, 15], [20, 30]], 0, 100)).to.equal(25);
      expect(coveredMs([[0, 10], [5, 15], [20, 30]], 8, 25)).to.equal(12);
      expect(coveredMs([], 0, 10)).to.equal(0);
    });

    it('when a delivery went to two couriers, then it counts as a double assignment; one courier per delivery counts none', () => {
      const one = [order({ deliveryId: 'd1' }), order({ deliveryId: 'd2', courierId: 'c2' })];
      const fine = [offer({ deliveryId: 'd1' }), offer({ deliveryId: 'd2', courierId: 'c1', status: 'declined' }), offer({ deliveryId: 'd2', courierId: 'c2' })];
      expect(doubleAssignments(one, fine)).to.equal(0);
      expect(doubleAssignments(one, [...fine, offer({ deliveryId: 'd1', courierId: 'c9' })])).to.equal(1);
      expect(doubleAssignments(one, [offer({ deliveryId: 'd1' }), offer({ deliveryId: 'd1' })])).to.equal(1); // accepted twice
      expect(doubleAssignments([order({ deliveryId: 'd1', courierId: 'c2' })], [offer({ deliveryId: 'd1', courierId: 'c1' })])).to.equal(1);
    });

    it('when a courier holds more deliveries at once than their capacity, then each assignment over it counts', () => {
      const held = [
        order({ deliveryId: 'a', assignedAt: 0, endedAt: 10 }),
        order({ deliveryId: 'b', assignedAt: 5, endedAt: 20 }),
        order({ deliveryId: 'c', assignedAt: 10, endedAt: null }), // starts as a ends: not over 2
      ];
      expect(overCapacity(held, () => 2, 100)).to.deep.include({ overCapacity: 0, mostHeld: 2 });
      const over = overCapacity(held, () => 1, 100);
      expect(over).to.deep.include({ overCapacity: 2, mostHeld: 2 });
      expect(over.cases.map((c) => c.deliveryId)).to.deep.equal(['b', 'c']);
      expect(overCapacity([...held, order({ deliveryId: 'd', assignedAt: 15, endedAt: 16 })], () => 2, 100).overCapacity).to.equal(1);
    });
  });
});
