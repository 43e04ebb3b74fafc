import type { CourierAvailability, Vehicle } from '../shared/vehicles.js';
import type { DispatchState, Offer, OfferEnd } from './model.js';

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

/**
 * Offers. Implementations: SqlOfferRepository and MongoOfferRepository, both
 * judged by test/contract/dispatch-repositories.test.ts.
 */
export interface OfferRepository {
  /** Inserts; false (nothing written) when an offer with this id exists already (a resumed round). */
  create(offer: Offer): Promise<boolean>;
  findById(id: string): Promise<Offer | null>;
  /** The delivery's pending offer, if any (dispatch keeps at most one). */
  findPendingByDelivery(deliveryId: string): Promise<Offer | null>;
  /** The courier's pending offers (to expire them when the courier disconnects). */
  listPendingByCourier(courierId: string): Promise<Offer[]>;
  /** The delivery's offers, by round. */
  listByDelivery(deliveryId: string): Promise<Offer[]>;
  /**
   * Ends a pending offer: pending → `to`, stamped `at`. Null, and nothing
   * written, when the offer is missing or no longer pending, so an offer ends
   * exactly once however many answers and timers race.
   */
  end(id: string, to: OfferEnd, at: Date, reason: string | null): Promise<Offer | null>;
  /** Offers made at or after `since`, oldest first, at most `limit` (the ops figures of a time window). */
  listOfferedSince(since: Date, limit: number): Promise<Offer[]>;
  /** Offers made to and accepted by each of `courierIds` (absent: none), for the acceptance rate. */
  records(courierIds: readonly string[]): Promise<Map<string, { offered: number; accepted: number }>>;
}

/**
 * Dispatch state, one per delivery. Implementations: SqlDispatchRepository and
 * MongoDispatchRepository, judged by the same contract suite.
 */
export interface DispatchRepository {
  /** Inserts the state unless the delivery has one; returns the stored one either way. */
  open(state: DispatchState): Promise<{ state: DispatchState; created: boolean }>;
  find(deliveryId: string): Promise<DispatchState | null>;
  /** Writes `state` (with its version bumped by the caller) if the stored version is `expectedVersion`; false otherwise. */
  save(state: DispatchState, expectedVersion: number): Promise<boolean>;
  /** Open states, oldest first (the worker resumes these after a restart). */
  listOpen(limit: number): Promise<DispatchState[]>;
  /** How many dispatches are open in `region` (with an offer out or not): whether the region is busy enough to batch. */
  countOpenInRegion(region: string): Promise<number>;
  /** States opened at or after `since`, whatever their status, oldest first, at most `limit` (the ops figures of a time window). */
  listOpenedSince(since: Date, limit: number): Promise<DispatchState[]>;
  /**
   * Serialises a courier's accepts. Called first in an accept's transaction:
   * a concurrent transaction of the same courier waits for this one to end
   * (SQL: the courier's row lock) or conflicts and re-runs (Mongo: both write
   * the courier's document), so the capacity check after it reads every
   * assignment committed before.
   */
  lockCourier(courierId: string, at: Date): Promise<void>;
}

/**
 * The timer of an offer: a delayed job keyed by the offer id, so scheduling
 * twice (a resumed round) leaves one job. Implemented with a BullMQ delayed job.
 */
export interface OfferTimer {
  schedule(offerId: string, expiresAt: Date): Promise<void>;
}

/**
 * What dispatch reads of the order behind a delivery: the courier's fee, whether
 * the courier collects cash, and when the food is expected ready (ms since epoch,
 * null when unknown). Null for a delivery with no marketplace order behind it.
 */
export interface DispatchOrders {
  of(orderId: string): Promise<{ courierFeeMinor: number; cash: boolean; readyAt: number | null } | null>;
}

/**
 * When couriers came online, as far as anyone knows now: the ops figures'
 * time online. Implemented by the hub's presence records (Redis); a courier
 * who is offline now is absent.
 */
export interface CourierShifts {
  onlineSince(courierIds: readonly string[]): Promise<Map<string, number>>;
}
