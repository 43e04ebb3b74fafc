import type { Account, OwnerKind, PendingState, Transfer } from './model.js';

/** Sums over every account: posted debits equal posted credits, always (and pending alike). */
export interface LedgerTotals {
  debitsPosted: number;
  creditsPosted: number;
  debitsPending: number;
  creditsPending: number;
}

/**
 * The ledger's storage. Implementations: SqlLedgerRepository (PostgreSQL / PGlite, row locks)
 * and MongoLedgerRepository (a session transaction), both judged by test/contract/ledger.
 * Every call joins the caller's UnitOfWork transaction; the `lock…` calls hold what they read
 * until that transaction ends, so two transactions touching one account run one after the other.
 */
export interface LedgerRepository {
  /** Inserts the account; when one exists for the same id or the same owner (kind, id, currency), answers that one untouched. */
  openAccount(account: Account): Promise<{ account: Account; created: boolean }>;
  findAccount(id: string): Promise<Account | null>;
  findAccountByOwner(ownerKind: OwnerKind, ownerId: string, currency: string): Promise<Account | null>;
  /**
   * Reads the accounts and locks them for the rest of the transaction, always in id order
   * (whatever order `ids` come in), so two transactions never wait on each other in a cycle.
   * Unknown ids are absent from the answer.
   */
  lockAccounts(ids: readonly string[]): Promise<Account[]>;
  /** Writes the four balances of each account (already locked by this transaction). */
  saveBalances(accounts: readonly Account[]): Promise<void>;
  findTransfers(ids: readonly string[]): Promise<Transfer[]>;
  /** Inserts new transfers; throws TransferIdTaken when an id exists (a concurrent insert won). */
  insertTransfers(transfers: readonly Transfer[]): Promise<void>;
  /** Reads pending states and locks them for the rest of the transaction, in id order. */
  lockPendingStates(ids: readonly string[]): Promise<PendingState[]>;
  /** Inserts new states and overwrites resolved ones. */
  savePendingStates(states: readonly PendingState[]): Promise<void>;
  /** Pending transfers still unresolved whose timeout passed before `now`, oldest first. */
  expiredPending(now: Date, limit: number): Promise<Transfer[]>;
  /** An account's transfers (either side), oldest first, from `offset`. */
  statement(accountId: string, offset: number, limit: number): Promise<{ transfers: Transfer[]; total: number }>;
  /** Transfers carrying a business reference (e.g. `order:<id>`), oldest first. */
  transfersByReference(reference: string): Promise<Transfer[]>;
  totals(): Promise<LedgerTotals>;
}
