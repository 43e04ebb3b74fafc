import { electronicFormatIBAN, isValidIBAN, isValidBIC } from 'ibantools';
import { AppError } from '../shared/errors.js';

/**
 * Payouts: money a store or courier asked to be sent to their bank. A request reserves the
 * amount in the ledger (a pending transfer), an admin approves or rejects it (reject voids the
 * reservation), and the payout batch job pays approved ones through a PayoutProvider.
 */
export const PAYOUT_OWNERS = ['store', 'courier'] as const;
export type PayoutOwnerKind = (typeof PAYOUT_OWNERS)[number];

/**
 * `sending`: claimed by a payout batch; the provider call is in flight, or failed in a way worth
 * retrying (`nextAttemptAt`). `in_transit`: the provider accepted it and will tell us paid or failed.
 */
export const PAYOUT_STATUSES = ['requested', 'approved', 'rejected', 'sending', 'in_transit', 'paid', 'failed'] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];

/** The one transition table: who may follow whom (a retry keeps a payout `sending`). */
const NEXT: Record<PayoutStatus, readonly PayoutStatus[]> = {
  requested: ['approved', 'rejected'],
  approved: ['sending'],
  sending: ['sending', 'in_transit', 'paid', 'failed'],
  in_transit: ['paid', 'failed'],
  rejected: [],
  paid: [],
  failed: [],
};
export const canMove = (from: PayoutStatus, to: PayoutStatus): boolean => NEXT[from].includes(to);

export interface BankAccount {
  ownerKind: PayoutOwnerKind;
  ownerId: string;
  holderName: string;
  /** Electronic format: upper case, no spaces. */
  iban: string;
  bic: string | null;
  /** The owner's connected account at a Stripe-Connect-style provider (`acct_…`); null: bank transfer only. */
  connectedAccountId: string | null;
  updatedAt: string;
}

export interface Payout {
  id: string;
  ownerKind: PayoutOwnerKind;
  ownerId: string;
  /** The account to tell when it is paid (the store's owner, or the courier). */
  recipientAccountId: string;
  amountMinor: number;
  currency: string;
  status: PayoutStatus;
  holderName: string;
  iban: string;
  bic: string | null;
  requestedBy: string;
  decidedBy: string | null;
  reason: string | null;
  batchId: string | null;
  providerRef: string | null;
  /** Copied from the bank account at request time. */
  connectedAccountId: string | null;
  /** Provider calls made so far (a retry after a transient error counts again). */
  attempts: number;
  /** A `sending` payout is not sent again before this instant (the claim's lease, or the retry's backoff). */
  nextAttemptAt: string | null;
  lastError: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** The ledger account a payout is paid from. */
export const payableKindOf = (k: PayoutOwnerKind) => (k === 'store' ? 'store_payable' : 'courier_earnings') as 'store_payable' | 'courier_earnings';
export const payoutTransferIds = (payoutId: string) => ({ request: `payout:${payoutId}:request`, reject: `payout:${payoutId}:reject`, paid: `payout:${payoutId}:paid`, sent: `payout:${payoutId}:bank`, failed: `payout:${payoutId}:failed` });

const ibanError = (field: string, message: string) => new AppError('IBAN_INVALID', message, { details: [{ field, message }] });

/** Validates an IBAN (country format and check digits, by ibantools) and answers it in electronic format. */
export function normalizeIban(raw: unknown, field = 'iban'): string {
  if (typeof raw !== 'string' || raw.length > 64) throw ibanError(field, 'must be an IBAN');
  const iban = electronicFormatIBAN(raw);
  if (!iban || !isValidIBAN(iban)) throw ibanError(field, 'is not a valid IBAN (country format or check digits)');
  return iban;
}

export function normalizeBic(raw: unknown, field = 'bic'): string | null {
  if (raw === undefined || raw === null || raw === '') return null;
  if (typeof raw !== 'string' || !isValidBIC(raw.toUpperCase())) throw new AppError('VALIDATION_ERROR', 'bic must be a BIC/SWIFT code', { details: [{ field, message: 'invalid BIC' }] });
  return raw.toUpperCase();
}

export const CONNECTED_ACCOUNT = /^acct_[A-Za-z0-9]{1,64}$/;

/** The provider's idempotency key for a payout: the same on every attempt, so it is paid at most once. */
export const payoutIdempotencyKey = (payoutId: string) => `payout:${payoutId}`;

/** How long a claimed payout is left to its batch before another run may resume it (a crashed worker's). */
export const PAYOUT_CLAIM_LEASE_MS = 10 * 60_000;

/** Backoff before retry `attempt + 1`: 1, 2, 4 … minutes, at most an hour. */
export const payoutRetryDelayMs = (attempts: number) => Math.min(60 * 60_000, 60_000 * 2 ** Math.max(0, attempts - 1));
