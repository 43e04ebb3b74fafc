import type { SettingsReader } from '../../platform/ports.js';
import type { PaymentMethod } from '../../ordering/payment.js';
import type { UnitOfWork } from '../../shared/events.js';
import type { Clock } from '../../shared/ids.js';
import { commissionLines, type CommissionableLine, type CommissionLine } from '../commission.js';
import { balanceOf, type MovementRequest, type OwnerKind, type Transfer, type TransferRequest } from '../model.js';
import { refundShares, type OrderPostings } from '../refund-shares.js';
import type { CreateTransfers, TransferResult } from './create-transfers.js';
import type { OpenAccount } from './open-account.js';
import { executeRelease, executeSettlement } from './wallet-payments.js';
import type { CommissionRepository, LedgerRepository } from '../ports.js';
import { deliveryFeeCutMinor } from '../courier-fee.js';

/** What the money flows need to know of an order (read from the order and its delivery by the caller). */
export interface SettlementOrder {
  orderId: string;
  storeId: string;
  customerId: string;
  method: PaymentMethod;
  subtotalMinor: number;
  deliveryFeeMinor: number;
  vatMinor: number;
  totalMinor: number;
  lines: CommissionableLine[];
  /** When the order was placed (ISO-8601): the commission rules in force then apply. */
  placedAt: string;
}

export interface OrderFlowDeps {
  transfers: CreateTransfers;
  openAccount: OpenAccount;
  ledger: LedgerRepository;
  liveSettings: SettingsReader;
  commissions: CommissionRepository;
  unitOfWork: UnitOfWork;
  clock: Clock;
}

const PLATFORM = 'platform';

/** One of the payment's refunds, as the ledger mirrors it. */
export interface OrderRefund {
  id: string;
  amountMinor: number;
  /** `original`: a card refund's money leaves the wallet for the card; `wallet`: it stays in the wallet. */
  destination: 'original' | 'wallet';
}

interface SettledPostings extends OrderPostings {
  currency: string;
  store: string;
  courierAccountId: string | null;
}

/** What the settlement posted for the order (null: not settled yet). */
function settledPostings(order: SettlementOrder, ofOrder: readonly Transfer[]): SettledPostings | null {
  const posted = (id: string) => ofOrder.find((t) => t.id === id && (t.kind === 'posted' || t.kind === 'post_pending'));
  const settle = posted(`${order.orderId}:settle`) ?? posted(`${order.orderId}:cash`);
  if (!settle) return null;
  const courierFee = posted(`${order.orderId}:courier_fee`);
  const cut = posted(`${order.orderId}:fee_cut`);
  return {
    totalMinor: settle.amountMinor, currency: settle.currency, store: settle.creditAccountId,
    commission: ofOrder.filter((t) => t.code === 'order_commission' && t.id.startsWith(`${order.orderId}:commission:`)).sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true })),
    courierFeeMinor: courierFee?.amountMinor ?? 0, feeCutMinor: cut?.amountMinor ?? 0, courierAccountId: courierFee?.creditAccountId ?? null,
  };
}
const ref = (orderId: string) => `order:${orderId}`;

/**
 * The order's money flows (docs/finance.md, "Money flows"), each one linked batch whose transfer ids
 * derive from the order id, so a redelivered event writes nothing twice:
 * - `hold`: card: the capture into the customer's wallet and the pending hold for the order; wallet: the hold;
 * - `settleDelivered`: the hold posted (cash: the courier's cash in hand), then commission per order line
 *   (exactly the order's stored commission lines, written by the first settlement), the courier's part
 *   of the delivery fee and the platform's cut, all from the store's payable;
 * - `release`: the hold voided, and card money sent back to the card;
 * - `refund`: each of the payment's refunds, in full or in part, reverses its share of the settlement; the money
 *   then goes back to the card, or stays in the wallet (a wallet or cash order, or a refund to the wallet).
 */
export class OrderMoneyFlows {
  constructor(private readonly deps: OrderFlowDeps) {}

  async hold(order: SettlementOrder): Promise<TransferResult[]> {
    if (order.method === 'cash') return [];
    const currency = this.deps.liveSettings.get('currency');
    const wallet = await this.account('customer_wallet', order.customerId);
    const batch: TransferRequest[] = [];
    if (order.method === 'card') batch.push(this.move(`${order.orderId}:capture`, await this.account('gateway_clearing', 'card'), wallet, order.totalMinor, 'card_capture', order.orderId, currency));
    batch.push({ ...this.move(`${order.orderId}:hold`, wallet, await this.account('store_payable', order.storeId), order.totalMinor, 'order_hold', order.orderId, currency), kind: 'pending' });
    return this.deps.transfers.execute(batch);
  }

