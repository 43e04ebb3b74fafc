import { haversineM } from './distance.js';
import { GeoError } from './errors.js';
import { VEHICLE_PROFILE, type Fix, type Vehicle } from './types.js';

/** Quality flags attached to an applied fix. Flagged fixes are still applied. */
export type GpsFlag = 'teleport' | 'poor_accuracy' | 'mock_location';

export interface GpsPolicy {
  /** A fix stamped further than this in the future is rejected (device clock skew allowance). */
  maxFutureMs: number;
  /** Accuracy radius above which a fix is flagged `poor_accuracy`. */
  poorAccuracyM: number;
  /** Jumps shorter than this are never called teleports (GPS jitter while parked). */
  teleportMinJumpM: number;
}

export const DEFAULT_GPS_POLICY: GpsPolicy = { maxFutureMs: 60_000, poorAccuracyM: 100, teleportMinJumpM: 200 };

const ID_PATTERN = /^[A-Za-z0-9_.:@-]{1,128}$/;

/**
 * Throw a VALIDATION_ERROR GeoError unless `id` is a safe courier id. Braces
 * and whitespace are refused because ids end up inside Redis hash tags.
 */
export function assertCourierId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    throw new GeoError('INVALID_INPUT', 'courierId must be 1-128 chars of [A-Za-z0-9_.:@-]', { field: 'courierId' });
  }
}

/** Throw INVALID_COORDINATE unless lat/lng are finite and within WGS84 ranges. */
export function assertLatLng(lat: unknown, lng: unknown, field = 'position'): void {
  if (typeof lat !== 'number' || typeof lng !== 'number' || !Number.isFinite(lat) || !Number.isFinite(lng) || lat < -90 || lat > 90 || lng < -180 || lng > 180) {
    throw new GeoError('INVALID_COORDINATE', `${field} must have finite lat in [-90,90] and lng in [-180,180]`, { field, lat, lng });
  }
}

const optionalFinite = (v: unknown, name: string, min: number, max: number): void => {
  if (v === undefined || v === null) return;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new GeoError('INVALID_INPUT', `${name} must be a finite number in [${min}, ${max}]`, { field: name, value: v });
  }
};

/** A validated fix: `ts` is the ordering time; `deviceTs` is the device's own stamp when that was ahead of the server. */
export interface ValidFix extends Fix {
  deviceTs?: number;
}

/**
 * Validate one fix from a device. Rejects NaN/out-of-range coordinates,
 * malformed optional fields and timestamps more than `maxFutureMs` ahead of
 * `nowMs`. Returns the fix with `ts` floored to whole milliseconds (trail ids
 * and ordering use integer ms).
 *
 * A stamp ahead of the server (within the allowance) is ordered at the
 * server's time instead (`ts` = `nowMs`) and kept as `deviceTs`: a phone
 * whose clock runs ahead must not make its own later, honest fixes look
 * older than the stored one (they would be ignored until real time caught
 * up), nor stay fresh longer than `maxAgeS` of server time.
 */
export function validateFix(fix: Fix, nowMs: number, policy: GpsPolicy = DEFAULT_GPS_POLICY): ValidFix {
  if (typeof fix !== 'object' || fix === null) throw new GeoError('INVALID_INPUT', 'fix must be an object');
  assertCourierId(fix.courierId);
  assertLatLng(fix.lat, fix.lng, 'fix');
  if (typeof fix.ts !== 'number' || !Number.isFinite(fix.ts) || fix.ts <= 0) {
    throw new GeoError('INVALID_TIMESTAMP', 'fix.ts must be a positive epoch-millisecond number', { ts: fix.ts });
  }
  if (fix.ts > nowMs + policy.maxFutureMs) {
    throw new GeoError('INVALID_TIMESTAMP', 'fix.ts is too far in the future', { ts: fix.ts, nowMs, maxFutureMs: policy.maxFutureMs });
  }
  optionalFinite(fix.accuracy, 'accuracy', 0, 1e6);
  optionalFinite(fix.speed, 'speed', 0, 1000);
  optionalFinite(fix.heading, 'heading', -360, 360);
  const ts = Math.floor(fix.ts);
  const now = Math.floor(nowMs);
  if (ts > now) return { ...fix, ts: now, deviceTs: ts };
  return ts === fix.ts ? fix : { ...fix, ts };
}

export interface PreviousFix {
  lat: number;
  lng: number;
  ts: number;
}

/**
 * Quality flags for an accepted fix, given the courier's previous fix.
 * A teleport is a jump faster than the vehicle could plausibly travel, after
 * granting the new fix its own accuracy radius as slack.
 */
export function gpsFlags(fix: Fix, prev: PreviousFix | null, vehicle: Vehicle | null, policy: GpsPolicy = DEFAULT_GPS_POLICY): GpsFlag[] {
  const flags: GpsFlag[] = [];
  if (prev && vehicle) {
    const jumpM = haversineM(prev.lat, prev.lng, fix.lat, fix.lng) - (fix.accuracy ?? 0);
    const dtS = Math.max((fix.ts - prev.ts) / 1000, 0.001);
    if (jumpM > policy.teleportMinJumpM && jumpM / dtS > VEHICLE_PROFILE[vehicle].maxPlausibleMps) flags.push('teleport');
  }
  if (fix.accuracy !== undefined && fix.accuracy > policy.poorAccuracyM) flags.push('poor_accuracy');
  if (fix.mock === true) flags.push('mock_location');
  return flags;
}
