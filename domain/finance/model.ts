import { AppError, type ErrorCode } from '../shared/errors.js';

/**
 * The ledger's words, in the manner of TigerBeetle: accounts hold posted and pending
 * debits and credits; transfers move integer minor units from a debit account to a
 * credit account, are immutable, and are identified by the caller's id (the
 * idempotency key). Balances change only through transfers.
 */

/** Who an account belongs to: the chart of accounts (docs/finance.md). */
export const OWNER_KINDS = [
  'customer_wallet',
  'store_payable',
  'courier_earnings',
  'courier_cash_in_hand',
  'platform_revenue',
  'gateway_clearing',
  'payouts_clearing',
] as const;
export type OwnerKind = (typeof OWNER_KINDS)[number];

export interface AccountFlags {
  /** Pending + posted debits may never exceed posted credits (a balance that must not go negative: a wallet, a payable). */
  debitsMustNotExceedCredits: boolean;
  /** Pending + posted credits may never exceed posted debits (an asset the platform is owed: cash a courier holds). */
  creditsMustNotExceedDebits: boolean;
}

/**
 * The flags each kind of account opens with. Liabilities to a customer, store or courier
 * never go below zero; cash in hand never goes below zero the other way; the platform's
 * revenue and the two clearing accounts are unconstrained (refunds may reverse revenue,
 * clearing accounts swing both ways between capture and settlement).
 */
export const DEFAULT_FLAGS: Record<OwnerKind, AccountFlags> = {
  customer_wallet: { debitsMustNotExceedCredits: true, creditsMustNotExceedDebits: false },
  store_payable: { debitsMustNotExceedCredits: true, creditsMustNotExceedDebits: false },
  courier_earnings: { debitsMustNotExceedCredits: true, creditsMustNotExceedDebits: false },
  courier_cash_in_hand: { debitsMustNotExceedCredits: false, creditsMustNotExceedDebits: true },
  platform_revenue: { debitsMustNotExceedCredits: false, creditsMustNotExceedDebits: false },
  gateway_clearing: { debitsMustNotExceedCredits: false, creditsMustNotExceedDebits: false },
  payouts_clearing: { debitsMustNotExceedCredits: false, creditsMustNotExceedDebits: false },
};

export interface Account {
  id: string;
  /** ISO 4217: the marketplace currency when the account was opened. */
  currency: string;
  ownerKind: OwnerKind;
  /** The store, courier or customer id; `platform` for the platform's own accounts. */
  ownerId: string;
  flags: AccountFlags;
  debitsPending: number;
  debitsPosted: number;
  creditsPending: number;
  creditsPosted: number;
  createdAt: string;
}

/** Balances as owners read them: credit-normal (what the platform owes) and what may still be spent. */
export interface AccountBalance {
  posted: number;
  pending: number;
  /** Posted credits − posted debits − pending debits: what a debit may still take. */
  available: number;
}

export function balanceOf(a: Account): AccountBalance {
  return {
    posted: a.creditsPosted - a.debitsPosted,
    pending: a.creditsPending - a.debitsPending,
    available: a.creditsPosted - a.debitsPosted - a.debitsPending,
  };
}

/**
 * posted: moves money now. pending: reserves it (counted in pending balances) until a
 * post_pending (all or part of it), a void_pending, or its timeout (expire_pending) resolves it.
 */
export const TRANSFER_KINDS = ['posted', 'pending', 'post_pending', 'void_pending', 'expire_pending'] as const;
export type TransferKind = (typeof TRANSFER_KINDS)[number];

export interface Transfer {
  /** Chosen by the caller; the idempotency key. */
  id: string;
  debitAccountId: string;
  creditAccountId: string;
  amountMinor: number;
  currency: string;
  /** Why money moved, e.g. `card_capture`, `order_commission` (docs/finance.md lists them). */
  code: string;
  /** The business object it belongs to, e.g. `order:<id>`. */
  reference: string;
  kind: TransferKind;
  /** For post/void/expire: the pending transfer it resolves. */
  pendingId: string | null;
  /** For pending: seconds until it expires (0: never). */
  timeoutSeconds: number;
  createdAt: string;
}

