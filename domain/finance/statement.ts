import type { Account, Transfer } from './model.js';

/** One line of an account's statement: the transfer, which side the account was on, and its balances after it. */
export interface StatementEntry {
  transferId: string;
  kind: Transfer['kind'];
  code: string;
  reference: string;
  /** `credit`: money in (credit-normal); `debit`: money out. */
  side: 'credit' | 'debit';
  amountMinor: number;
  /** What the entry changed in posted money (a pending, void or expiry moves none). */
  postedChangeMinor: number;
  balanceAfter: { posted: number; available: number };
  at: string;
}

export interface RunningBalance {
  posted: number;
  available: number;
}

/**
 * Walks an account's transfers (oldest first) from a starting balance, as the ledger applied them:
 * posted money changes `posted` and `available`; a pending debit reserves (`available` only);
 * posting a pending moves what was posted and frees the rest of its reservation; a void or expiry frees it all.
 * `pendingOf` answers the pending transfer a resolution refers to (its amount and sides).
 */
export function statementEntries(account: Pick<Account, 'id'>, transfers: readonly Transfer[], start: RunningBalance, pendingOf: (id: string) => Transfer | undefined): { entries: StatementEntry[]; end: RunningBalance } {
  let { posted, available } = start;
  const entries = transfers.map((t) => {
    const side: 'credit' | 'debit' = t.creditAccountId === account.id ? 'credit' : 'debit';
    const sign = side === 'credit' ? 1 : -1;
    let postedChange = 0;
    if (t.kind === 'posted') {
      postedChange = sign * t.amountMinor;
      available += postedChange;
    } else if (t.kind === 'pending') {
      if (side === 'debit') available -= t.amountMinor;
    } else {
      const held = t.pendingId ? pendingOf(t.pendingId) : undefined;
      const reserved = held && held.debitAccountId === account.id ? held.amountMinor : 0;
      if (t.kind === 'post_pending') {
        postedChange = sign * t.amountMinor;
        available += reserved + postedChange;
      } else {
        available += reserved;
      }
    }
    posted += postedChange;
    return {
      transferId: t.id, kind: t.kind, code: t.code, reference: t.reference, side, amountMinor: t.amountMinor,
      postedChangeMinor: postedChange, balanceAfter: { posted, available }, at: t.createdAt,
    };
  });
  return { entries, end: { posted, available } };
}
