import type { Order } from '../../ordering/order.js';
import type { OrderRepository, PaymentRepository } from '../../ordering/ports.js';
import type { Outbox, UnitOfWork } from '../../shared/events.js';
import type { Clock } from '../../shared/ids.js';
import { auditEntryEvent } from '../../platform/events.js';
import { reconciliationMismatchFound } from '../payout-events.js';
import type { LedgerRepository } from '../ports.js';
import type { Transfer } from '../model.js';

export const MISMATCH_KINDS = ['delivered_order_not_settled', 'settled_amount_differs', 'captured_payment_not_booked', 'captured_amount_differs', 'refunds_not_booked', 'ledger_unbalanced'] as const;
export type MismatchKind = (typeof MISMATCH_KINDS)[number];

export interface Mismatch {
  kind: MismatchKind;
  /** `order:<id>`, or `ledger` for the whole book. */
  reference: string;
  expectedMinor: number;
  actualMinor: number | null;
}

export interface ReconciliationReport {
  runId: string;
  checkedOrders: number;
  mismatches: Mismatch[];
}

export interface ReconcileLedgerDeps {
  orders: Pick<OrderRepository, 'list'>;
  payments: Pick<PaymentRepository, 'findByOrderId'>;
  ledger: Pick<LedgerRepository, 'transfersByReference' | 'totals'>;
  outbox: Outbox;
  unitOfWork: UnitOfWork;
  clock: Clock;
}

export interface ReconcileOptions {
  /** Orders placed this far back are checked (a night's run overlaps the last few days'). */
  lookbackDays: number;
  /** Orders and payments changed more recently are left to the next run: the finance consumer may not have followed them yet. */
  graceMinutes: number;
}

const DELIVERED = new Set(['delivered', 'completed']);

/** What the ledger returned to the customer for these refunds; an order refunded in full before refunds were mirrored one by one counts whole. */
function refundsBooked(orderId: string, refundIds: readonly string[], transfers: ReadonlyMap<string, Transfer>): number {
  const legacy = transfers.get(`${orderId}:settle:reversal`) ?? transfers.get(`${orderId}:refund_to_wallet`);
  if (legacy) return legacy.amountMinor;
  return refundIds.reduce((n, id) => n + (transfers.get(`refund:${id}:to_customer`)?.amountMinor ?? 0), 0);
}
const PAGE = 100;

/**
 * The nightly reconciliation: the ledger against orders and payments.
 * - every delivered order has its flow posted: `<order>:settle` (card, wallet) or `<order>:cash`
 *   for the order's total;
 * - every captured card payment is in the ledger: `<order>:capture` for the captured amount;
 * - a delivered order's refunds are in the ledger: `refund:<refundId>:to_customer` for each refund the payment
 *   recorded, adding up to what it refunded;
 * - across all accounts, posted debits = posted credits (and pending alike).
 * Each mismatch becomes an audit entry; a run that finds any writes one
 * `finance.reconciliation.mismatch_found` (the admin alert), all in one transaction.
 * Read-only otherwise: it reports, it never repairs.
 */
export class ReconcileLedger {
  constructor(private readonly deps: ReconcileLedgerDeps) {}

  async execute(runId: string, opts: ReconcileOptions): Promise<ReconciliationReport> {
    const now = this.deps.clock.now();
    const settledBefore = now.getTime() - opts.graceMinutes * 60_000;
    const mismatches: Mismatch[] = [];
    let checkedOrders = 0;
    for (let page = 1; ; page++) {
      const { items } = await this.deps.orders.list({ placedFrom: new Date(now.getTime() - opts.lookbackDays * 86_400_000), placedTo: now }, { page, limit: PAGE });
      for (const order of items) {
        if (Date.parse(order.toProps().updatedAt) > settledBefore) continue;
        checkedOrders++;
        mismatches.push(...(await this.checkOrder(order, settledBefore)));
      }
      if (items.length < PAGE) break;
    }
    const totals = await this.deps.ledger.totals();
    if (totals.debitsPosted !== totals.creditsPosted) mismatches.push({ kind: 'ledger_unbalanced', reference: 'ledger:posted', expectedMinor: totals.creditsPosted, actualMinor: totals.debitsPosted });
    if (totals.debitsPending !== totals.creditsPending) mismatches.push({ kind: 'ledger_unbalanced', reference: 'ledger:pending', expectedMinor: totals.creditsPending, actualMinor: totals.debitsPending });
    if (mismatches.length > 0) await this.report(runId, mismatches, now);
    return { runId, checkedOrders, mismatches };
  }

