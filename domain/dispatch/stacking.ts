import { matchOptimal, type Assignment, type CandidatePair, type MatchResult } from './matching.js';

export interface Point {
  lat: number;
  lng: number;
}

/** One open delivery, as stacking needs it. Times are epoch milliseconds. */
export interface StackJob {
  deliveryId: string;
  storeId: string;
  pickup: Point;
  dropoff: Point;
  /** When the store expects the order to be ready: a courier who arrives earlier waits. */
  readyAtMs: number;
  /** The promised delivery time: the dropoff must happen by then. */
  promisedByMs: number;
}

export interface StackRules {
  /** Most orders one courier carries at once (K). */
  maxOrders: number;
  /** Pickups this close count as the same store even with different store ids (a food court). */
  sameStoreM: number;
  /** A pickup is "on the way" when visiting it lengthens the other order's store → customer leg by at most this many seconds. */
  onTheWayS: number;
  /** Seconds spent at each stop (parking, handover). */
  stopS: number;
}

/** Seconds to travel between two points (the caller passes the geo ETA model for the courier's vehicle). */
export type TravelTime = (from: Point, to: Point) => number;

export interface RouteStop {
  kind: 'pickup' | 'dropoff';
  deliveryId: string;
  /** When the courier leaves the stop (after waiting for the food at a pickup). */
  doneMs: number;
}

export interface Route {
  stops: RouteStop[];
  /** When the last dropoff is done. */
  finishMs: number;
  /** Sum of the dropoff times: what the customers feel. */
  sumDropoffMs: number;
}

/** The largest K: the exhaustive route search grows as (2K)! / 2^K orders of stops (2,520 at 4). */
export const MAX_STACK = 4;

/**
 * The best route from `start` at `startMs` through every pickup and dropoff of
 * `jobs` (each pickup before its dropoff), waiting at a store until the order
 * is ready, such that every dropoff is done by its promised time; the least sum
 * of dropoff times among those. Null when no order of stops keeps every
 * promise. Exhaustive: K is at most MAX_STACK.
 */
export function planRoute(start: Point, startMs: number, jobs: readonly StackJob[], rules: Pick<StackRules, 'stopS'>, travelS: TravelTime): Route | null {
  if (jobs.length > MAX_STACK) return null;
  let best: Route | null = null;
  const picked = new Array<boolean>(jobs.length).fill(false);
  const dropped = new Array<boolean>(jobs.length).fill(false);
  const stops: RouteStop[] = [];
  const walk = (at: Point, nowMs: number, left: number, sumDrop: number): void => {
    if (best && sumDrop >= best.sumDropoffMs) return;
    if (left === 0) {
      best = { stops: [...stops], finishMs: nowMs, sumDropoffMs: sumDrop };
      return;
    }
    jobs.forEach((job, i) => {
      if (!picked[i]) {
        const arrive = nowMs + travelS(at, job.pickup) * 1000;
        const done = Math.max(arrive, job.readyAtMs) + rules.stopS * 1000;
        picked[i] = true;
        stops.push({ kind: 'pickup', deliveryId: job.deliveryId, doneMs: done });
        walk(job.pickup, done, left, sumDrop);
        stops.pop();
        picked[i] = false;
      } else if (!dropped[i]) {
        const done = nowMs + travelS(at, job.dropoff) * 1000 + rules.stopS * 1000;
        if (done > job.promisedByMs) return;
        dropped[i] = true;
        stops.push({ kind: 'dropoff', deliveryId: job.deliveryId, doneMs: done });
        walk(job.dropoff, done, left - 1, sumDrop + done);
        stops.pop();
        dropped[i] = false;
      }
    });
  };
  walk(start, startMs, jobs.length, 0);
  return best;
}

/**
 * Whether `b` may ride with `a`: the same store (by id, or pickups within
 * `sameStoreM`), or either pickup on the way of the other order's own trip.
 */
export function stackable(a: StackJob, b: StackJob, rules: Pick<StackRules, 'sameStoreM' | 'onTheWayS'>, travelS: TravelTime, distanceM: (p: Point, q: Point) => number): boolean {
  if (a.storeId === b.storeId || distanceM(a.pickup, b.pickup) <= rules.sameStoreM) return true;
  const detour = (host: StackJob, guest: StackJob) => travelS(host.pickup, guest.pickup) + travelS(guest.pickup, host.dropoff) - travelS(host.pickup, host.dropoff);
  return detour(a, b) <= rules.onTheWayS || detour(b, a) <= rules.onTheWayS;
}

