import type { SettingsReader } from '../../platform/ports.js';
import type { PaymentMethod } from '../../ordering/payment.js';
import type { UnitOfWork } from '../../shared/events.js';
import type { Clock } from '../../shared/ids.js';
import { commissionLines, type CommissionableLine, type CommissionLine } from '../commission.js';
import type { MovementRequest, OwnerKind, TransferRequest } from '../model.js';
import type { CreateTransfers, TransferResult } from './create-transfers.js';
import { accountIdFor, type OpenAccount } from './open-account.js';
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
const ref = (orderId: string) => `order:${orderId}`;

/**
 * The order's money flows (docs/finance.md, "Money flows"), each one linked batch whose transfer ids
 * derive from the order id, so a redelivered event writes nothing twice:
 * - `hold`: card: the capture into the customer's wallet and the pending hold for the order; wallet: the hold;
 * - `settleDelivered`: the hold posted (cash: the courier's cash in hand), then commission per order line
 *   (exactly the order's stored commission lines, written by the first settlement), the courier's part
 *   of the delivery fee and the platform's cut, all from the store's payable;
 * - `release`: the hold voided, and card money sent back to the card;
 * - `refund`: every posted transfer of the order reversed, then the money back to the card, or left in the wallet
 *   (a wallet order, or a card order refunded to the wallet).
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

  /** Reverses exactly what was posted for the order; card money then goes back to the card, wallet money stays in the wallet. */
  async refund(order: SettlementOrder, opts: { toWallet?: boolean } = {}): Promise<TransferResult[]> {
    // The money into the store's payable (settle, cash) is undone last, after the store got its commission and fee back.
    const intoStore = (t: { kind: string; code: string }) => t.kind === 'post_pending' || t.code === 'cash_collected' || t.code === 'order_hold';
    const posted = (await this.deps.ledger.transfersByReference(ref(order.orderId)))
      .filter((t) => (t.kind === 'posted' || t.kind === 'post_pending') && !['card_capture', 'card_refund', 'reversal', 'refund_to_wallet'].includes(t.code))
      .sort((a, b) => Number(intoStore(a)) - Number(intoStore(b)));
    if (posted.length === 0) return [];
    // Cash stays owed by the courier (their cash in hand is not undone): the customer is refunded to their wallet.
    const batch: TransferRequest[] = posted
      .filter((t) => t.code !== 'cash_collected')
      .map((t) => this.move(`${t.id}:reversal`, t.creditAccountId, t.debitAccountId, t.amountMinor, 'reversal', order.orderId, t.currency));
    const cash = posted.find((t) => t.code === 'cash_collected');
    if (cash) batch.push(this.move(`${order.orderId}:refund_to_wallet`, cash.creditAccountId, await this.account('customer_wallet', order.customerId), cash.amountMinor, 'refund_to_wallet', order.orderId, cash.currency));
    // Refunded to the wallet (the customer's or admin's choice): the settle's reversal already put the money there.
    if (order.method === 'card' && !opts.toWallet) {
      const wallet = accountIdFor('customer_wallet', order.customerId);
      batch.push(this.move(`${order.orderId}:card_refund`, wallet, await this.account('gateway_clearing', 'card'), order.totalMinor, 'card_refund', order.orderId, posted[0]!.currency));
    }
    return this.deps.transfers.execute(batch);
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
