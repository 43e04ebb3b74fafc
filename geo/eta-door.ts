import type { EtaResult, EtaService, EtaSource } from './eta.js';
import type { LatLng, Vehicle } from './types.js';

/** ETA to a destination through waypoints: total seconds and the weakest source among the legs. */
export interface DoorEta {
  seconds: number;
  source: EtaSource;
}

const SOURCE_RANK: Record<EtaSource, number> = { haversine: 0, learned: 1, google: 2 };

/** A sum is only as good as its weakest part. */
function overLegs(rs: EtaResult[]): DoorEta | null {
  if (rs.length === 0) return null;
  let source = rs[0]!.source;
  let seconds = 0;
  for (const r of rs) {
    if (SOURCE_RANK[r.source] < SOURCE_RANK[source]) source = r.source;
    seconds += r.durationS;
  }
  return { seconds: Math.round(seconds), source };
}

/**
 * ETA from `at` through `stops` in order (the last one is the door), leg by
 * leg; null when there are no stops. Legs are asked concurrently.
 */
export async function etaThrough(eta: Pick<EtaService, 'eta'>, at: LatLng, stops: readonly LatLng[], vehicle: Vehicle): Promise<DoorEta | null> {
  const legs: Promise<EtaResult>[] = [];
  let from = at;
  for (const to of stops) {
    legs.push(eta.eta(from, to, vehicle));
    from = to;
  }
  return overLegs(await Promise.all(legs));
}

/**
 * `etaThrough` when it needs no I/O (EtaService.peek answers every leg from
 * memory); undefined when a leg needs Redis. `atCell` is the index cell of
 * `at`, which spares the first leg an H3 lookup.
 */
export function etaThroughNow(eta: Pick<EtaService, 'peek'>, at: LatLng, stops: readonly LatLng[], vehicle: Vehicle, atCell?: string): DoorEta | null | undefined {
  if (stops.length === 1) {
    const r = eta.peek(at, stops[0]!, vehicle, atCell);
    return r ? { seconds: Math.round(r.durationS), source: r.source } : undefined;
  }
  const rs: EtaResult[] = [];
  let from = at;
  for (const to of stops) {
    const r = eta.peek(from, to, vehicle, from === at ? atCell : undefined);
    if (!r) return undefined;
    rs.push(r);
    from = to;
  }
  return overLegs(rs);
}