  private async checkOrder(order: Order, settledBefore: number): Promise<Mismatch[]> {
    const o = order.toProps();
    const reference = `order:${o.id}`;
    const transfers = new Map((await this.deps.ledger.transfersByReference(reference)).map((t) => [t.id, t]));
    const found: Mismatch[] = [];
    const payment = (await this.deps.payments.findByOrderId(o.id))?.toProps();
    if (DELIVERED.has(o.status)) {
      const settled = transfers.get(o.paymentMethod === 'cash' ? `${o.id}:cash` : `${o.id}:settle`);
      if (!settled) found.push({ kind: 'delivered_order_not_settled', reference, expectedMinor: o.totals.totalMinor, actualMinor: null });
      else if (settled.amountMinor !== o.totals.totalMinor) found.push({ kind: 'settled_amount_differs', reference, expectedMinor: o.totals.totalMinor, actualMinor: settled.amountMinor });
      if (settled && payment && payment.refundedMinor > 0 && Date.parse(payment.updatedAt) <= settledBefore) {
        const booked = refundsBooked(o.id, payment.refunds.map((r) => r.id), transfers);
        if (booked !== payment.refundedMinor) found.push({ kind: 'refunds_not_booked', reference, expectedMinor: payment.refundedMinor, actualMinor: booked });
      }
    }
    if (o.paymentMethod === 'card') {
      if (payment && payment.capturedMinor > 0 && Date.parse(payment.updatedAt) <= settledBefore) {
        const capture = transfers.get(`${o.id}:capture`);
        if (!capture) found.push({ kind: 'captured_payment_not_booked', reference, expectedMinor: payment.capturedMinor, actualMinor: null });
        else if (capture.amountMinor !== payment.capturedMinor) found.push({ kind: 'captured_amount_differs', reference, expectedMinor: payment.capturedMinor, actualMinor: capture.amountMinor });
      }
    }
    return found;
  }

  private async report(runId: string, mismatches: readonly Mismatch[], now: Date): Promise<void> {
    const kinds: Record<string, number> = {};
    for (const m of mismatches) kinds[m.kind] = (kinds[m.kind] ?? 0) + 1;
    const sample = mismatches.slice(0, 5).map((m) => `${m.kind} ${m.reference} (expected ${m.expectedMinor}, found ${m.actualMinor ?? 'nothing'})`).join('; ').slice(0, 1_000);
    await this.deps.unitOfWork.transaction(() => this.deps.outbox.add([
      {
        type: reconciliationMismatchFound.type, aggregateId: runId, aggregateVersion: 1, occurredAt: now.toISOString(),
        payload: { runId, mismatches: mismatches.length, kinds, sample, at: now.toISOString() },
      },
      ...mismatches.map((m) => auditEntryEvent({
        id: `reconciliation:${runId}:${m.kind}:${m.reference}`, actor: { id: null, role: 'system' }, action: 'finance.reconciliation_mismatch', outcome: 'failure',
        resource: m.reference.startsWith('order:') ? { type: 'order', id: m.reference.slice('order:'.length) } : { type: 'ledger', id: null },
        metadata: { runId, kind: m.kind, expectedMinor: m.expectedMinor, actualMinor: m.actualMinor },
      }, now)),
    ]));
  }
}
