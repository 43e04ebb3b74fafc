import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { forEachBackend } from '../helpers/databases.js';
import { ledgerWorld, type LedgerWorld } from '../helpers/ledger.js';
import { createRepositories, type Repositories } from '../../infra/db/index.js';
import { Order, type OrderProps, type OrderStatus } from '../../domain/ordering/order.js';
import { Payment, type PaymentMethod } from '../../domain/ordering/payment.js';
import { OrderMoneyFlows, type SettlementOrder } from '../../domain/finance/use-cases/order-flows.js';
import { ReconcileLedger } from '../../domain/finance/use-cases/reconcile-ledger.js';

const OPTS = { lookbackDays: 3, graceMinutes: 60 };
const HOUR = 3_600_000;

/**
 * The nightly reconciliation on every backend: orders and payments written straight into the
 * repositories (as a bug or a lost event would leave them), the flows posted by OrderMoneyFlows.
 */
forEachBackend('Reconciliation (ledger against orders and payments)', (ctx) => {
  let w: LedgerWorld;
  let repos: Repositories;
  let flows: OrderMoneyFlows;
  let reconcile: ReconcileLedger;
  before(async () => {
    w = await ledgerWorld(ctx.store);
    repos = createRepositories(ctx.store);
    flows = new OrderMoneyFlows(w.flowDeps);
    reconcile = new ReconcileLedger({ orders: repos.orders, payments: repos.payments, ledger: w.ledger, outbox: repos.outbox, unitOfWork: repos.unitOfWork, clock: w.clock });
  });
  after(() => w?.close());

  /** An order as the ordering context stores it, placed and last changed two hours before the clock. */
  async function storedOrder(method: PaymentMethod, status: OrderStatus, totalMinor = 25_000): Promise<SettlementOrder> {
    const at = new Date(w.clock.ms - 2 * HOUR).toISOString();
    const id = randomUUID();
    const props: OrderProps = {
      id, number: `D-260101-${randomUUID().slice(0, 6)}`, checkoutId: `co-${id}`, storeId: `store-${id.slice(0, 8)}`, customerId: `cust-${id.slice(0, 8)}`,
      lines: [{ variantId: 'v', productId: 'p', name: { ar: 'خبز', en: 'Bread' }, unitPriceMinor: totalMinor - 5_000, quantity: 1, lineTotalMinor: totalMinor - 5_000 }],
      currency: 'SYP', totals: { subtotalMinor: totalMinor - 5_000, deliveryFeeMinor: 5_000, vatMinor: 0, totalMinor }, paymentMethod: method,
      dropoff: { point: { lat: 33.5, lng: 36.3 }, addressId: null, label: null, line: '1 Main St', building: null, floor: null, notes: null },
      status, timeline: { placed: at, [status]: at }, reason: null, version: 3, createdAt: at, updatedAt: at,
    };
    await repos.orders.create(Order.restore(props));
    if (method === 'card') {
      const p = Payment.create({ id: `pay-${id}`, orderId: id, checkoutId: props.checkoutId, customerId: props.customerId, storeId: props.storeId, method, amountMinor: totalMinor, currency: 'SYP', at: new Date(at) }).toProps();
      await repos.payments.create(Payment.restore({ ...p, status: 'captured', capturedMinor: totalMinor, timeline: { ...p.timeline, captured: at } }));
    }
    return {
      orderId: id, storeId: props.storeId, customerId: props.customerId, method, subtotalMinor: totalMinor - 5_000, deliveryFeeMinor: 5_000, vatMinor: 0, totalMinor,
      lines: [{ variantId: 'v', productId: 'p', categoryId: null, lineTotalMinor: totalMinor - 5_000 }], placedAt: at,
    };
  }
  const alerts = async (runId: string) => (await repos.outbox.unpublished(100_000)).filter((e) => e.aggregateId === runId || (e.payload as { metadata?: { runId?: string } }).metadata?.runId === runId);

  it('when every delivered order is settled and every captured payment booked, then a run finds nothing and writes nothing', async () => {
    const card = await storedOrder('card', 'delivered');
    await flows.hold(card);
    await flows.settleDelivered(card, 'courier-a');
    await flows.settleDelivered(await storedOrder('cash', 'completed'), 'courier-b');
    const captured = await storedOrder('card', 'confirmed'); // captured, not delivered yet: only the capture is expected
    await flows.hold(captured);
    await storedOrder('cash', 'preparing'); // nothing expected yet
    const runId = `clean-${randomUUID().slice(0, 8)}`;
    const report = await reconcile.execute(runId, OPTS);
    expect(report.checkedOrders).to.be.at.least(4);
    expect(report.mismatches).to.deep.equal([]);
    expect(await alerts(runId)).to.deep.equal([]);
  });

  it('when a delivered order has no flows, a captured payment is not in the ledger, or a settlement differs from the total, then each is caught, alerted once and audited', async () => {
    const unsettled = await storedOrder('cash', 'delivered', 30_000);
    const unbooked = await storedOrder('card', 'confirmed', 12_000);
    const differs = await storedOrder('card', 'delivered', 20_000);
    await flows.hold({ ...differs, totalMinor: 19_000 });
    await flows.settleDelivered({ ...differs, totalMinor: 19_000 }, 'courier-c');
    const recent = await storedOrder('cash', 'delivered');
    await repos.orders.save(Order.restore({ ...(await repos.orders.findById(recent.orderId))!.toProps(), updatedAt: w.clock.now().toISOString() }), 3); // delivered a minute ago: the consumer may still be on it

    const runId = `broken-${randomUUID().slice(0, 8)}`;
    const report = await reconcile.execute(runId, OPTS);
    const byRef = (id: string) => report.mismatches.filter((m) => m.reference === `order:${id}`).map((m) => [m.kind, m.expectedMinor, m.actualMinor]);
    expect(byRef(unsettled.orderId)).to.deep.equal([['delivered_order_not_settled', 30_000, null]]);
    expect(byRef(unbooked.orderId)).to.deep.equal([['captured_payment_not_booked', 12_000, null]]);
    expect(byRef(differs.orderId)).to.deep.equal([['settled_amount_differs', 20_000, 19_000], ['captured_amount_differs', 20_000, 19_000]]);
    expect(byRef(recent.orderId), 'inside the grace period').to.deep.equal([]);
    expect(report.mismatches).to.have.length(4);

    const written = await alerts(runId);
    const alert = written.filter((e) => e.type === 'finance.reconciliation.mismatch_found');
    expect(alert).to.have.length(1);
    expect(alert[0]!.payload).to.deep.include({ runId, mismatches: 4, kinds: { delivered_order_not_settled: 1, captured_payment_not_booked: 1, settled_amount_differs: 1, captured_amount_differs: 1 } });
    const audits = written.filter((e) => e.type === 'platform.audit_entry.requested').map((e) => e.payload as { action: string; resource: { type: string; id: string }; metadata: { kind: string } });
    expect(audits.map((a) => a.action)).to.deep.equal(Array(4).fill('finance.reconciliation_mismatch'));
    expect(audits.find((a) => a.metadata.kind === 'delivered_order_not_settled')!.resource).to.deep.equal({ type: 'order', id: unsettled.orderId });

    // Repaired (the consumer catches up), the next run is clean again for that order.
    await flows.settleDelivered(unsettled, 'courier-d');
    const after = await reconcile.execute(`after-${randomUUID().slice(0, 8)}`, OPTS);
    expect(after.mismatches.filter((m) => m.reference === `order:${unsettled.orderId}`)).to.deep.equal([]);
  });

  it('when a delivered order\'s payment recorded refunds the ledger has not mirrored, then the run reports refunds_not_booked; once mirrored, the order is clean', async () => {
    const o = await storedOrder('card', 'delivered', 40_000);
    await flows.hold(o);
    await flows.settleDelivered(o, 'courier-r');
    const payment = (await repos.payments.findByOrderId(o.orderId))!;
    const refunds = [{ id: `r1-${o.orderId}`, amountMinor: 10_000 }, { id: `r2-${o.orderId}`, amountMinor: 5_000 }];
    const at = new Date(w.clock.ms - 2 * HOUR).toISOString();
    await repos.payments.save(Payment.restore({
      ...payment.toProps(), status: 'partially_refunded', refundedMinor: 15_000, updatedAt: at, version: payment.version + 1,
      refunds: refunds.map((r) => ({ ...r, reason: 'test', providerRef: null, key: r.id, actor: null, at, destination: 'original' as const })),
    }), payment.version);
    await flows.refund(o, [{ ...refunds[0]!, destination: 'original' }]);
    const mine = async () => (await reconcile.execute(`refunds-${randomUUID().slice(0, 8)}`, OPTS)).mismatches.filter((m) => m.reference === `order:${o.orderId}`).map((m) => [m.kind, m.expectedMinor, m.actualMinor]);
    expect(await mine(), 'the second refund is missing').to.deep.equal([['refunds_not_booked', 15_000, 10_000]]);
    await flows.refund(o, refunds.map((r) => ({ ...r, destination: 'original' as const })));
    expect(await mine()).to.deep.equal([]);
  });
});