/** A courier as stacking sees it. */
export interface StackCourier {
  courierId: string;
  at: Point;
  /** Orders it can still take (capacity − load). */
  freeCapacity: number;
  travelS: TravelTime;
}

export interface StackedMatch extends MatchResult {
  /** Deliveries per courier, in the order they were given; a courier with more than one carries a stack. */
  stacks: Map<string, string[]>;
  /** The planned route of every courier with a stack of two or more. */
  routes: Map<string, Route>;
}

/**
 * Batch matching with stacking. First the exact one-order-per-courier
 * matching; then each delivery it could not serve (more deliveries than free
 * couriers) joins the stack of a matched courier, cheapest added route time
 * first, when: the pair is feasible (so vehicle, cash and decline rules still
 * hold), the courier has room (K and its free capacity), the delivery is
 * stackable with one already in the stack, and a route exists that keeps every
 * order of the stack inside its promised time. Stacking only what would
 * otherwise wait keeps the customers of a free courier's single order from
 * paying for someone else's detour.
 */
export function matchWithStacking(jobs: readonly StackJob[], couriers: readonly StackCourier[], pairs: readonly CandidatePair[], rules: StackRules, nowMs: number, distanceM: (p: Point, q: Point) => number): StackedMatch {
  const base = matchOptimal(jobs.map((j) => j.deliveryId), pairs);
  const jobById = new Map(jobs.map((j) => [j.deliveryId, j]));
  const courierById = new Map(couriers.map((c) => [c.courierId, c]));
  const pairCost = new Map<string, number>();
  for (const p of pairs) if (Number.isFinite(p.cost)) pairCost.set(`${p.deliveryId}|${p.courierId}`, Math.min(p.cost, pairCost.get(`${p.deliveryId}|${p.courierId}`) ?? Infinity));
  const stacks = new Map<string, string[]>();
  const routes = new Map<string, Route>();
  const finish = new Map<string, number>();
  for (const a of base.assignments) {
    stacks.set(a.courierId, [a.deliveryId]);
    const c = courierById.get(a.courierId);
    const route = c ? planRoute(c.at, nowMs, [jobById.get(a.deliveryId)!], rules, c.travelS) : null;
    finish.set(a.courierId, route?.finishMs ?? Infinity);
  }
  const extra: Assignment[] = [];
  let waiting = [...base.unmatched];
  for (;;) {
    let best: { deliveryId: string; courierId: string; added: number; route: Route } | null = null;
    for (const d of waiting) {
      const job = jobById.get(d)!;
      for (const [courierId, stack] of stacks) {
        const c = courierById.get(courierId);
        if (!c || !pairCost.has(`${d}|${courierId}`)) continue;
        if (stack.length >= Math.min(rules.maxOrders, MAX_STACK, c.freeCapacity)) continue;
        const members = stack.map((id) => jobById.get(id)!);
        if (!members.some((m) => stackable(m, job, rules, c.travelS, distanceM))) continue;
        const route = planRoute(c.at, nowMs, [...members, job], rules, c.travelS);
        if (!route) continue;
        const added = route.finishMs - finish.get(courierId)!;
        if (!best || added < best.added) best = { deliveryId: d, courierId, added, route };
      }
    }
    if (!best) break;
    stacks.get(best.courierId)!.push(best.deliveryId);
    routes.set(best.courierId, best.route);
    finish.set(best.courierId, best.route.finishMs);
    extra.push({ deliveryId: best.deliveryId, courierId: best.courierId, cost: pairCost.get(`${best.deliveryId}|${best.courierId}`)! });
    waiting = waiting.filter((d) => d !== best.deliveryId);
  }
  const chosen = new Map([...base.assignments, ...extra].map((a) => [a.deliveryId, a]));
  const assignments = jobs.map((j) => chosen.get(j.deliveryId)).filter((a): a is Assignment => a !== undefined);
  return {
    assignments,
    unmatched: waiting,
    totalCost: assignments.reduce((s, a) => s + a.cost, 0),
    stacks,
    routes,
  };
}
