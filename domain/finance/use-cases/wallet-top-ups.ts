import type { SettingsReader } from '../../platform/ports.js';
import type { PaymentGateway, ProviderEvent, ProviderPaymentFollower } from '../../ordering/ports.js';
import { AppError, notFound } from '../../shared/errors.js';
import type { NewEvent, Outbox, UnitOfWork } from '../../shared/events.js';
import type { Clock, IdGenerator } from '../../shared/ids.js';
import type { Principal } from '../../shared/principal.js';
import { balanceOf } from '../model.js';
import type { LedgerRepository, WalletTopUpRepository } from '../ports.js';
import { declinedTopUp, settleTopUp, topUpCapturedEvent, topUpTransferId, type WalletTopUp } from '../top-up.js';
import type { CreateTransfers, TransferResult } from './create-transfers.js';
import { accountIdFor, type OpenAccount } from './open-account.js';

export interface WalletTopUpsDeps {
  topUps: WalletTopUpRepository;
  paymentGateway: PaymentGateway;
  ledger: LedgerRepository;
  createTransfers: CreateTransfers;
  openLedgerAccount: OpenAccount;
  unitOfWork: UnitOfWork;
  outbox: Outbox;
  liveSettings: SettingsReader;
  clock: Clock;
  ids: IdGenerator;
}

export interface TopUpInput {
  amountMinor: number;
  /** The client's token for the card, e.g. pm_card_visa. */
  paymentMethodToken: string;
  /** The request's Idempotency-Key: one top-up per customer and key. */
  idempotencyKey: string;
}

/** Two writers racing on one top-up (the request and a webhook): the loser reads again and re-decides. */
const ATTEMPTS = 5;

/**
 * Topping up a wallet by card, through the payments' provider port. The story: refuse what the
 * limits forbid → record the top-up (pending; one per customer and key) → authorise the card and
 * keep the provider's reference → capture it → mark the top-up captured with
 * `finance.top_up.captured` in one transaction. The finance consumer credits the wallet from that
 * event (`credit`), with a transfer whose id is the top-up's: once, however often the request is
 * retried or the provider's webhook repeated. Each provider call has its own idempotency key, so a
 * retry after a lost answer repeats the call and the card is charged once. A declined card marks
 * the top-up failed and credits nothing.
 */
export class WalletTopUps implements ProviderPaymentFollower {
  constructor(private readonly deps: WalletTopUpsDeps) {}

  async topUp(principal: Principal, input: TopUpInput): Promise<{ topUp: WalletTopUp; created: boolean }> {
    if (principal.role !== 'customer') throw new AppError('FORBIDDEN', 'Only customers top up a wallet');
    const earlier = await this.deps.topUps.findByKey(principal.accountId, input.idempotencyKey);
    if (earlier) return { topUp: await this.charge(earlier, input.paymentMethodToken), created: false };
    await this.assertWithinLimits(principal.accountId, input.amountMinor);
    const at = this.deps.clock.now().toISOString();
    const { topUp, created } = await this.deps.topUps.create({
      id: this.deps.ids.next(), customerId: principal.accountId, amountMinor: input.amountMinor, currency: this.deps.liveSettings.get('currency'), status: 'pending',
      idempotencyKey: input.idempotencyKey, providerRef: null, declineCode: null, version: 1, createdAt: at, updatedAt: at,
    });
    return { topUp: await this.charge(topUp, input.paymentMethodToken), created };
  }

  /** The finance consumer, on `finance.top_up.captured`: the wallet is credited by the transfer `top_up:<id>` (a retry writes nothing). */
  async credit(topUpId: string): Promise<TransferResult | null> {
    const t = await this.deps.topUps.findById(topUpId);
    if (!t) throw notFound('Top-up');
    if (t.status !== 'captured') return null;
    const wallet = await this.deps.openLedgerAccount.execute({ ownerKind: 'customer_wallet', ownerId: t.customerId });
    const card = await this.deps.openLedgerAccount.execute({ ownerKind: 'gateway_clearing', ownerId: 'card' });
    return this.deps.createTransfers.one({
      id: topUpTransferId(t.id), debitAccountId: card.id, creditAccountId: wallet.id, amountMinor: t.amountMinor, currency: t.currency,
      code: 'wallet_top_up', reference: topUpTransferId(t.id),
    });
  }

  /**
   * A card webhook the order payments did not know: if it names a top-up's payment, a capture marks it
   * captured (with its event) and a failure marks it failed, only ever from pending. Joins the webhook's
   * transaction, in which its event id is recorded. True when a top-up moved.
   */
  async followProviderEvent(ev: ProviderEvent): Promise<boolean> {
    if (!ev.providerRef || (ev.kind !== 'captured' && ev.kind !== 'failed')) return false;
    const ref = ev.providerRef;
    let moved = false;
    await this.change(() => this.deps.topUps.findByProviderRef(ref), (t, at) => {
      moved = ev.kind === 'captured' ? settleTopUp(t, 'captured', at) : settleTopUp(t, 'failed', at, ev.declineCode);
      return moved ? (t.status === 'captured' ? [topUpCapturedEvent(t, at)] : []) : null;
    });
    return moved;
  }

