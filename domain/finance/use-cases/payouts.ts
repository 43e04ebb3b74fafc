import { AppError, conflict, notFound, validationError } from '../../shared/errors.js';
import type { UnitOfWork } from '../../shared/events.js';
import type { Clock } from '../../shared/ids.js';
import { hasPermission, type Principal } from '../../shared/principal.js';
import type { SettingsReader } from '../../platform/ports.js';
import type { StoreRepository } from '../../catalog/ports.js';
import { unremittedCashOfStore } from '../cash.js';
import { assertAmount, assertTransferId, balanceOf } from '../model.js';
import { canMove, CONNECTED_ACCOUNT, normalizeBic, normalizeIban, payableKindOf, payoutTransferIds, type BankAccount, type Payout, type PayoutOwnerKind, type PayoutStatus } from '../payout.js';
import type { LedgerRepository, PayoutRepository } from '../ports.js';
import type { CreateTransfers } from './create-transfers.js';
import { accountIdFor, type OpenAccount } from './open-account.js';

export const FINANCE_PERMISSION = 'finance:manage';

export interface PayoutDeps {
  payouts: PayoutRepository;
  ledger: LedgerRepository;
  transfers: CreateTransfers;
  openAccount: OpenAccount;
  stores: StoreRepository;
  liveSettings: SettingsReader;
  unitOfWork: UnitOfWork;
  clock: Clock;
}

export interface PayoutOwner {
  kind: PayoutOwnerKind;
  id: string;
}

export interface PayoutBalance {
  currency: string;
  postedMinor: number;
  /** Requested payouts not yet paid or rejected. */
  reservedMinor: number;
  /** Cash of the store's cash orders that couriers have not remitted yet (0 for couriers). */
  unremittedCashMinor: number;
  /** What a payout request may take now. */
  availableMinor: number;
  minimumMinor: number;
}

/**
 * Bank accounts, payout requests and admin decisions (docs/finance.md, "Payouts"). Ownership:
 * a store's owner acts for their store, a courier for themselves; an admin with finance:manage for
 * anyone. Everyone else is told the owner does not exist (404).
 */
export class Payouts {
  constructor(private readonly deps: PayoutDeps) {}

  /** The account to tell about the owner's payouts, after checking the caller may act for the owner. */
  async recipientOf(p: Principal, owner: PayoutOwner): Promise<string> {
    assertTransferId(owner.id, `${owner.kind}Id`);
    if (owner.kind === 'courier') {
      if ((p.role === 'courier' && p.accountId === owner.id) || hasPermission(p, FINANCE_PERMISSION)) return owner.id;
      throw notFound('Courier');
    }
    const store = await this.deps.stores.findById(owner.id);
    if (!store || !(store.ownerId === p.accountId || hasPermission(p, FINANCE_PERMISSION))) throw notFound('Store');
    return store.ownerId;
  }

  async setBankAccount(p: Principal, owner: PayoutOwner, input: { holderName: string; iban: string; bic?: string | null; connectedAccountId?: string | null }): Promise<BankAccount> {
    await this.recipientOf(p, owner);
    const connected = input.connectedAccountId ?? null;
    if (connected !== null && !CONNECTED_ACCOUNT.test(connected)) throw validationError('connectedAccountId must be a connected account id (acct_…)', [{ field: 'connectedAccountId', message: 'must look like acct_…' }]);
    const account: BankAccount = {
      ownerKind: owner.kind, ownerId: owner.id, holderName: input.holderName.trim(), iban: normalizeIban(input.iban), bic: normalizeBic(input.bic),
      connectedAccountId: connected, updatedAt: this.deps.clock.now().toISOString(),
    };
    if (!account.holderName) throw validationError('holderName is required', [{ field: 'holderName', message: 'is required' }]);
    await this.deps.payouts.saveBankAccount(account);
    return account;
  }

  async bankAccount(p: Principal, owner: PayoutOwner): Promise<BankAccount> {
    await this.recipientOf(p, owner);
    const account = await this.deps.payouts.findBankAccount(owner.kind, owner.id);
    if (!account) throw notFound('Bank account');
    return account;
  }

  async balance(p: Principal, owner: PayoutOwner): Promise<PayoutBalance> {
    await this.recipientOf(p, owner);
    return this.balanceOf(owner);
  }

