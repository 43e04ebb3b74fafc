import { validationError } from '../../shared/errors.js';
import type { Principal } from '../../shared/principal.js';
import type { SettingsReader } from '../../platform/ports.js';
import type { Transfer } from '../model.js';
import { payableKindOf, type Payout } from '../payout.js';
import type { LedgerRepository } from '../ports.js';
import { statementEntries, type RunningBalance, type StatementEntry } from '../statement.js';
import { accountIdFor } from './open-account.js';
import type { PayoutOwner, Payouts } from './payouts.js';

/** A period statement is worked out from the account's first entry; an account with more is refused (as the paged statement). */
export const STATEMENT_SCAN = 10_000;
/** A payout history file holds at most this many payouts. */
export const PAYOUT_HISTORY_MAX = 1_000;
/** A statement covers at most a year (a request for more is refused). */
export const STATEMENT_MAX_DAYS = 366;

export interface PeriodStatement {
  ownerKind: PayoutOwner['kind'];
  ownerId: string;
  /** The payable account: `store_payable:<id>` or `courier_earnings:<id>`. */
  accountId: string;
  currency: string;
  from: string;
  to: string;
  /** Balances before the first entry of the period, and after its last. */
  opening: RunningBalance;
  closing: RunningBalance;
  /** Posted money in (credits) and out (debits) within the period, both positive. */
  totals: { creditsMinor: number; debitsMinor: number; entries: number };
  /** The account's ledger entries in [from, to), oldest first. */
  entries: StatementEntry[];
}

export interface PayoutHistory {
  ownerKind: PayoutOwner['kind'];
  ownerId: string;
  from: string;
  to: string;
  /** Payouts requested in [from, to), oldest first. */
  payouts: Payout[];
  /** Σ amounts of the paid ones, and of those still on their way (requested, approved, sending, in transit). */
  totals: { paidMinor: number; openMinor: number; count: number };
}

const OPEN = new Set(['requested', 'approved', 'sending', 'in_transit']);

/**
 * Statements for stores and couriers (their payable account) over a date range, and their payout
 * history: the data behind the CSV and PDF files. Who may read one is the payouts' rule: the
 * store's owner or the courier, an admin with finance:manage; anyone else is told it does not exist.
 */
export class Statements {
  constructor(private readonly deps: { payouts: Pick<Payouts, 'recipientOf' | 'history'>; ledger: Pick<LedgerRepository, 'findAccount' | 'statement' | 'findTransfers'>; liveSettings: SettingsReader }) {}

  async period(p: Principal, owner: PayoutOwner, from: Date, to: Date): Promise<PeriodStatement> {
    assertRange(from, to);
    await this.deps.payouts.recipientOf(p, owner);
    const accountId = accountIdFor(payableKindOf(owner.kind), owner.id);
    const account = await this.deps.ledger.findAccount(accountId);
    const base = { ownerKind: owner.kind, ownerId: owner.id, accountId, from: from.toISOString(), to: to.toISOString() };
    const zero = { posted: 0, available: 0 };
    if (!account) return { ...base, currency: this.deps.liveSettings.get('currency'), opening: zero, closing: zero, totals: { creditsMinor: 0, debitsMinor: 0, entries: 0 }, entries: [] };
    const { transfers, total } = await this.deps.ledger.statement(accountId, 0, STATEMENT_SCAN);
    if (total > STATEMENT_SCAN) throw validationError(`a statement is worked out from at most ${STATEMENT_SCAN} entries`, [{ field: 'from', message: 'the account has too many entries for a file statement' }]);
    const pending = await this.pendingOf(transfers);
    const all = statementEntries(account, transfers, zero, pending).entries;
    const before = all.filter((e) => Date.parse(e.at) < from.getTime());
    const entries = all.filter((e) => Date.parse(e.at) >= from.getTime() && Date.parse(e.at) < to.getTime());
    const opening = before.at(-1)?.balanceAfter ?? zero;
    const closing = entries.at(-1)?.balanceAfter ?? opening;
    const creditsMinor = entries.reduce((s, e) => s + Math.max(0, e.postedChangeMinor), 0);
    const debitsMinor = entries.reduce((s, e) => s + Math.max(0, -e.postedChangeMinor), 0);
    return { ...base, currency: account.currency, opening, closing, totals: { creditsMinor, debitsMinor, entries: entries.length }, entries };
  }

  async payoutHistory(p: Principal, owner: PayoutOwner, from: Date, to: Date): Promise<PayoutHistory> {
    assertRange(from, to);
    const found: Payout[] = [];
    // Newest first: stop at the first payout older than the range.
    for (let offset = 0; found.length < PAYOUT_HISTORY_MAX; offset += 100) {
      const { payouts } = await this.deps.payouts.history(p, owner, offset, 100);
      found.push(...payouts.filter((x) => Date.parse(x.createdAt) >= from.getTime() && Date.parse(x.createdAt) < to.getTime()));
      if (payouts.length < 100 || Date.parse(payouts.at(-1)!.createdAt) < from.getTime()) break;
    }
    const payouts = found.slice(0, PAYOUT_HISTORY_MAX).reverse();
    return {
      ownerKind: owner.kind, ownerId: owner.id, from: from.toISOString(), to: to.toISOString(), payouts,
      totals: {
        paidMinor: payouts.filter((x) => x.status === 'paid').reduce((s, x) => s + x.amountMinor, 0),
        openMinor: payouts.filter((x) => OPEN.has(x.status)).reduce((s, x) => s + x.amountMinor, 0),
        count: payouts.length,
      },
    };
  }

  private async pendingOf(transfers: readonly Transfer[]): Promise<(id: string) => Transfer | undefined> {
    const ids = [...new Set(transfers.flatMap((t) => (t.pendingId ? [t.pendingId] : [])))];
    const found = new Map((ids.length ? await this.deps.ledger.findTransfers(ids) : []).map((t) => [t.id, t]));
    return (id) => found.get(id);
  }
}

function assertRange(from: Date, to: Date): void {
  if (!(from.getTime() < to.getTime())) throw validationError('from must be before to', [{ field: 'from', message: 'must be before to' }]);
  if (to.getTime() - from.getTime() > STATEMENT_MAX_DAYS * 86_400_000) throw validationError(`a statement covers at most ${STATEMENT_MAX_DAYS} days`, [{ field: 'to', message: `at most ${STATEMENT_MAX_DAYS} days after from` }]);
}
