/**
 * What the hub load generator needs to know about the seeded fleet, and how a
 * courier moves. Shared by the bench's parent, its generator processes and
 * the Artillery processor's TypeScript twin (kept in step by hand: see
 * loadtest/artillery/processor.cjs).
 */

export interface FleetCourier {
  courierId: string;
  token: string;
  /** One order this courier carries (the bare relay is told it; the hub looks it up). */
  orderId: string;
  /** Centre of the loop the courier drives (metres away from every pickup and dropoff, so no geofence fires). */
  lat: number;
  lng: number;
}

export interface FleetWatcher {
  customerId: string;
  token: string;
  orderId: string;
}

export interface Fleet {
  couriers: FleetCourier[];
  watchers: FleetWatcher[];
}

/** Radius of the loop a courier drives, and its speed: a constant 8 m/s whatever the fix rate, so no fix looks like a teleport. */
export const LOOP_RADIUS_M = 150;
export const SPEED_MPS = 8;
const M_PER_DEG_LAT = 111_320;

/** Position, heading and speed of a courier driving its loop, `tS` seconds after it started at angle `phase`. */
export function loopPosition(centre: { lat: number; lng: number }, phase: number, tS: number): { lat: number; lng: number; heading: number; speed: number } {
  const theta = phase + (SPEED_MPS / LOOP_RADIUS_M) * tS;
  const mPerDegLng = M_PER_DEG_LAT * Math.cos((centre.lat * Math.PI) / 180);
  const lat = centre.lat + (LOOP_RADIUS_M * Math.cos(theta)) / M_PER_DEG_LAT;
  const lng = centre.lng + (LOOP_RADIUS_M * Math.sin(theta)) / mPerDegLng;
  // Moving counter-clockwise in (north, east) space: the tangent is (−sin θ, cos θ); heading is clockwise from north.
  const headingDeg = (Math.atan2(Math.cos(theta), -Math.sin(theta)) * 180) / Math.PI;
  return { lat: round6(lat), lng: round6(lng), heading: Math.round(((headingDeg % 360) + 360) % 360), speed: SPEED_MPS };
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