  /**
   * A payout request: at least the minimum, at most what is available. The payable account is
   * locked first, so two requests of one owner run one after the other and cannot both take the
   * same money; the pending transfer then reserves it until the payout is paid or rejected.
   */
  async request(p: Principal, owner: PayoutOwner, input: { payoutId: string; amountMinor: number }): Promise<Payout> {
    const recipient = await this.recipientOf(p, owner);
    assertTransferId(input.payoutId, 'payoutId');
    assertAmount(input.amountMinor);
    const known = await this.deps.payouts.findPayout(input.payoutId);
    if (known) return this.sameRequest(known, owner, input.amountMinor);
    const minimum = this.deps.liveSettings.get('finance.payoutMinimumMinor');
    if (input.amountMinor < minimum) throw new AppError('PAYOUT_BELOW_MINIMUM', `a payout is at least ${minimum} minor units`, { details: [{ field: 'amountMinor', message: `below the minimum of ${minimum}`, minimumMinor: minimum }] });
    const bank = await this.deps.payouts.findBankAccount(owner.kind, owner.id);
    if (!bank) throw new AppError('PAYOUT_NO_BANK_ACCOUNT', 'add a bank account before requesting a payout');
    const payable = await this.deps.openAccount.execute({ ownerKind: payableKindOf(owner.kind), ownerId: owner.id });
    const clearing = await this.deps.openAccount.execute({ ownerKind: 'payouts_clearing', ownerId: 'platform' });
    const now = this.deps.clock.now().toISOString();
    const payout: Payout = {
      id: input.payoutId, ownerKind: owner.kind, ownerId: owner.id, recipientAccountId: recipient, amountMinor: input.amountMinor, currency: payable.currency,
      status: 'requested', holderName: bank.holderName, iban: bank.iban, bic: bank.bic, requestedBy: p.accountId, decidedBy: null, reason: null,
      batchId: null, providerRef: null, connectedAccountId: bank.connectedAccountId, attempts: 0, nextAttemptAt: null, lastError: null, version: 1, createdAt: now, updatedAt: now,
    };
    return this.deps.unitOfWork.transaction(async () => {
      await this.deps.ledger.lockAccounts([payable.id]);
      const balance = await this.balanceOf(owner);
      if (input.amountMinor > balance.availableMinor) {
        throw new AppError('PAYOUT_EXCEEDS_AVAILABLE', 'the payout is more than the available balance', { details: [{ field: 'amountMinor', message: `at most ${balance.availableMinor}`, availableMinor: balance.availableMinor }] });
      }
      if (!(await this.deps.payouts.insertPayout(payout))) throw conflict('a payout with this id was requested concurrently; read it');
      await this.deps.transfers.execute([{ id: payoutTransferIds(payout.id).request, kind: 'pending', debitAccountId: payable.id, creditAccountId: clearing.id, amountMinor: payout.amountMinor, currency: payout.currency, code: 'payout', reference: `payout:${payout.id}` }]);
      return payout;
    });
  }

  /** Admin: approve (the batch job will pay it) or reject (the reservation is voided). Repeating the same decision answers the payout as it is. */
  async decide(p: Principal, payoutId: string, decision: 'approve' | 'reject', reason: string | null): Promise<Payout> {
    if (!hasPermission(p, FINANCE_PERMISSION)) throw notFound('Payout');
    const payout = await this.deps.payouts.findPayout(payoutId);
    if (!payout) throw notFound('Payout');
    const to: PayoutStatus = decision === 'approve' ? 'approved' : 'rejected';
    if (payout.status === to) return payout;
    if (!canMove(payout.status, to)) throw new AppError('PAYOUT_STATUS_CONFLICT', `a ${payout.status} payout cannot be ${to}`, { details: [{ field: 'status', message: payout.status }] });
    const next: Payout = { ...payout, status: to, decidedBy: p.accountId, reason, version: payout.version + 1, updatedAt: this.deps.clock.now().toISOString() };
    return this.deps.unitOfWork.transaction(async () => {
      if (!(await this.deps.payouts.updatePayout(next, payout.version))) throw conflict('the payout changed meanwhile; read it again');
      if (to === 'rejected') await this.deps.transfers.execute([{ id: payoutTransferIds(payout.id).reject, kind: 'void_pending', pendingId: payoutTransferIds(payout.id).request }]);
      return next;
    });
  }

  async find(p: Principal, payoutId: string): Promise<Payout> {
    const payout = await this.deps.payouts.findPayout(payoutId);
    if (!payout) throw notFound('Payout');
    await this.recipientOf(p, { kind: payout.ownerKind, id: payout.ownerId }).catch(() => {
      throw notFound('Payout');
    });
    return payout;
  }

  async history(p: Principal, owner: PayoutOwner, offset: number, limit: number): Promise<{ payouts: Payout[]; total: number }> {
    await this.recipientOf(p, owner);
    return this.deps.payouts.listPayouts({ ownerKind: owner.kind, ownerId: owner.id }, offset, limit);
  }

  async list(p: Principal, filter: { status?: PayoutStatus }, offset: number, limit: number): Promise<{ payouts: Payout[]; total: number }> {
    if (!hasPermission(p, FINANCE_PERMISSION)) throw notFound('Payout');
    return this.deps.payouts.listPayouts(filter, offset, limit);
  }

  private async balanceOf(owner: PayoutOwner): Promise<PayoutBalance> {
    const id = accountIdFor(payableKindOf(owner.kind), owner.id);
    const account = await this.deps.ledger.findAccount(id);
    const minimumMinor = this.deps.liveSettings.get('finance.payoutMinimumMinor');
    if (!account) return { currency: this.deps.liveSettings.get('currency'), postedMinor: 0, reservedMinor: 0, unremittedCashMinor: 0, availableMinor: 0, minimumMinor };
    const b = balanceOf(account);
    const unremitted = owner.kind === 'store' ? await unremittedCashOfStore(this.deps.ledger, id) : 0;
    return { currency: account.currency, postedMinor: b.posted, reservedMinor: account.debitsPending, unremittedCashMinor: unremitted, availableMinor: Math.max(0, b.available - unremitted), minimumMinor };
  }

  private sameRequest(known: Payout, owner: PayoutOwner, amountMinor: number): Payout {
    if (known.ownerKind !== owner.kind || known.ownerId !== owner.id || known.amountMinor !== amountMinor) {
      throw new AppError('LEDGER_TRANSFER_EXISTS', 'this payout id was used for another request', { details: [{ field: 'payoutId', message: 'used for another request' }] });
    }
    return known;
  }
}
