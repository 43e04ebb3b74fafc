import type { SettingValue } from '../platform/settings.js';

/**
 * What dispatch knows of one candidate courier for one delivery, in the units
 * the score reads. Built by {@link candidateFeatures}; every field is a finite number.
 */
export interface CandidateFeatures {
  /** Seconds for the courier to reach the store, from the geo ETA layers. */
  etaToPickupS: number;
  /** Seconds the courier would stand at the store before the food is ready (0 when it is ready on arrival). */
  waitAtStoreS: number;
  /** Seconds since the courier's last job ended (or since they came online, if they had none): the fairness term. */
  idleS: number;
  /** Share of offers the courier accepts, 0–1, smoothed by {@link acceptanceRateOf}. */
  acceptanceRate: number;
}

/**
 * The `dispatch.weights` setting (shares that add up to 1) with the
 * `dispatch.scoreScales` setting (the seconds that count as one unit of each time feature).
 */
export type ScoreWeights = SettingValue<'dispatch.weights'> & { scales: SettingValue<'dispatch.scoreScales'> };

const FEATURES = ['etaToPickupS', 'waitAtStoreS', 'idleS', 'acceptanceRate'] as const;
const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));

/**
 * The cost of offering a delivery to a candidate: lower is better, 0 is the
 * best possible, never negative. A weighted sum of four terms, each made
 * unitless by its scale:
 *
 * - ETA to the store: `etaToPickupS / scales.etaS`, not capped, so far couriers keep ranking by distance;
 * - wait at the store: `waitAtStoreS / scales.waitAtStoreS`, not capped (a courier early by an hour is wasted);
 * - idle time: `1 − min(idleS / scales.idleS, 1)`, so the longest-idle courier is favoured, but
 *   only up to the scale: beyond it every idle courier is equally owed a job;
 * - acceptance: `1 − acceptanceRate`.
 *
 * Pure and cheap (no allocation), because the batch matcher calls it once per
 * (delivery, courier) pair. Throws RangeError for a feature that is not a
 * finite number: a NaN would silently sort anywhere.
 */
export function candidateCost(features: CandidateFeatures, weights: ScoreWeights): number {
  for (const k of FEATURES) {
    if (!Number.isFinite(features[k])) throw new RangeError(`candidate feature ${k} must be a finite number, got ${features[k]}`);
  }
  const { scales } = weights;
  const eta = Math.max(0, features.etaToPickupS) / scales.etaS;
  const wait = Math.max(0, features.waitAtStoreS) / scales.waitAtStoreS;
  const idle = 1 - clamp01(features.idleS / scales.idleS);
  const refusal = 1 - clamp01(features.acceptanceRate);
  return weights.eta * eta + weights.waitAtStore * wait + weights.idle * idle + weights.acceptanceRate * refusal;
}

/** A newcomer is assumed to accept this share of offers… */
const PRIOR_RATE = 0.8;
/** …with the weight of this many offers, so two early declines do not bury them. */
const PRIOR_OFFERS = 5;

/**
 * A courier's acceptance rate, smoothed toward a prior (0.8 over 5 offers):
 * `(accepted + 4) / (offered + 5)`. A courier with no record gets 0.8.
 */
export function acceptanceRateOf(record: { offered: number; accepted: number }): number {
  const offered = Math.max(0, record.offered);
  const accepted = Math.min(offered, Math.max(0, record.accepted));
  return (accepted + PRIOR_RATE * PRIOR_OFFERS) / (offered + PRIOR_OFFERS);
}

/**
 * The features of one candidate from what dispatch reads (all times in ms since epoch).
 * `readyAt` null means the food is ready now; `lastJobEndedAt` null falls back to
 * `onlineSince`, and both null to 0 idle seconds.
 */
export function candidateFeatures(input: {
  now: number;
  etaToPickupS: number;
  readyAt: number | null;
  lastJobEndedAt: number | null;
  onlineSince: number | null;
  offers: { offered: number; accepted: number };
}): CandidateFeatures {
  const arrival = input.now + input.etaToPickupS * 1000;
  const waitAtStoreS = input.readyAt === null ? 0 : Math.max(0, Math.round((input.readyAt - arrival) / 1000));
  const since = input.lastJobEndedAt ?? input.onlineSince;
  const idleS = since === null ? 0 : Math.max(0, Math.round((input.now - since) / 1000));
  return { etaToPickupS: input.etaToPickupS, waitAtStoreS, idleS, acceptanceRate: acceptanceRateOf(input.offers) };
}

/** Candidates with their cost, cheapest first; equal costs keep a stable order by courier id. */
export function rankCandidates<C extends { courierId: string; features: CandidateFeatures }>(candidates: readonly C[], weights: ScoreWeights): (C & { cost: number })[] {
  return candidates
    .map((c) => ({ ...c, cost: candidateCost(c.features, weights) }))
    .sort((a, b) => a.cost - b.cost || (a.courierId < b.courierId ? -1 : a.courierId > b.courierId ? 1 : 0));
}
