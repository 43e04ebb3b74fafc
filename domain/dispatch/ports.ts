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

/**
 * Cash a courier holds for the platform, as dispatch needs it: a courier whose
 * cash in hand has reached their limit gets no cash-on-delivery offers until
 * they remit. Implemented by Finance (the ledger's cash-in-hand accounts and
 * the cash limit setting); registered in the container as `courierCashLimit`.
 */
export interface CourierCashLimit {
  /** The couriers among `courierIds` whose cash in hand is at or over their limit. */
  overLimit(courierIds: readonly string[]): Promise<Set<string>>;
}
