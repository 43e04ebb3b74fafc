/** Great-circle math shared by the TS side and mirrored in the Lua scripts. */

/** Mean Earth radius (IUGG), metres. The Lua scripts use the same constant. */
export const EARTH_RADIUS_M = 6_371_008.8;
const RAD = Math.PI / 180;

/**
 * Haversine distance in metres. The nearest search (`geo/nearest.ts`) and
 * the geofence check in `geo/lua/includes/apply-one.lua` use the same
 * formula and operation order.
 */
export function haversineM(lat1: number, lng1: number, lat2: number, lng2: number): number {
  const s1 = Math.sin((lat2 - lat1) * RAD * 0.5);
  const s2 = Math.sin((lng2 - lng1) * RAD * 0.5);
  const a = s1 * s1 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * s2 * s2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.sqrt(Math.min(1, a)));
}

/** The point reached from (lat,lng) after `distanceM` along initial bearing `bearingDeg`. */
export function destinationPoint(lat: number, lng: number, distanceM: number, bearingDeg: number): { lat: number; lng: number } {
  const d = distanceM / EARTH_RADIUS_M;
  const b = bearingDeg * RAD;
  const p1 = lat * RAD;
  const l1 = lng * RAD;
  const p2 = Math.asin(Math.sin(p1) * Math.cos(d) + Math.cos(p1) * Math.sin(d) * Math.cos(b));
  const l2 = l1 + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(p1), Math.cos(d) - Math.sin(p1) * Math.sin(p2));
  return { lat: p2 / RAD, lng: ((((l2 / RAD) + 540) % 360) - 180) };
}

/** Distances within this tolerance of the radius count as inside (1 µm: a courier placed exactly on the radius is not lost to rounding). */
export const RADIUS_EPSILON_M = 1e-6;
