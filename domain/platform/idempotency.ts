/**
 * Idempotency keys: the client's id for a request, so a retry gets the first
 * answer instead of doing the work twice. The HTTP layer (api/middleware/idempotency.ts)
 * claims a key before the handler runs and stores the answer after it succeeds.
 *
 * They live in the platform context, beside the audit log and the settings: a
 * stored, purged record about requests, not a rule of any one business context,
 * and no domain model refers to it (only ports and the API do).
 */

/** A stored answer, replayed byte for byte (the envelope as JSON). */
export interface StoredResponse {
  status: number;
  body: unknown;
  /** The few headers worth replaying (e.g. Location); never rate-limit or request-id headers. */
  headers: Record<string, string>;
}

export type IdempotencyState = 'in_flight' | 'completed';

export interface IdempotencyRecord {
  /** Who and where: the caller's account (or "anonymous") and the route, so two callers' keys never meet. */
  scope: string;
  key: string;
  /** A hash of method, path and canonical body: the same key with another request is refused. */
  fingerprint: string;
  state: IdempotencyState;
  /** Held by the request that claimed the key; only it may complete or release the record. */
  claimToken: string;
  /** An in-flight claim older than this is the leftover of a process that died, and may be taken over. */
  lockedUntil: Date;
  response: StoredResponse | null;
  createdAt: Date;
}

/** What a claim found when it could not take the key: the record another request holds or completed. */
export type ClaimResult = { claimed: true } | { claimed: false; record: IdempotencyRecord };

/** How long a key is kept: a retry within this window replays, after it the key is new again. */
export const IDEMPOTENCY_KEEP_MS = 24 * 3_600_000;
