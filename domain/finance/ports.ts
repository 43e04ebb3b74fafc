import type { Account, OwnerKind, PendingState, Transfer } from './model.js';
import type { BankAccount, Payout, PayoutOwnerKind, PayoutStatus } from './payout.js';
import type { CommissionRule, CommissionScopeType } from './commission-rule.js';
import type { CommissionLine } from './commission.js';
import type { WalletTopUp } from './top-up.js';

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

/**
 * Bank accounts and payouts. Implementations: SqlPayoutRepository and MongoPayoutRepository,
 * both judged by test/contract/payout-repository. Calls join the caller's UnitOfWork transaction.
 */
export interface PayoutRepository {
  /** Inserts or replaces the owner's one bank account. */
  saveBankAccount(account: BankAccount): Promise<void>;
  findBankAccount(ownerKind: PayoutOwnerKind, ownerId: string): Promise<BankAccount | null>;
  /** Inserts a new payout; false (writing nothing) when its id exists. */
  insertPayout(payout: Payout): Promise<boolean>;
  findPayout(id: string): Promise<Payout | null>;
  /** Writes the payout only if the stored version is still `expectedVersion`; false when another change won. */
  updatePayout(payout: Payout, expectedVersion: number): Promise<boolean>;
  /** Newest first. */
  listPayouts(filter: { ownerKind?: PayoutOwnerKind; ownerId?: string; status?: PayoutStatus }, offset: number, limit: number): Promise<{ payouts: Payout[]; total: number }>;
  /**
   * The next batch, oldest first: approved payouts, and `sending` ones whose `nextAttemptAt` is
   * at or before `now` (a retry whose backoff ended, or a claim whose worker died).
   */
  duePayouts(now: Date, limit: number): Promise<Payout[]>;
}

/** One instruction to pay, as a provider receives it. */
export interface PayoutInstruction {
  payoutId: string;
  /** The same on every attempt (`payout:<id>`): the provider pays one key at most once. */
  idempotencyKey: string;
  /** Stripe-Connect-style providers pay this account; bank providers use the IBAN. */
  connectedAccountId: string | null;
  amountMinor: number;
  currency: string;
  holderName: string;
  iban: string;
  bic: string | null;
  reference: string;
}

/**
 * Where a payout stands at the provider. `paid`: the money left; `in_transit`: accepted, the
 * outcome comes later (ask `status`); `failed`: refused for good (a closed account); `retry`:
 * not accepted this time (the provider was down or answered 5xx/429), worth trying again.
 */
export type PayoutOutcome = 'paid' | 'in_transit' | 'failed' | 'retry';
export interface PayoutAnswer {
  payoutId: string;
  outcome: PayoutOutcome;
  providerRef: string | null;
  error?: string;
}

/**
 * Sends a batch of payouts to a bank. Implementations: BankCsvPayouts (writes the batch as a
 * bank-transfer CSV file) and StripeConnectPayouts (one transfer per payout to the owner's
 * connected account). Retrying must not pay anyone twice: each payment carries the
 * instruction's idempotency key, and a provider answers a key it has seen with the first payment.
 * `pay` answers every instruction (an instruction it could not send is `retry`), and throws only
 * when it cannot say what happened to any of them.
 */
export interface PayoutProvider {
  readonly name: string;
  pay(batchId: string, instructions: readonly PayoutInstruction[]): Promise<PayoutAnswer[]>;
  /** An `in_transit` payout's state now. */
  status(payoutId: string, providerRef: string): Promise<PayoutAnswer>;
  /**
   * A provider's signed notice about a payout (a webhook), verified and read: null when it is
   * about something else. Throws WEBHOOK_SIGNATURE_INVALID when the signature does not verify,
   * or when this provider sends no webhooks.
   */
  readWebhook(rawBody: string, signature: string | undefined): PayoutAnswer | null;
}

/**
 * Commission rules and the commission lines stored per order. Implementations:
 * SqlCommissionRepository and MongoCommissionRepository, both judged by test/contract/commission.
 * Calls join the caller's UnitOfWork transaction.
 */
export interface CommissionRepository {
  /** Inserts a new rule; false (writing nothing) when its id exists. */
  insertRule(rule: CommissionRule): Promise<boolean>;
  findRule(id: string): Promise<CommissionRule | null>;
  /** Writes the rule only if the stored version is still `expectedVersion`; false when another change won. */
  updateRule(rule: CommissionRule, expectedVersion: number): Promise<boolean>;
  /** Deletes the rule if the stored version is still `expectedVersion`; false otherwise. */
  deleteRule(id: string, expectedVersion: number): Promise<boolean>;
  /** Rules by scope, the newest effectiveFrom first (then id, descending). */
  listRules(filter: { scopeType?: CommissionScopeType; scopeId?: string }, offset: number, limit: number): Promise<{ rules: CommissionRule[]; total: number }>;
  /**
   * The rules that may apply to lines of `storeId` with these categories at `at`: in force then,
   * scoped to the store, one of the categories, or default.
   */
  candidateRules(storeId: string, categoryIds: readonly string[], at: Date): Promise<CommissionRule[]>;
  /**
   * Stores an order's commission lines unless the order already has lines (the first writer wins,
   * a racing second write changes nothing), and answers the lines stored, by line index.
   */
  saveOrderLines(orderId: string, lines: readonly CommissionLine[]): Promise<CommissionLine[]>;
  /** The order's stored commission lines, by line index (empty: not settled yet). */
  orderLines(orderId: string): Promise<CommissionLine[]>;
}

/**
 * Wallet top-ups by card. Implementations: SqlWalletTopUpRepository and MongoWalletTopUpRepository,
 * both judged by test/contract/wallet-top-ups.test.ts. Calls join the caller's UnitOfWork transaction.
 */
export interface WalletTopUpRepository {
  /** Inserts a new top-up; when one exists with its id or its (customer, idempotency key), answers that one untouched (`created: false`). */
  create(topUp: WalletTopUp): Promise<{ topUp: WalletTopUp; created: boolean }>;
  findById(id: string): Promise<WalletTopUp | null>;
  findByKey(customerId: string, idempotencyKey: string): Promise<WalletTopUp | null>;
  /** The top-up paid by this provider payment (a webhook names only that). */
  findByProviderRef(providerRef: string): Promise<WalletTopUp | null>;
  /** Writes status, provider reference, decline code, version and time only if the stored version is still `expectedVersion`; false when another change won. */
  save(topUp: WalletTopUp, expectedVersion: number): Promise<boolean>;
  /** A customer's top-ups, newest first. */
  listByCustomer(customerId: string, offset: number, limit: number): Promise<{ topUps: WalletTopUp[]; total: number }>;
}
