import { AppError } from '../shared/errors.js';
import {
  assertAmount, assertCode, assertReference, assertTransferId, isResolution, ledgerError,
  type Account, type PendingState, type Transfer, type TransferRequest,
} from './model.js';

/**
 * The ledger's rules, as pure functions over accounts and pending states held in memory
 * for one transaction. The adapters only load (locked) and store; every rule lives here.
 */

const MAX_TIMEOUT_SECONDS = 366 * 24 * 3600;

/** Checks a request's own fields, before any database is touched. */
export function checkRequest(req: TransferRequest, field = 'transfer'): void {
  if (req === null || typeof req !== 'object') throw new AppError('VALIDATION_ERROR', `${field} must be an object`);
  assertTransferId(req.id, `${field}.id`);
  if (isResolution(req)) {
    assertTransferId(req.pendingId, `${field}.pendingId`);
    if (req.amountMinor !== undefined) assertAmount(req.amountMinor, `${field}.amountMinor`);
    if (req.code !== undefined) assertCode(req.code, `${field}.code`);
    if (req.reference !== undefined) assertReference(req.reference, `${field}.reference`);
    return;
  }
  if (req.kind !== undefined && req.kind !== 'posted' && req.kind !== 'pending') {
    throw new AppError('VALIDATION_ERROR', `${field}.kind must be posted, pending, post_pending or void_pending`, { details: [{ field: `${field}.kind`, message: 'unknown kind' }] });
  }
  assertTransferId(req.debitAccountId, `${field}.debitAccountId`);
  assertTransferId(req.creditAccountId, `${field}.creditAccountId`);
  assertAmount(req.amountMinor, `${field}.amountMinor`);
  if (typeof req.currency !== 'string' || !/^[A-Z]{3}$/.test(req.currency)) throw new AppError('VALIDATION_ERROR', `${field}.currency must be an ISO 4217 code`, { details: [{ field: `${field}.currency`, message: 'invalid currency' }] });
  assertCode(req.code, `${field}.code`);
  assertReference(req.reference, `${field}.reference`);
  const timeout = req.timeoutSeconds ?? 0;
  if (!Number.isInteger(timeout) || timeout < 0 || timeout > MAX_TIMEOUT_SECONDS || (timeout > 0 && req.kind !== 'pending')) {
    throw new AppError('VALIDATION_ERROR', `${field}.timeoutSeconds must be whole seconds, and only on a pending transfer`, { details: [{ field: `${field}.timeoutSeconds`, message: 'invalid timeout' }] });
  }
}

/**
 * The full transfer a request stands for. Post and void take their accounts, currency and
 * (unless given) code and reference from the pending transfer; a post without an amount posts
 * all of it. The result is what a retry is compared against.
 */
export function normalize(req: TransferRequest, pending: Transfer | null, now: Date): Transfer {
  const createdAt = now.toISOString();
  if (isResolution(req)) {
    if (!pending || pending.kind !== 'pending') throw ledgerError('LEDGER_PENDING_NOT_FOUND', `there is no pending transfer ${req.pendingId}`, { transferId: req.id, pendingId: req.pendingId });
    const amountMinor = req.kind === 'post_pending' ? (req.amountMinor ?? pending.amountMinor) : pending.amountMinor;
    return {
      id: req.id, debitAccountId: pending.debitAccountId, creditAccountId: pending.creditAccountId, amountMinor, currency: pending.currency,
      code: req.code ?? pending.code, reference: req.reference ?? pending.reference, kind: req.kind, pendingId: pending.id, timeoutSeconds: 0, createdAt,
    };
  }
  return {
    id: req.id, debitAccountId: req.debitAccountId, creditAccountId: req.creditAccountId, amountMinor: req.amountMinor, currency: req.currency,
    code: req.code, reference: req.reference, kind: req.kind ?? 'posted', pendingId: null, timeoutSeconds: req.kind === 'pending' ? (req.timeoutSeconds ?? 0) : 0, createdAt,
  };
}

/** An expiry: the void the ledger writes itself when a pending transfer times out. Its id is derived, so expiring twice is one transfer. */
export function expiryOf(pending: Transfer, now: Date): Transfer {
  return {
    id: `${pending.id}:expired`.slice(0, 128), debitAccountId: pending.debitAccountId, creditAccountId: pending.creditAccountId, amountMinor: pending.amountMinor,
    currency: pending.currency, code: pending.code, reference: pending.reference, kind: 'expire_pending', pendingId: pending.id, timeoutSeconds: 0, createdAt: now.toISOString(),
  };
}

export interface Working {
  accounts: Map<string, Account>;
  /** Pending transfers this batch may resolve, by id. */
  pendingTransfers: Map<string, Transfer>;
  pendingStates: Map<string, PendingState>;
}