  async settleDelivered(order: SettlementOrder, courierId: string): Promise<{ transfers: TransferResult[]; commission: CommissionLine[] }> {
    // The commission lines and the transfers that post them commit together.
    return this.deps.unitOfWork.transaction(() => this.settle(order, courierId));
  }

  private async settle(order: SettlementOrder, courierId: string): Promise<{ transfers: TransferResult[]; commission: CommissionLine[] }> {
    const currency = this.deps.liveSettings.get('currency');
    const store = await this.account('store_payable', order.storeId);
    const revenue = await this.account('platform_revenue', PLATFORM);
    const courier = await this.account('courier_earnings', courierId);
    const batch: TransferRequest[] = [];
    if (order.method === 'cash') {
      batch.push(this.move(`${order.orderId}:cash`, await this.account('courier_cash_in_hand', courierId), store, order.totalMinor, 'cash_collected', order.orderId, currency));
    } else {
      if (order.method === 'card') await this.hold(order); // a no-op when the capture event already wrote it
      batch.push({ id: `${order.orderId}:settle`, kind: 'post_pending', pendingId: `${order.orderId}:hold` });
    }
    const commission = await this.commissionLinesOf(order);
    for (const c of commission) {
      if (c.commissionMinor > 0) batch.push(this.move(`${order.orderId}:commission:${c.lineIndex}`, store, revenue, c.commissionMinor, 'order_commission', order.orderId, currency));
    }
    const cut = deliveryFeeCutMinor(order.deliveryFeeMinor, this.deps.liveSettings.get('finance.deliveryFeeCutBps'));
    if (order.deliveryFeeMinor - cut > 0) batch.push(this.move(`${order.orderId}:courier_fee`, store, courier, order.deliveryFeeMinor - cut, 'delivery_fee', order.orderId, currency));
    if (cut > 0) batch.push(this.move(`${order.orderId}:fee_cut`, store, revenue, cut, 'delivery_fee_cut', order.orderId, currency));
    return { transfers: await executeSettlement(this.deps, batch, order.method), commission };
  }

  async release(order: SettlementOrder): Promise<TransferResult[]> {
    if (order.method === 'cash') return [];
    const held = (await this.deps.ledger.findTransfers([`${order.orderId}:hold`]))[0];
    if (!held) return [];
    const batch: TransferRequest[] = [{ id: `${order.orderId}:release`, kind: 'void_pending', pendingId: held.id }];
    if (order.method === 'card') batch.push(this.move(`${order.orderId}:card_refund`, held.debitAccountId, await this.account('gateway_clearing', 'card'), held.amountMinor, 'card_refund', order.orderId, held.currency));
    return executeRelease(this.deps.transfers, batch, order.method);
  }

  /**
   * Mirrors the payment's refunds, each once (transfer ids `refund:<refundId>:…`, so a redelivered
   * event writes nothing twice), in the order the payment recorded them: each reverses its share of
   * what the settlement posted (`refundShares`), so the refunds of a whole order reverse it exactly.
   * Nothing is written before the order is settled: its delivery applies the refunds made earlier.
   */
  async refund(order: SettlementOrder, refunds: readonly OrderRefund[]): Promise<TransferResult[]> {
    const ofOrder = await this.deps.ledger.transfersByReference(ref(order.orderId));
    // Refunded in full before refunds were mirrored one by one (`<transfer id>:reversal`): nothing is left to reverse.
    if (ofOrder.some((t) => t.code === 'reversal' && t.id.endsWith(':reversal'))) return [];
    const postings = settledPostings(order, ofOrder);
    if (!postings) return [];
    const results: TransferResult[] = [];
    let before = 0;
    // What the platform has absorbed for the store on this order's refunds and not yet taken back.
    let absorbed = ofOrder.reduce((n, t) => n + (t.code === 'refund_shortfall' && t.creditAccountId === postings.store ? t.amountMinor : 0) - (t.code === 'refund_shortfall_recovered' && t.debitAccountId === postings.store ? t.amountMinor : 0), 0);
    for (const r of refunds) {
      if (!ofOrder.some((t) => t.id === `refund:${r.id}:to_customer`)) {
        const done = await this.refundOne(order, postings, r, before, absorbed);
        results.push(...done.results);
        absorbed += done.absorbedMinor;
      }
      before += r.amountMinor;
    }
    return results;
  }

