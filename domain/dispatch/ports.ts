import type { CourierAvailability, Vehicle } from '../shared/vehicles.js';

/**
 * The live fleet, as dispatch sees it: nearest couriers and what the index
 * knows of one courier. Implemented by geo/ CourierIndex (Redis); the
 * delivery world meets the real-time world through this port.
 */
export interface CourierLocator {
  /** Nearest first by great-circle distance; stale couriers (no recent fix) are never returned. */
  nearestCouriers(q: { lat: number; lng: number; radiusM: number; limit: number; filter: { status: CourierAvailability; vehicle?: Vehicle | Vehicle[] } }): Promise<{ courierId: string; distanceM: number }[]>;
  /** Null for a courier the index does not know (never online, or gone offline and swept). */
  getCourier(courierId: string): Promise<{
    state: { status: string; vehicle: string; capacity: number; load: number };
    lastFix: { lat: number; lng: number; ts: number; heading?: number; speed?: number } | null;
    stale: boolean;
  } | null>;
}
