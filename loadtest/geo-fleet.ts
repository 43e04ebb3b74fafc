/** Seeded fleet and query generator shared by the geo benchmark's parent and worker processes. */
import { destinationPoint } from '../geo/distance.js';
import { rng } from '../scripts/rng.js';

export { rng };

export const CITY = { name: 'Damascus', lat: 33.5138, lng: 36.2765, sizeM: 30_000 };

const half = CITY.sizeM / 2;
const north = destinationPoint(CITY.lat, CITY.lng, half, 0).lat - CITY.lat;
const east = destinationPoint(CITY.lat, CITY.lng, half, 90).lng - CITY.lng;

/** A uniformly random point in the 30 km × 30 km city square. */
export function cityPoint(r: () => number): { lat: number; lng: number } {
  return { lat: CITY.lat + (r() * 2 - 1) * north, lng: CITY.lng + (r() * 2 - 1) * east };
}

export const VEHICLE_MIX = ['bike', 'motorbike', 'car', 'van'] as const;