  /** A customer's own top-ups, newest first. */
  async list(principal: Principal, offset: number, limit: number): Promise<{ topUps: WalletTopUp[]; total: number }> {
    if (principal.role !== 'customer') throw new AppError('FORBIDDEN', 'Only customers have top-ups');
    return this.deps.topUps.listByCustomer(principal.accountId, offset, limit);
  }

  private async assertWithinLimits(customerId: string, amountMinor: number): Promise<void> {
    const s = this.deps.liveSettings;
    const [min, max, most] = [s.get('finance.walletTopUpMinMinor'), s.get('finance.walletTopUpMaxMinor'), s.get('finance.walletMaxBalanceMinor')];
    if (amountMinor < min || amountMinor > max) {
      throw new AppError('WALLET_TOP_UP_OUT_OF_RANGE', `A top-up is between ${min} and ${max} minor units`, { details: [{ field: 'amountMinor', reason: 'out_of_range', message: `${min}..${max}`, minMinor: min, maxMinor: max }] });
    }
    const wallet = await this.deps.ledger.findAccount(accountIdFor('customer_wallet', customerId));
    const posted = wallet ? balanceOf(wallet).posted : 0;
    if (posted + amountMinor > most) {
      throw new AppError('WALLET_BALANCE_LIMIT', `A wallet holds at most ${most} minor units`, { details: [{ field: 'amountMinor', reason: 'balance_limit', message: `at most ${Math.max(0, most - posted)} more`, maxBalanceMinor: most, balanceMinor: posted }] });
    }
  }

  /** The card's steps for a pending top-up, each under its own provider key (a retry repeats the same calls). */
  private async charge(t: WalletTopUp, token: string): Promise<WalletTopUp> {
    if (t.status === 'failed') throw declinedTopUp(t);
    if (t.status === 'captured') return t;
    const gateway = this.deps.paymentGateway;
    const r = await gateway.authorize({
      paymentId: t.id, orderId: topUpTransferId(t.id), amountMinor: t.amountMinor, currency: t.currency, method: 'card', paymentMethodToken: token, idempotencyKey: `${topUpTransferId(t.id)}:authorize`,
    });
    if (r.status !== 'authorized') {
      // No 3-D Secure round trip is offered: the intent is released so nothing stays pending at the provider.
      if (r.status === 'requires_action') await gateway.void(r.providerRef, `${topUpTransferId(t.id)}:release`).catch(() => undefined);
      const failed = await this.change(() => this.deps.topUps.findById(t.id), (x, at) => {
        x.providerRef ??= r.providerRef;
        return settleTopUp(x, 'failed', at, r.status === 'requires_action' ? 'authentication_required' : (r.declineCode ?? 'declined')) ? [] : null;
      });
      throw declinedTopUp(failed ?? t);
    }
    await this.change(() => this.deps.topUps.findById(t.id), (x, at) => {
      if (x.providerRef) return null;
      x.providerRef = r.providerRef;
      x.version += 1;
      x.updatedAt = at.toISOString();
      return [];
    });
    await gateway.capture(r.providerRef, t.amountMinor, `${topUpTransferId(t.id)}:capture`);
    const done = await this.change(() => this.deps.topUps.findById(t.id), (x, at) => (settleTopUp(x, 'captured', at) ? [topUpCapturedEvent(x, at)] : null));
    if (done?.status === 'failed') throw declinedTopUp(done);
    return done ?? t;
  }

  /**
   * Re-reads the top-up inside one transaction, lets `decide` change it (null: nothing to write), then
   * saves it under the version it was read at, with its events in the outbox of the same transaction.
   */
  private async change(read: () => Promise<WalletTopUp | null>, decide: (t: WalletTopUp, at: Date) => NewEvent[] | null): Promise<WalletTopUp | null> {
    for (let attempt = 1; ; attempt++) {
      const out = await this.deps.unitOfWork.transaction(async () => {
        const t = await read();
        if (!t) return { t: null };
        const expected = t.version;
        const events = decide(t, this.deps.clock.now());
        if (events === null) return { t };
        if (!(await this.deps.topUps.save(t, expected))) return undefined;
        if (events.length) await this.deps.outbox.add(events);
        return { t };
      });
      if (out) return out.t;
      if (attempt >= ATTEMPTS) throw new AppError('CONFLICT', 'The top-up kept changing; try again', { details: [{ reason: 'top_up_busy', message: 'concurrent changes' }] });
    }
  }
}
