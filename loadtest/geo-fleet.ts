/** Seeded fleet and query generator shared by the geo benchmark's parent and worker processes. */
import { destinationPoint } from '../geo/distance.js';

export const CITY = { name: 'Damascus', lat: 33.5138, lng: 36.2765, sizeM: 30_000 };

/** mulberry32: tiny, fast, seeded. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const half = CITY.sizeM / 2;
const north = destinationPoint(CITY.lat, CITY.lng, half, 0).lat - CITY.lat;
const east = destinationPoint(CITY.lat, CITY.lng, half, 90).lng - CITY.lng;

/** A uniformly random point in the 30 km × 30 km city square. */
export function cityPoint(r: () => number): { lat: number; lng: number } {
  return { lat: CITY.lat + (r() * 2 - 1) * north, lng: CITY.lng + (r() * 2 - 1) * east };
}

export const VEHICLE_MIX = ['bike', 'motorbike', 'car', 'van'] as const;
