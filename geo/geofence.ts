import { GeoError } from './errors.js';
import { assertLatLng } from './gps.js';

/**
 * A circle around a pickup or dropoff, attached to one courier.
 *
 * Semantics (evaluated inside apply-fix-3.lua, state kept in Redis so any hub
 * process sees the same state):
 * - `entered` when a fix is within `radiusM` while the fence state is outside;
 * - `exited` only when a fix is beyond `radiusM + marginM` (hysteresis: GPS
 *   jitter around the edge does not flap);
 * - `dwell` once per visit, on the first fix at least `dwellMs` after entering.
 * Events follow fix order (older fixes are ignored) and fire once per transition.
 */
export interface Geofence {
  id: string;
  lat: number;
  lng: number;
  radiusM: number;
  /** Extra distance beyond the radius before `exited` fires (default 30 m). */
  marginM?: number;
  /** Time inside before `dwell` fires (default 60 s). */
  dwellMs?: number;
}

export interface GeofenceEvent {
  courierId: string;
  fenceId: string;
  type: 'entered' | 'exited' | 'dwell';
  /** ts of the fix that caused the transition. */
  ts: number;
}

/** Throw INVALID_GEOFENCE (400) unless the fence is well formed. */
export function assertGeofence(f: Geofence): void {
  if (typeof f !== 'object' || f === null || typeof f.id !== 'string' || !/^[^\s{}]{1,128}$/.test(f.id)) {
    throw new GeoError('INVALID_GEOFENCE', 'geofence id must be 1-128 non-space chars without braces');
  }
  assertLatLng(f.lat, f.lng, 'geofence');
  const bad = (v: unknown, min: number, max: number) => v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max);
  if (typeof f.radiusM !== 'number' || bad(f.radiusM, 1, 50_000)) throw new GeoError('INVALID_GEOFENCE', 'radiusM must be in [1, 50000]');
  if (bad(f.marginM, 0, 10_000)) throw new GeoError('INVALID_GEOFENCE', 'marginM must be in [0, 10000]');
  if (bad(f.dwellMs, 0, 86_400_000)) throw new GeoError('INVALID_GEOFENCE', 'dwellMs must be in [0, 86400000]');
}
