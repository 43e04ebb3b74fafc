import type { StoreRepository } from '../../catalog/ports.js';
import { notFound, validationError } from '../../shared/errors.js';
import { offsetOf, toPage, type Page, type PageRequest } from '../../shared/pagination.js';
import { hasPermission, type Principal } from '../../shared/principal.js';
import { balanceOf, OWNER_KINDS, type Account, type AccountBalance, type OwnerKind, type Transfer } from '../model.js';
import type { LedgerRepository } from '../ports.js';
import { statementEntries, type StatementEntry } from '../statement.js';
import { accountIdFor } from './open-account.js';

/** An account as its owner and admins read it. */
export interface AccountView extends Account {
  balance: AccountBalance;
}

export interface StatementView {
  account: AccountView;
  entries: Page<StatementEntry>;
}

/** Reads any owner's money: balances, statements and the platform's revenue. */
export const FINANCE_READ = 'finance:manage';
const STORES_PAGE = 100;
// Statements are read from the first entry to know the balance before the page; beyond this many entries a page is refused.
const STATEMENT_SCAN = 10_000;

const view = (a: Account): AccountView => ({ ...a, flags: { ...a.flags }, balance: balanceOf(a) });

/**
 * The read side of the ledger, within one rule: a customer sees their wallet, a courier their
 * earnings and cash in hand, a store owner their stores' payables, an admin with finance:manage
 * any account. Another owner's account is not found.
 */
export class FinanceQueries {
  constructor(private readonly deps: { ledger: LedgerRepository; stores: Pick<StoreRepository, 'findById' | 'list'> }) {}

  /** The caller's own accounts (those opened so far: an account opens with its first money). */
  async mine(principal: Principal): Promise<AccountView[]> {
    const owned: [OwnerKind, string][] = principal.role === 'customer' ? [['customer_wallet', principal.accountId]]
      : principal.role === 'courier' ? [['courier_earnings', principal.accountId], ['courier_cash_in_hand', principal.accountId]]
      : principal.role === 'store_owner' ? (await this.storesOf(principal.accountId)).map((id): [OwnerKind, string] => ['store_payable', id])
      : [];
    return this.existing(owned.map(([k, id]) => accountIdFor(k, id)));
  }

  async account(principal: Principal, accountId: string): Promise<AccountView> {
    const a = await this.deps.ledger.findAccount(accountId);
    if (!a || !(await this.mayRead(principal, a))) throw notFound('Account');
    return view(a);
  }

  /** The account's entries, oldest first, each with the balances after it. */
  async statement(principal: Principal, accountId: string, page: PageRequest): Promise<StatementView> {
    const account = await this.account(principal, accountId);
    const offset = offsetOf(page);
    if (offset > STATEMENT_SCAN) throw validationError(`a statement is read up to entry ${STATEMENT_SCAN}`, [{ field: 'page', message: 'too deep' }]);
    const before = offset > 0 ? (await this.deps.ledger.statement(accountId, 0, Math.min(offset, STATEMENT_SCAN))).transfers : [];
    const { transfers, total } = await this.deps.ledger.statement(accountId, offset, page.limit);
    const pending = await this.pendingOf([...before, ...transfers]);
    const start = statementEntries(account, before, { posted: 0, available: 0 }, pending).end;
    const { entries } = statementEntries(account, transfers, start, pending);
    return { account, entries: toPage(entries, total, page) };
  }

  /** Admins: an owner's accounts, of one kind or all. */
  async byOwner(ownerId: string, ownerKind?: OwnerKind): Promise<AccountView[]> {
    return this.existing((ownerKind ? [ownerKind] : OWNER_KINDS).map((k) => accountIdFor(k, ownerId)));
  }

  private async existing(ids: string[]): Promise<AccountView[]> {
    const found = await Promise.all(ids.map((id) => this.deps.ledger.findAccount(id)));
    return found.filter((a): a is Account => a !== null).map(view);
  }

  private async pendingOf(transfers: readonly Transfer[]): Promise<(id: string) => Transfer | undefined> {
    const ids = [...new Set(transfers.flatMap((t) => (t.pendingId ? [t.pendingId] : [])))];
    const found = new Map((ids.length ? await this.deps.ledger.findTransfers(ids) : []).map((t) => [t.id, t]));
    return (id) => found.get(id);
  }

  private async mayRead(principal: Principal, a: Account): Promise<boolean> {
    if (hasPermission(principal, FINANCE_READ)) return true;
    switch (a.ownerKind) {
      case 'customer_wallet': return principal.role === 'customer' && a.ownerId === principal.accountId;
      case 'courier_earnings':
      case 'courier_cash_in_hand': return principal.role === 'courier' && a.ownerId === principal.accountId;
      case 'store_payable': return principal.role === 'store_owner' && (await this.deps.stores.findById(a.ownerId))?.ownerId === principal.accountId;
      default: return false;
    }
  }

  private async storesOf(ownerId: string): Promise<string[]> {
    const ids: string[] = [];
    for (let p = 1; ; p++) {
      const r = await this.deps.stores.list({ ownerId }, { page: p, limit: STORES_PAGE });
      ids.push(...r.items.map((s) => s.id));
      if (p >= r.pagination.totalPages) return ids;
    }
  }
}
