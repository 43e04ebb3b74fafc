import { AppError, validationError } from '../shared/errors.js';
import type { Coordinate } from '../shared/coordinate.js';
import type { SettingValue } from '../platform/settings.js';

export const OFFER_STATUSES = ['pending', 'accepted', 'declined', 'expired'] as const;
export type OfferStatus = (typeof OFFER_STATUSES)[number];
/** An offer ends exactly once, in one of these. */
export type OfferEnd = Exclude<OfferStatus, 'pending'>;

/**
 * A delivery proposed to one courier, for one round of its dispatch. The id is
 * `<deliveryId>:<round>`, so a worker that resumes a round after a crash makes
 * the same offer, never a second one.
 */
export interface Offer {
  id: string;
  deliveryId: string;
  orderId: string;
  courierId: string;
  round: number;
  status: OfferStatus;
  pickup: Coordinate;
  dropoff: Coordinate;
  /** What the courier earns for the delivery, integer minor units. */
  feeMinor: number;
  /** Cash on delivery: the courier collects the order total from the customer. */
  cash: boolean;
  /** The candidate's score when it was made (lower is better; see scoring.ts). */
  cost: number;
  offeredAt: string;
  expiresAt: string;
  /** When it was accepted, declined or expired; null while pending. */
  endedAt: string | null;
  /** Why it expired when not by its timer (`disconnected`, `withdrawn`), or the courier's decline reason. */
  endReason: string | null;
}

export const offerId = (deliveryId: string, round: number): string => `${deliveryId}:${round}`;

export function newOffer(input: Omit<Offer, 'id' | 'status' | 'endedAt' | 'endReason' | 'offeredAt' | 'expiresAt'> & { at: Date; timeoutS: number }): Offer {
  for (const key of ['deliveryId', 'orderId', 'courierId'] as const) {
    if (!input[key] || input[key].length > 128) throw validationError(`${key} is required`, [{ field: key, message: 'is required' }]);
  }
  if (!Number.isInteger(input.round) || input.round < 1) throw validationError('round must be a positive integer', [{ field: 'round', message: 'must be a positive integer' }]);
  if (!Number.isSafeInteger(input.feeMinor) || input.feeMinor < 0) throw validationError('feeMinor must be whole minor units', [{ field: 'feeMinor', message: 'must be whole minor units' }]);
  const { at, timeoutS, ...rest } = input;
  return {
    ...rest,
    id: offerId(input.deliveryId, input.round),
    status: 'pending',
    offeredAt: at.toISOString(),
    expiresAt: new Date(at.getTime() + timeoutS * 1000).toISOString(),
    endedAt: null,
    endReason: null,
  };
}

/**
 * Why an offer ended when the delivery went elsewhere: a dispatcher assigned it
 * by hand (`withdrawn`) or another courier took it (`taken`). Answering such an
 * offer is a CONFLICT (someone else won), not an expiry.
 */
export const TAKEN_REASONS: readonly string[] = ['withdrawn', 'taken'];

/**
 * Why answering `offer` with `answer` changes nothing, as the coded error the
 * courier's ack carries; null when the answer may proceed. A pending offer
 * past its expiry counts as expired even before the timer job has ended it.
 */
export function answerRefusal(offer: Offer, answer: 'accept' | 'decline', now: Date): AppError | null {
  switch (offer.status) {
    case 'accepted':
      return new AppError('OFFER_ALREADY_ACCEPTED', answer === 'accept' ? 'You already accepted this offer' : 'You accepted this offer; it cannot be declined now');
    case 'declined':
      return new AppError('OFFER_ALREADY_DECLINED', 'You already declined this offer');
    case 'expired':
      if (offer.endReason !== null && TAKEN_REASONS.includes(offer.endReason)) {
        return new AppError('CONFLICT', 'This delivery went to another courier', { details: [{ reason: 'delivery_taken', message: `the offer was ${offer.endReason} at ${offer.endedAt}` }] });
      }
      return new AppError('OFFER_EXPIRED', 'This offer has expired', { details: [{ reason: offer.endReason ?? 'timeout', message: `expired at ${offer.endedAt}` }] });
    case 'pending':
      return now.getTime() >= Date.parse(offer.expiresAt) ? new AppError('OFFER_EXPIRED', 'This offer has expired', { details: [{ reason: 'timeout', message: `expired at ${offer.expiresAt}` }] }) : null;
  }
}

export const DISPATCH_STATUSES = ['open', 'assigned', 'closed'] as const;
export type DispatchStatus = (typeof DISPATCH_STATUSES)[number];

/**
 * Dispatch's memory of one delivery: which round it is in (one offer per
 * round), how far it searches, and who must not be asked again (they declined,
 * let an offer expire, or were unassigned). Persisted, so a restarted worker
 * resumes where the last one stopped.
 */
export interface DispatchState {
  deliveryId: string;
  orderId: string;
  /** `open` while it looks for a courier; `assigned` once one accepted or was assigned; `closed` when the delivery ended. */
  status: DispatchStatus;
  /** Rounds started so far (0 before the first offer). */
  round: number;
  radiusM: number;
  excluded: string[];
  /** When ops were alerted that no courier took it (once per opening). */
  alertedAt: string | null;
  /** Couriers assigned so far (an accepted offer or by hand): more than one means it was reassigned. */
  assignments: number;
  /** The first assignment, for the time to assign. */
  firstAssignedAt: string | null;
  /**
   * The region of the pickup (the courier index's region cell), set when a
   * round opens the dispatch: how busy a region is (`countOpenInRegion`)
   * decides whether its new deliveries wait for the batch round. Null for a
   * dispatch opened another way (by hand).
   */
  region: string | null;
  openedAt: string;
  updatedAt: string;
  /** Optimistic concurrency: bumped by every save. */
  version: number;
}

export function newDispatchState(input: { deliveryId: string; orderId: string; radiusM: number; at: Date; region?: string | null }): DispatchState {
  const at = input.at.toISOString();
  return { deliveryId: input.deliveryId, orderId: input.orderId, status: 'open', round: 0, radiusM: input.radiusM, excluded: [], alertedAt: null, assignments: 0, firstAssignedAt: null, region: input.region ?? null, openedAt: at, updatedAt: at, version: 1 };
}

/** The search radius of round `round` (1-based): `radiusM`, times `widenFactor` every `widenEveryRounds` rounds, capped. */
export function radiusForRound(rounds: SettingValue<'dispatch.rounds'>, round: number): number {
  const widenings = Math.floor(Math.max(0, round - 1) / rounds.widenEveryRounds);
  return Math.min(rounds.maxRadiusM, Math.round(rounds.radiusM * rounds.widenFactor ** widenings));
}

/** Ops hear of a delivery nobody took once, when it reaches `alertAfterRounds`. */
export const needsOpsAlert = (rounds: SettingValue<'dispatch.rounds'>, state: DispatchState): boolean => state.alertedAt === null && state.round >= rounds.alertAfterRounds;

/** The state once a courier was assigned at `at` (by accepting or by hand): dispatch stops looking. */
export const assignedAt = (state: DispatchState, at: Date): DispatchState => ({
  ...state,
  status: 'assigned',
  assignments: state.assignments + 1,
  firstAssignedAt: state.firstAssignedAt ?? at.toISOString(),
});

/** The state with `courierId` excluded from later rounds (kept once). */
export const excluding = (state: DispatchState, courierId: string): DispatchState =>
  state.excluded.includes(courierId) ? state : { ...state, excluded: [...state.excluded, courierId] };
