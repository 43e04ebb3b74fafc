import type { Vehicle } from '../shared/vehicles.js';
import type { CandidatePair } from './matching.js';
import type { CourierLocator } from './ports.js';
import type { Point, StackCourier, StackJob } from './stacking.js';

/** An open delivery in a batch round. */
export interface BatchDelivery extends StackJob {
  /** Vehicles that fit the order (all when absent). */
  vehicles?: Vehicle[];
  /** Couriers that must not get it: those who declined or let it expire, or over their cash limit. */
  excluded?: ReadonlySet<string>;
}

/** A candidate courier as the index reported it. */
export interface BatchCourier {
  courierId: string;
  at: Point;
  vehicle: Vehicle;
  /** Declared capacity and load as the courier index holds them; `freeCapacity` is what the round may still offer. */
  capacity: number;
  load: number;
  freeCapacity: number;
}

export interface BatchCandidates {
  pairs: CandidatePair[];
  couriers: Map<string, BatchCourier>;
}

export interface BatchCandidateDeps {
  locator: CourierLocator;
  /** Seconds from a point to another for a vehicle (the geo ETA layers; the haversine layer in rounds). */
  etaS: (from: Point, to: Point, vehicle: Vehicle) => number;
  /** The cost of one feasible pair from its ETA and the courier (e.g. `candidateCost` of its features). */
  cost: (delivery: BatchDelivery, courier: BatchCourier, etaToPickupS: number) => number;
}

/**
 * The feasible pairs of one round: for each delivery its `k` nearest available
 * couriers within `radiusM` on a fitting vehicle (plus one more per other order
 * waiting at the same store), less the excluded ones and
 * those with no free capacity, each priced by `deps.cost`. Pruning to the k
 * nearest is what keeps a round fast; the matcher is exact over the pairs it
 * gets, so a pair pruned here is a pair it cannot choose (docs/dispatch.md
 * measures what that costs).
 */
export async function buildBatchCandidates(deps: BatchCandidateDeps, deliveries: readonly BatchDelivery[], opts: { k: number; radiusM: number }): Promise<BatchCandidates> {
  // One search per store (and vehicle set): n orders waiting at one store share their nearest
  // couriers, so each gets k + n − 1 of them; with k each, the n orders of a busy store would
  // compete for the same k couriers and some would go unmatched although couriers are free.
  const groups = new Map<string, BatchDelivery[]>();
  for (const d of deliveries) {
    const key = `${d.storeId}|${d.pickup.lat},${d.pickup.lng}|${d.vehicles?.join(',') ?? '*'}`;
    const g = groups.get(key);
    if (g) g.push(d);
    else groups.set(key, [d]);
  }
  const searches = [...groups.values()];
  const nearest = await Promise.all(
    searches.map((g) => {
      const d = g[0]!;
      const excluded = Math.max(...g.map((x) => x.excluded?.size ?? 0));
      return deps.locator.nearestCouriers({
        lat: d.pickup.lat,
        lng: d.pickup.lng,
        radiusM: opts.radiusM,
        limit: opts.k + g.length - 1 + excluded,
        filter: { status: 'available', ...(d.vehicles ? { vehicle: d.vehicles } : {}) },
      });
    }),
  );
  const ids = [...new Set(nearest.flat().map((n) => n.courierId))];
  const views = await Promise.all(ids.map((id) => deps.locator.getCourier(id)));
  const couriers = new Map<string, BatchCourier>();
  ids.forEach((id, i) => {
    const v = views[i];
    if (!v || v.stale || !v.lastFix) return;
    const freeCapacity = v.state.capacity - v.state.load;
    if (freeCapacity <= 0) return;
    couriers.set(id, { courierId: id, at: { lat: v.lastFix.lat, lng: v.lastFix.lng }, vehicle: v.state.vehicle as Vehicle, capacity: v.state.capacity, load: v.state.load, freeCapacity });
  });
  const pairs: CandidatePair[] = [];
  searches.forEach((g, i) => {
    const want = opts.k + g.length - 1;
    for (const d of g) {
      let kept = 0;
      for (const n of nearest[i]!) {
        if (kept >= want) break;
        const c = couriers.get(n.courierId);
        if (!c || d.excluded?.has(c.courierId)) continue;
        kept++;
        pairs.push({ deliveryId: d.deliveryId, courierId: c.courierId, cost: deps.cost(d, c, deps.etaS(c.at, d.pickup, c.vehicle)) });
      }
    }
  });
  return { pairs, couriers };
}

/** The couriers of a round as stacking needs them, with their own vehicle's travel times. */
export function stackCouriers(candidates: BatchCandidates, etaS: BatchCandidateDeps['etaS']): StackCourier[] {
  return [...candidates.couriers.values()].map((c) => ({ courierId: c.courierId, at: c.at, freeCapacity: c.freeCapacity, travelS: (p: Point, q: Point) => etaS(p, q, c.vehicle) }));
}
