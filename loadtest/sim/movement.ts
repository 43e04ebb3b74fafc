/**
 * How a simulated courier moves: along straight lines at the vehicle's
 * straight-line speed (the speed the geo engine's first ETA layer assumes, so
 * the server's ETAs and the couriers agree), one stop after another. Pure.
 */
import { haversineM } from '../../geo/distance.js';
import { crowFlySpeed } from '../../geo/speeds.js';
import type { Vehicle } from '../../geo/types.js';
import type { Point } from './plan.js';

/** Metres per simulated second along a straight line. */
export const speedMpsOf = (vehicle: Vehicle): number => crowFlySpeed(vehicle);

export const distanceM = (a: Point, b: Point): number => haversineM(a.lat, a.lng, b.lat, b.lng);

/** From `from` toward `to` by at most `metres` on the straight line; `arrived` when `to` is reached (exactly). */
export function advance(from: Point, to: Point, metres: number): { at: Point; arrived: boolean; movedM: number } {
  const d = distanceM(from, to);
  if (d <= metres || d === 0) return { at: { lat: to.lat, lng: to.lng }, arrived: true, movedM: d };
  const f = Math.max(0, metres) / d;
  return { at: { lat: from.lat + (to.lat - from.lat) * f, lng: from.lng + (to.lng - from.lng) * f }, arrived: false, movedM: Math.max(0, metres) };
}

export interface CarriedJob {
  deliveryId: string;
  pickup: Point;
  dropoff: Point;
  /** On board: the next stop of this job is its dropoff. */
  pickedUp: boolean;
}

export interface Stop {
  deliveryId: string;
  stop: 'pickup' | 'dropoff';
  point: Point;
}

/**
 * Where to go next with these jobs: the nearest of the pickups still to make
 * and the dropoffs of what is on board. Nearest-first serves a same-store
 * stack (both pickups at one point, then the nearer door) and an on-the-way
 * pickup the way a courier would. Null with nothing to do.
 */
export function nextStop(at: Point, jobs: readonly CarriedJob[]): Stop | null {
  let best: Stop | null = null;
  let bestM = Infinity;
  for (const j of jobs) {
    const stop: Stop = j.pickedUp ? { deliveryId: j.deliveryId, stop: 'dropoff', point: j.dropoff } : { deliveryId: j.deliveryId, stop: 'pickup', point: j.pickup };
    const m = distanceM(at, stop.point);
    if (m < bestM) {
      best = stop;
      bestM = m;
    }
  }
  return best;
}

/**
 * The wall-clock gap between two fixes of a moving courier: the simulated
 * distance per fix stays under `maxJumpM` (the hub calls a longer implausible
 * jump a teleport), and fixes are never more often than `minGapMs` apart.
 */
export function fixGapMs(speedMps: number, compression: number, maxJumpM = 150, minGapMs = 250, maxGapMs = 1_000): number {
  const wallMps = speedMps * compression;
  return Math.round(Math.min(maxGapMs, Math.max(minGapMs, (maxJumpM / wallMps) * 1000)));
}
