import { expect } from 'chai';
import { destinationPoint, haversineM } from '../../../geo/distance.js';
import { matchWithStacking, planRoute, stackable, type Point, type StackCourier, type StackJob, type StackRules } from '../../../domain/dispatch/stacking.js';

const dist = (p: Point, q: Point) => haversineM(p.lat, p.lng, q.lat, q.lng);
/** 5 m/s straight lines: 1 km = 200 s. */
const travel = (p: Point, q: Point) => dist(p, q) / 5;
const origin = { lat: 33.5, lng: 36.3 };
/** A point `km` east and `kmN` north of the origin. */
const at = (km: number, kmN = 0): Point => {
  const e = destinationPoint(origin.lat, origin.lng, Math.abs(km) * 1000, km >= 0 ? 90 : 270);
  return destinationPoint(e.lat, e.lng, Math.abs(kmN) * 1000, kmN >= 0 ? 0 : 180);
};
const NOW = 1_800_000_000_000;
const min = 60_000;
const rules: StackRules = { maxOrders: 2, sameStoreM: 50, onTheWayS: 120, stopS: 60 };
const job = (id: string, storeId: string, pickup: Point, dropoff: Point, promisedInMin: number, readyInMin = 0): StackJob => ({
  deliveryId: id,
  storeId,
  pickup,
  dropoff,
  readyAtMs: NOW + readyInMin * min,
  promisedByMs: NOW + promisedInMin * min,
});

describe('dispatch stacking', () => {
  it('when two orders of one store go the same way, then the route picks both up before the first dropoff and keeps both promises', () => {
    const a = job('a', 's1', at(1), at(3), 40);
    const b = job('b', 's1', at(1), at(4), 40);
    const r = planRoute(at(0), NOW, [a, b], rules, travel)!;
    expect(r.stops.map((s) => `${s.kind}:${s.deliveryId}`).slice(0, 2).sort()).to.deep.equal(['pickup:a', 'pickup:b']);
    expect(r.stops.map((s) => `${s.kind}:${s.deliveryId}`).slice(2)).to.deep.equal(['dropoff:a', 'dropoff:b']);
    // 1 km (200 s) + 2 pickups (120 s) + 2 km (400 s) + stop (60 s) + 1 km (200 s) + stop (60 s) = 1,040 s.
    expect(r.finishMs - NOW).to.be.closeTo(1_040_000, 1_000);
    for (const s of r.stops) if (s.kind === 'dropoff') expect(s.doneMs).to.be.at.most(NOW + 40 * min);
  });

  it('when the food is not ready, then the courier waits at the store and the wait counts against the promise', () => {
    const a = job('a', 's1', at(1), at(2), 14, 8);
    const r = planRoute(at(0), NOW, [a], rules, travel)!;
    expect(r.stops[0]!.doneMs).to.equal(NOW + 8 * min + 60_000);
    expect(planRoute(at(0), NOW, [job('a', 's1', at(1), at(2), 13, 8)], rules, travel)).to.equal(null);
  });

  it('when the added detour would make an order late, then no route exists', () => {
    const a = job('a', 's1', at(1), at(3), 14);
    const b = job('b', 's2', at(1, 5), at(3, 5), 60);
    expect(planRoute(at(0), NOW, [a], rules, travel)).to.not.equal(null);
    // Any order of stops that serves b first takes a past its 14 minutes; serving a first is fine.
    const r = planRoute(at(0), NOW, [a, b], rules, travel)!;
    expect(r.stops[1]).to.deep.include({ kind: 'dropoff', deliveryId: 'a' });
    const tight = job('b2', 's2', at(1, 5), at(3, 5), 25);
    expect(planRoute(at(0), NOW, [a, tight], rules, travel)).to.equal(null);
  });

  it('when pickups are at one store, nearby, on the way or far off the way, then only the first three are stackable', () => {
    const a = job('a', 's1', at(1), at(5), 60);
    expect(stackable(a, job('b', 's1', at(1), at(0, 4), 60), rules, travel, dist)).to.equal(true);
    expect(stackable(a, job('b', 's9', at(1.03), at(0, 4), 60), rules, travel, dist)).to.equal(true);
    expect(stackable(a, job('b', 's2', at(3, 0.05), at(6), 60), rules, travel, dist)).to.equal(true);
    expect(stackable(a, job('b', 's2', at(3, 2), at(6), 60), rules, travel, dist)).to.equal(false);
  });

  it('when deliveries outnumber couriers, then the matcher stacks what fits K and every promise, and leaves the rest unmatched', () => {
    const jobs = [
      job('a', 's1', at(1), at(3), 40),
      job('b', 's1', at(1), at(3.5), 40),
      job('c', 's1', at(1), at(2.5), 40),
      job('d', 's7', at(1, 8), at(1, 12), 40),
    ];
    const couriers: StackCourier[] = [{ courierId: 'k1', at: at(0), freeCapacity: 3, travelS: travel }];
    const pairs = jobs.map((j) => ({ deliveryId: j.deliveryId, courierId: 'k1', cost: dist(at(0), j.pickup) / 5 }));
    const r = matchWithStacking(jobs, couriers, pairs, rules, NOW, dist);
    expect(r.stacks.get('k1')).to.have.length(2);
    expect(r.assignments).to.have.length(2);
    expect(r.unmatched).to.have.length(2);
    expect(r.unmatched).to.include('d');
    for (const s of r.routes.get('k1')!.stops) if (s.kind === 'dropoff') expect(s.doneMs).to.be.at.most(NOW + 40 * min);

    const k3 = matchWithStacking(jobs, couriers, pairs, { ...rules, maxOrders: 3 }, NOW, dist);
    expect(k3.stacks.get('k1')!.sort()).to.deep.equal(['a', 'b', 'c']);
    expect(k3.unmatched).to.deep.equal(['d']);
    const full = matchWithStacking(jobs, [{ ...couriers[0]!, freeCapacity: 1 }], pairs, { ...rules, maxOrders: 3 }, NOW, dist);
    expect(full.assignments).to.have.length(1);
  });

  it('when a delivery is not feasible for the courier (no pair), then it is never stacked on them', () => {
    const jobs = [job('a', 's1', at(1), at(3), 40), job('b', 's1', at(1), at(3), 40)];
    const couriers: StackCourier[] = [{ courierId: 'k1', at: at(0), freeCapacity: 3, travelS: travel }];
    const r = matchWithStacking(jobs, couriers, [{ deliveryId: 'a', courierId: 'k1', cost: 1 }], rules, NOW, dist);
    expect(r.assignments.map((x) => x.deliveryId)).to.deep.equal(['a']);
    expect(r.unmatched).to.deep.equal(['b']);
  });
});