/** A new movement: posted now, or pending (a reservation) until resolved. */
export interface MovementRequest {
  id: string;
  kind?: 'posted' | 'pending';
  debitAccountId: string;
  creditAccountId: string;
  amountMinor: number;
  currency: string;
  code: string;
  reference: string;
  /** Pending only. */
  timeoutSeconds?: number;
}

/** Resolves a pending transfer. Accounts and currency come from it, and code and reference unless given. */
export interface ResolutionRequest {
  id: string;
  kind: 'post_pending' | 'void_pending';
  pendingId: string;
  /** Post only: at most the pending amount; absent posts it all. */
  amountMinor?: number;
  code?: string;
  reference?: string;
}

/** What the caller asks for. */
export type TransferRequest = MovementRequest | ResolutionRequest;

export const isResolution = (r: TransferRequest): r is ResolutionRequest => r.kind === 'post_pending' || r.kind === 'void_pending';

/** Where a pending transfer stands. It leaves `pending` exactly once. */
export const PENDING_STATUSES = ['pending', 'posted', 'voided', 'expired'] as const;
export type PendingStatus = (typeof PENDING_STATUSES)[number];

export interface PendingState {
  transferId: string;
  status: PendingStatus;
  /** null: never expires. */
  expiresAt: string | null;
  /** The transfer that resolved it. */
  resolvedBy: string | null;
}

export const ledgerError = (code: ErrorCode, message: string, details?: Record<string, unknown>): AppError =>
  new AppError(code, message, details ? { details: [{ message, ...details }] } : {});

/** Thrown by an adapter when a transfer id was taken by a concurrent transaction: the caller re-runs and finds it. */
export class TransferIdTaken extends Error {
  constructor(readonly transferId: string) {
    super(`transfer ${transferId} was inserted concurrently`);
    this.name = 'TransferIdTaken';
  }
}

/** For adapters: the error to throw when a transfer's unique key was taken by a concurrent insert. */
export const transferIdTaken = (ids: string): TransferIdTaken => new TransferIdTaken(ids);

const ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const CODE = /^[a-z][a-z0-9_.]{0,63}$/;

export function assertTransferId(id: unknown, field = 'id'): asserts id is string {
  if (typeof id !== 'string' || !ID.test(id)) throw new AppError('VALIDATION_ERROR', `${field} must be 1–128 letters, digits or _.:-`, { details: [{ field, message: 'invalid id' }] });
}

export function assertAmount(amount: unknown, field = 'amountMinor'): asserts amount is number {
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0) {
    throw ledgerError('LEDGER_AMOUNT_INVALID', 'the amount must be a positive whole number of minor units', { field, value: amount });
  }
}

export function assertCode(code: unknown, field = 'code'): asserts code is string {
  if (typeof code !== 'string' || !CODE.test(code)) throw new AppError('VALIDATION_ERROR', `${field} must be a lower-case code`, { details: [{ field, message: 'invalid code' }] });
}

export function assertReference(reference: unknown, field = 'reference'): asserts reference is string {
  if (typeof reference !== 'string' || reference.length < 1 || reference.length > 256) {
    throw new AppError('VALIDATION_ERROR', `${field} must be 1–256 characters`, { details: [{ field, message: 'invalid reference' }] });
  }
}

/** The fields that make two transfers "the same" for idempotency (everything but the time). */
export const sameTransfer = (a: Transfer, b: Transfer): boolean =>
  a.id === b.id && a.debitAccountId === b.debitAccountId && a.creditAccountId === b.creditAccountId && a.amountMinor === b.amountMinor &&
  a.currency === b.currency && a.code === b.code && a.reference === b.reference && a.kind === b.kind && a.pendingId === b.pendingId &&
  a.timeoutSeconds === b.timeoutSeconds;