  /** One refund's batch; `absorbedMinor` is what it changed of the platform's outstanding absorption for the store. */
  private async refundOne(order: SettlementOrder, p: SettledPostings, r: OrderRefund, beforeMinor: number, absorbedMinor: number): Promise<{ results: TransferResult[]; absorbedMinor: number }> {
    const s = refundShares(p, beforeMinor, r.amountMinor);
    const id = (part: string) => `refund:${r.id}:${part}`;
    const { currency, store } = p;
    const revenue = await this.account('platform_revenue', PLATFORM);
    const wallet = await this.account('customer_wallet', order.customerId);
    const batch: MovementRequest[] = [];
    // The store gets its commission and fee back first, then pays the customer: its payable never dips on the way.
    for (const c of s.commission) batch.push(this.move(id(`commission:${c.id.slice(c.id.lastIndexOf(':') + 1)}`), revenue, store, c.amountMinor, 'reversal', order.orderId, currency));
    if (s.courierFeeMinor > 0) {
      const courier = p.courierAccountId!;
      const short = s.courierFeeMinor - await this.available(courier);
      // A courier already paid out: the platform makes up what their earnings no longer hold.
      if (short > 0) batch.push(this.move(id('courier_shortfall'), revenue, courier, short, 'refund_shortfall', order.orderId, currency));
      batch.push(this.move(id('courier_fee'), courier, store, s.courierFeeMinor, 'reversal', order.orderId, currency));
    }
    if (s.feeCutMinor > 0) batch.push(this.move(id('fee_cut'), revenue, store, s.feeCutMinor, 'reversal', order.orderId, currency));
    const owed = s.toCustomerMinor - s.commission.reduce((n, c) => n + c.amountMinor, 0) - s.courierFeeMinor - s.feeCutMinor;
    const short = owed - await this.available(store);
    // A store already paid out: the platform absorbs what its payable no longer holds (docs/finance.md, "Refunds").
    if (short > 0) batch.push(this.move(id('store_shortfall'), revenue, store, short, 'refund_shortfall', order.orderId, currency));
    // A refund that gives the store more back than it pays (commission rounded down earlier, caught up now) first
    // repays what the platform absorbed for it on this order: otherwise the store would keep the absorbed amount.
    const recovered = Math.min(Math.max(0, -owed), absorbedMinor);
    if (recovered > 0) batch.push(this.move(id('store_shortfall_recovered'), store, revenue, recovered, 'refund_shortfall_recovered', order.orderId, currency));
    // Card and wallet: the settle reversed, into the wallet; cash: the courier still owes it, the wallet gets it.
    batch.push(this.move(id('to_customer'), store, wallet, s.toCustomerMinor, order.method === 'cash' ? 'refund_to_wallet' : 'reversal', order.orderId, currency));
    if (order.method === 'card' && r.destination === 'original') batch.push(this.move(id('card_refund'), wallet, await this.account('gateway_clearing', 'card'), s.toCustomerMinor, 'card_refund', order.orderId, currency));
    return { results: await this.deps.transfers.execute(batch), absorbedMinor: Math.max(0, short) - recovered };
  }

  private async available(accountId: string): Promise<number> {
    const a = await this.deps.ledger.findAccount(accountId);
    return a ? balanceOf(a).available : 0;
  }

  /**
   * The order's commission lines: the stored ones, or (first settlement) worked out from the rules in
   * force when the order was placed and stored. Stored lines never change, whatever happens to the rules.
   */
  private async commissionLinesOf(order: SettlementOrder): Promise<CommissionLine[]> {
    const stored = await this.deps.commissions.orderLines(order.orderId);
    if (stored.length > 0 || order.lines.length === 0) return stored;
    const placedAt = new Date(order.placedAt);
    const categories = [...new Set(order.lines.flatMap((l) => (l.categoryId ? [l.categoryId] : [])))];
    const rules = await this.deps.commissions.candidateRules(order.storeId, categories, placedAt);
    return this.deps.commissions.saveOrderLines(order.orderId, commissionLines(rules, order, placedAt, this.deps.clock.now()));
  }

  private async account(kind: OwnerKind, ownerId: string): Promise<string> {
    return (await this.deps.openAccount.execute({ ownerKind: kind, ownerId })).id;
  }

  private move(id: string, debitAccountId: string, creditAccountId: string, amountMinor: number, code: string, orderId: string, currency: string): MovementRequest {
    return { id, debitAccountId, creditAccountId, amountMinor, currency, code, reference: ref(orderId) };
  }
}