function accountFor(w: Working, id: string, t: Transfer): Account {
  const a = w.accounts.get(id);
  if (!a) throw ledgerError('LEDGER_ACCOUNT_NOT_FOUND', `there is no account ${id}`, { transferId: t.id, accountId: id });
  return a;
}

function assertWithinLimits(a: Account, t: Transfer): void {
  if (a.flags.debitsMustNotExceedCredits && a.debitsPending + a.debitsPosted > a.creditsPosted) {
    throw ledgerError('LEDGER_EXCEEDS_CREDITS', `account ${a.id} may not be debited past its credits`, { transferId: t.id, accountId: a.id, availableMinor: Math.max(0, a.creditsPosted - a.debitsPosted - a.debitsPending + t.amountMinor) });
  }
  if (a.flags.creditsMustNotExceedDebits && a.creditsPending + a.creditsPosted > a.debitsPosted) {
    throw ledgerError('LEDGER_EXCEEDS_DEBITS', `account ${a.id} may not be credited past its debits`, { transferId: t.id, accountId: a.id });
  }
}

/**
 * Applies one new transfer to the working set (mutating copies of its two accounts), or
 * throws a coded error. The caller discards the working set on a throw, so a refused
 * transfer leaves every balance as it was.
 */
export function apply(w: Working, t: Transfer, now: Date): void {
  if (t.debitAccountId === t.creditAccountId) throw ledgerError('LEDGER_SAME_ACCOUNT', 'a transfer must debit and credit two different accounts', { transferId: t.id });
  const debit = { ...accountFor(w, t.debitAccountId, t) };
  const credit = { ...accountFor(w, t.creditAccountId, t) };
  if (debit.currency !== t.currency || credit.currency !== t.currency) {
    throw ledgerError('LEDGER_CURRENCY_MISMATCH', `the transfer is in ${t.currency}; the accounts are in ${debit.currency} and ${credit.currency}`, { transferId: t.id });
  }
  switch (t.kind) {
    case 'posted':
      debit.debitsPosted += t.amountMinor;
      credit.creditsPosted += t.amountMinor;
      break;
    case 'pending':
      debit.debitsPending += t.amountMinor;
      credit.creditsPending += t.amountMinor;
      w.pendingTransfers.set(t.id, t);
      w.pendingStates.set(t.id, { transferId: t.id, status: 'pending', expiresAt: t.timeoutSeconds > 0 ? new Date(Date.parse(t.createdAt) + t.timeoutSeconds * 1000).toISOString() : null, resolvedBy: null });
      break;
    default: {
      const pending = w.pendingTransfers.get(t.pendingId!);
      const state = w.pendingStates.get(t.pendingId!);
      if (!pending || !state) throw ledgerError('LEDGER_PENDING_NOT_FOUND', `there is no pending transfer ${t.pendingId}`, { transferId: t.id, pendingId: t.pendingId });
      if (state.status === 'posted') throw ledgerError('LEDGER_PENDING_ALREADY_POSTED', `pending transfer ${pending.id} was already posted`, { transferId: t.id, pendingId: pending.id, resolvedBy: state.resolvedBy });
      if (state.status === 'voided') throw ledgerError('LEDGER_PENDING_ALREADY_VOIDED', `pending transfer ${pending.id} was already voided`, { transferId: t.id, pendingId: pending.id, resolvedBy: state.resolvedBy });
      if (state.status === 'expired') throw ledgerError('LEDGER_PENDING_EXPIRED', `pending transfer ${pending.id} expired`, { transferId: t.id, pendingId: pending.id });
      // A post after the timeout is refused even before the expiry job has voided it; the expiry itself is allowed.
      if (t.kind !== 'expire_pending' && state.expiresAt !== null && Date.parse(state.expiresAt) <= now.getTime()) {
        throw ledgerError('LEDGER_PENDING_EXPIRED', `pending transfer ${pending.id} expired at ${state.expiresAt}`, { transferId: t.id, pendingId: pending.id });
      }
      if (t.amountMinor > pending.amountMinor) throw ledgerError('LEDGER_POST_EXCEEDS_PENDING', `pending transfer ${pending.id} reserved only ${pending.amountMinor}`, { transferId: t.id, pendingId: pending.id, pendingMinor: pending.amountMinor });
      debit.debitsPending -= pending.amountMinor;
      credit.creditsPending -= pending.amountMinor;
      if (t.kind === 'post_pending') {
        debit.debitsPosted += t.amountMinor;
        credit.creditsPosted += t.amountMinor;
      }
      w.pendingStates.set(pending.id, { ...state, status: t.kind === 'post_pending' ? 'posted' : t.kind === 'void_pending' ? 'voided' : 'expired', resolvedBy: t.id });
    }
  }
  assertWithinLimits(debit, t);
  assertWithinLimits(credit, t);
  w.accounts.set(debit.id, debit);
  w.accounts.set(credit.id, credit);
}
