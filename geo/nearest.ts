import type { Cluster, Redis } from 'ioredis';
import { RADIUS_EPSILON_M } from './distance.js';
import { GeoError } from './errors.js';
import { assertLatLng } from './gps.js';
import type { KeySpace } from './keys.js';
import type { NearestPlanner } from './plan.js';
import { guarded } from './redis-call.js';
import { geo } from './scripts.js';
import { VEHICLES, isVehicle, type IndexedStatus, type Vehicle } from './types.js';

export interface NearestQuery {
  lat: number;
  lng: number;
  /** Search radius in metres (a courier exactly on it counts as inside). */
  radiusM: number;
  /** Maximum number of couriers returned. */
  limit: number;
  filter: {
    status: IndexedStatus;
    vehicle?: Vehicle | Vehicle[];
    minFreeCapacity?: number;
  };
  /** Couriers whose last fix is older than this are skipped (default: the index's maxAgeS). */
  maxAgeS?: number;
}

export interface NearestCourier {
  courierId: string;
  /** Exact great-circle distance in metres. */
  distanceM: number;
}

export interface NearestDeps {
  redis: Redis | Cluster;
  keys: KeySpace;
  planner: NearestPlanner;
  now: () => number;
  defaultMaxAgeS: number;
  timeoutMs: number;
}

const MAX_LIMIT = 1000;

function vehicleMask(v: Vehicle | Vehicle[] | undefined): string {
  if (v === undefined) return '1111';
  const list = Array.isArray(v) ? v : [v];
  for (const x of list) if (!isVehicle(x)) throw new GeoError('UNKNOWN_VEHICLE', `unknown vehicle ${String(x)}`, { vehicle: x });
  return VEHICLES.map((name) => (list.includes(name) ? '1' : '0')).join('');
}

/** Validate a query; returns the derived script arguments. */
export function prepareQuery(q: NearestQuery, maxRadiusM: number): { statusKey: 'a' | 'b'; mask: string; minFree: number } {
  if (typeof q !== 'object' || q === null) throw new GeoError('INVALID_INPUT', 'query must be an object');
  assertLatLng(q.lat, q.lng, 'query');
  if (typeof q.radiusM !== 'number' || !(q.radiusM > 0) || q.radiusM > maxRadiusM) {
    throw new GeoError('INVALID_INPUT', `radiusM must be in (0, ${Math.floor(maxRadiusM)}]`, { radiusM: q.radiusM });
  }
  if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > MAX_LIMIT) {
    throw new GeoError('INVALID_INPUT', `limit must be an integer in [1, ${MAX_LIMIT}]`, { limit: q.limit });
  }
  const status = q.filter?.status;
  if (status !== 'available' && status !== 'busy') {
    throw new GeoError('UNKNOWN_STATUS', 'filter.status must be available or busy', { status });
  }
  const minFree = q.filter.minFreeCapacity ?? -2147483648;
  if (!Number.isInteger(minFree)) throw new GeoError('INVALID_INPUT', 'minFreeCapacity must be an integer');
  if (q.maxAgeS !== undefined && !(q.maxAgeS > 0)) throw new GeoError('INVALID_INPUT', 'maxAgeS must be positive');
  return { statusKey: status === 'available' ? 'a' : 'b', mask: vehicleMask(q.filter.vehicle), minFree };
}

/**
 * Run a nearest search: plan candidate cells client-side, then one
 * nearest-1.lua call per region touched (usually one), merged here. If a
 * region reports its answer is not provably exact yet, widen the covered
 * radius and ask again; the loop ends at the latest when covered ≥ radius.
 */
export class NearestSearch {
  /** EWMA of the k-th distance of recent answers: where the next search should start. */
  private kthEwmaM: number | undefined;

  constructor(private readonly deps: NearestDeps) {}

  async run(q: NearestQuery, maxRadiusM: number): Promise<NearestCourier[]> {
    const { statusKey, mask, minFree } = prepareQuery(q, maxRadiusM);
    const { redis, keys, planner, now, timeoutMs } = this.deps;
    const minTs = now() - (q.maxAgeS ?? this.deps.defaultMaxAgeS) * 1000;
    const radius = q.radiusM + RADIUS_EPSILON_M;
    let cover = Math.min(radius, Math.max(planner.edgeM, this.kthEwmaM === undefined ? planner.edgeM * 4 : this.kthEwmaM * 1.15 + planner.edgeM * 0.25));

    for (;;) {
      const plan = planner.candidates(q.lat, q.lng, cover, radius);
      const replies = await guarded(redis, 'nearestCouriers', timeoutMs, () => {
        const calls: Promise<unknown>[] = [];
        for (const [region, cells] of plan.byRegion) {
          const rp = keys.regionPrefix(region);
          calls.push(geo(redis).daraaGeo_nearest(keys.seen(rp), rp, statusKey, q.lat, q.lng, radius, q.limit, minTs, mask, minFree, plan.coveredM, cells));
        }
        return (calls.length === 1 ? (calls[0] as Promise<unknown>).then((r) => [r]) : Promise.all(calls)) as Promise<string[]>;
      });
      const complete = replies.every((r) => r.charCodeAt(0) === 49); // '1'
      if (complete || plan.coveredM >= radius || cover >= radius) {
        const top = replies.length === 1 ? toCouriers(replies[0] as string) : mergeReplies(replies, q.limit);
        if (top.length === q.limit) {
          const kth = (top.at(-1) as NearestCourier).distanceM;
          this.kthEwmaM = this.kthEwmaM === undefined ? kth : this.kthEwmaM * 0.9 + kth * 0.1;
        }
        return top;
      }
      cover = Math.min(radius, Math.max(cover * 2, plan.coveredM * 1.5));
    }
  }
}

/** One region's reply ("complete,id,µm,id,µm...") is already sorted, unique and cut to the limit. */
function toCouriers(reply: string): NearestCourier[] {
  const parts = reply.split(',');
  const out: NearestCourier[] = [];
  for (let i = 1; i < parts.length; i += 2) out.push({ courierId: parts[i] as string, distanceM: Number(parts[i + 1]) / 1e6 });
  return out;
}

function mergeReplies(replies: string[], limit: number): NearestCourier[] {
  const merged = new Map<string, number>();
  for (const c of replies.flatMap(toCouriers)) {
    const prev = merged.get(c.courierId);
    // a courier caught mid-move between regions can briefly appear twice: keep the nearer
    if (prev === undefined || c.distanceM < prev) merged.set(c.courierId, c.distanceM);
  }
  const out = [...merged].map(([courierId, distanceM]) => ({ courierId, distanceM }));
  out.sort((a, b) => a.distanceM - b.distanceM);
  return out.slice(0, limit);
}
