import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Job } from 'bullmq';
import { ulid } from 'ulidx';
import { forEachBackend } from '../../helpers/databases.js';
import { ledgerWorld, type LedgerWorld } from '../../helpers/ledger.js';
import { line } from '../../helpers/orders.js';
import { createRepositories, type Repositories } from '../../../infra/db/index.js';
import { Order } from '../../../domain/ordering/order.js';
import { Payment, type PaymentMethod } from '../../../domain/ordering/payment.js';
import { Delivery } from '../../../domain/delivery/model.js';
import { ORDER_EVENT_BY_STATUS, toOrderEvents } from '../../../domain/ordering/order-events.js';
import { paymentEvent } from '../../../domain/ordering/payment-events.js';
import { OrderMoneyFlows } from '../../../domain/finance/use-cases/order-flows.js';
import { FollowOrderMoney } from '../../../domain/finance/use-cases/follow-order-money.js';
import { accountIdFor } from '../../../domain/finance/use-cases/open-account.js';
import { balanceOf, type OwnerKind } from '../../../domain/finance/model.js';
import type { DomainEvent, NewEvent } from '../../../domain/shared/events.js';
import { financeProcessor } from '../../../workers/processors/finance.js';
import { FinanceQueries } from '../../../domain/finance/use-cases/finance-queries.js';
import type { Principal } from '../../../domain/shared/principal.js';

/**
 * The finance consumer on every backend, fed the events the outbox would carry. An order of
 * 2 × 12,500 + 1 × 3,000, delivery fee 10,000, VAT 0: total 38,000. The default rules: 10 %
 * commission (2,500 + 300 = 2,800) and a 20 % cut of the fee (2,000); the courier earns 8,000;
 * the store is owed 38,000 − 2,800 − 10,000 = 25,200; the platform earns 4,800.
 */
forEachBackend('Finance consumer', (ctx) => {
  let w: LedgerWorld;
  let repos: Repositories;
  let handle: (event: DomainEvent) => Promise<{ duplicate: boolean }>;
  const at = new Date(Date.UTC(2026, 0, 1, 12));
  before(async () => {
    w = await ledgerWorld(ctx.store);
    repos = createRepositories(ctx.store);
    const orderMoneyFlows = new OrderMoneyFlows(w.flowDeps);
    const followOrderMoney = new FollowOrderMoney({ orders: repos.orders, payments: repos.payments, deliveries: repos.deliveries, products: repos.products, orderMoneyFlows });
    const processor = financeProcessor({ unitOfWork: repos.unitOfWork, processedEvents: repos.processedEvents, clock: w.clock, followOrderMoney });
    handle = (event) => {
      w.clock.advance(1); // events are handled at distinct times, as they are in production
      return processor({ data: event } as Job);
    };
  });
  after(async () => {
    await w?.close();
  });

  const asEvent = (e: NewEvent): DomainEvent => ({ ...e, id: ulid(), aggregateType: e.type.startsWith('ordering.payment') ? 'payment' : 'order', schemaVersion: 1 }) as DomainEvent;

  interface World { order: Order; payment: Payment; courierId: string }
  async function placed(method: PaymentMethod): Promise<World> {
    const order = Order.place({
      id: randomUUID(), number: await repos.orders.nextNumber(at), checkoutId: `co-${randomUUID()}`, storeId: `store-${randomUUID().slice(0, 8)}`,
      customerId: `cust-${randomUUID().slice(0, 8)}`, lines: [line(12_500, 2), line(3_000, 1)], currency: 'SYP', deliveryFeeMinor: 10_000, vatMinor: 0,
      paymentMethod: method, dropoff: { point: { lat: 33.5, lng: 36.3 }, line: '1 Main St' }, at,
    });
    await repos.orders.create(order);
    const payment = Payment.create({ id: randomUUID(), orderId: order.id, checkoutId: order.toProps().checkoutId, customerId: order.customerId, storeId: order.storeId, method, amountMinor: 38_000, currency: 'SYP', at });
    await repos.payments.create(payment);
    return { order, payment, courierId: `courier-${randomUUID().slice(0, 8)}` };
  }
  async function move(o: Order, ...path: Parameters<Order['transition']>[0][]): Promise<DomainEvent> {
    for (const to of path) {
      const version = o.version;
      if (to === 'confirmed' && o.paymentMethod === 'card') o.transition('awaiting_payment', 'system', { actor: null, at });
      o.transition(to, ['cancelled', 'rejected', 'confirmed', 'preparing', 'ready_for_pickup'].includes(to) ? 'store' : 'system', { actor: null, reason: 'test', at });
      expect(await repos.orders.save(o, version)).to.equal(true);
    }
    return asEvent(toOrderEvents(o, o.pullChanges()).at(-1)!);
  }
  async function capture(p: Payment): Promise<DomainEvent> {
    const version = p.version;
    if (p.method === 'card') p.authorize(`pi_${randomUUID()}`, at);
    p.capture(38_000, at);
    expect(await repos.payments.save(p, version)).to.equal(true);
    return asEvent(paymentEvent('captured', p, at));
  }
  async function refund(p: Payment, amountMinor = p.refundableMinor, destination: 'original' | 'wallet' = 'original'): Promise<DomainEvent> {
    const version = p.version;
    const id = randomUUID();
    p.refund({ id, amountMinor, reason: 'test', providerRef: null, key: id, actor: null, destination }, at);
    expect(await repos.payments.save(p, version)).to.equal(true);
    return asEvent(paymentEvent('refunded', p, at, { refundId: id }));
  }
  async function deliveredBy(o: Order, courierId: string): Promise<void> {
    const d = Delivery.create({ id: randomUUID(), orderId: o.id, storeId: o.storeId, customerId: o.customerId, pickup: { lat: 33.5, lng: 36.3 }, dropoff: { lat: 33.51, lng: 36.31 }, at });
    d.assign(courierId, at);
    await repos.deliveries.create(d);
  }
  const posted = async (kind: OwnerKind, owner: string) => {
    const a = await w.ledger.findAccount(accountIdFor(kind, owner));
    return a ? balanceOf(a).posted : 0;
  };
  const balances = async ({ order, courierId }: World) => ({
    store: await posted('store_payable', order.storeId), wallet: await posted('customer_wallet', order.customerId),
    courier: await posted('courier_earnings', courierId), cash: await posted('courier_cash_in_hand', courierId),
  });
  const platform = async () => ({ revenue: await posted('platform_revenue', 'platform'), card: await posted('gateway_clearing', 'card') });
  const delta = (a: { revenue: number; card: number }, b: { revenue: number; card: number }) => ({ revenue: b.revenue - a.revenue, card: b.card - a.card });

  it('when a card order is captured, then delivered, then every balance ends to the minor unit and redelivered events change nothing', async () => {
    const world = await placed('card');
    const p0 = await platform();
    const captured = await capture(world.payment);
    expect(await handle(captured)).to.include({ duplicate: false });
    expect(await balances(world)).to.deep.equal({ store: 0, wallet: 38_000, courier: 0, cash: 0 });
    await deliveredBy(world.order, world.courierId);
    const delivered = await move(world.order, 'confirmed', 'preparing', 'ready_for_pickup', 'picked_up', 'delivered');
    expect(delivered.type).to.equal(ORDER_EVENT_BY_STATUS.delivered.type);
    await handle(delivered);
    const expected = { store: 25_200, wallet: 0, courier: 8_000, cash: 0 };
    expect(await balances(world)).to.deep.equal(expected);
    expect(delta(p0, await platform())).to.deep.equal({ revenue: 4_800, card: -38_000 });
    expect(await handle(delivered)).to.include({ duplicate: true });
    expect(await handle(captured)).to.include({ duplicate: true });
    expect(await balances(world)).to.deep.equal(expected);
    expect(delta(p0, await platform())).to.deep.equal({ revenue: 4_800, card: -38_000 });
  });

  it('when a card order is delivered before its capture event is handled, then delivery holds first and the late capture event changes nothing', async () => {
    const world = await placed('card');
    const captured = await capture(world.payment);
    await deliveredBy(world.order, world.courierId);
    await handle(await move(world.order, 'confirmed', 'preparing', 'ready_for_pickup', 'picked_up', 'delivered'));
    await handle(captured);
    expect(await balances(world)).to.deep.equal({ store: 25_200, wallet: 0, courier: 8_000, cash: 0 });
  });

  it('when a cash order is delivered, then the courier holds the whole total in cash and the store, courier and platform are paid from it', async () => {
    const world = await placed('cash');
    const p0 = await platform();
    await deliveredBy(world.order, world.courierId);
    await handle(await capture(world.payment));
    await handle(await move(world.order, 'confirmed', 'preparing', 'ready_for_pickup', 'picked_up', 'delivered'));
    expect(await balances(world)).to.deep.equal({ store: 25_200, wallet: 0, courier: 8_000, cash: -38_000 });
    expect(delta(p0, await platform())).to.deep.equal({ revenue: 4_800, card: 0 });
  });

  it('when a captured card order is cancelled, in either order of its events, then the hold is voided and the money goes back to the card', async () => {
    for (const captureFirst of [true, false]) {
      const world = await placed('card');
      const p0 = await platform();
      const captured = await capture(world.payment);
      const cancelled = await move(world.order, 'confirmed', 'cancelled');
      for (const e of captureFirst ? [captured, cancelled] : [cancelled, captured]) await handle(e);
      await handle(await refund(world.payment));
      expect(await balances(world), `capture first: ${captureFirst}`).to.deep.equal({ store: 0, wallet: 0, courier: 0, cash: 0 });
      const wallet = (await w.ledger.findAccount(accountIdFor('customer_wallet', world.order.customerId)))!;
      expect(balanceOf(wallet)).to.deep.equal({ posted: 0, pending: 0, available: 0 });
      expect(delta(p0, await platform())).to.deep.equal({ revenue: 0, card: 0 });
    }
  });

  it('when a delivered card order is refunded in full, then everything posted is reversed and the card is paid back', async () => {
    const world = await placed('card');
    const p0 = await platform();
    await handle(await capture(world.payment));
    await deliveredBy(world.order, world.courierId);
    await handle(await move(world.order, 'confirmed', 'preparing', 'ready_for_pickup', 'picked_up', 'delivered'));
    const refunded = await refund(world.payment);
    await handle(refunded);
    expect(await balances(world)).to.deep.equal({ store: 0, wallet: 0, courier: 0, cash: 0 });
    expect(delta(p0, await platform())).to.deep.equal({ revenue: 0, card: 0 });
    const totals = await w.ledger.totals();
    expect(totals.debitsPosted).to.equal(totals.creditsPosted);
  });

  it('when a card order is refunded in parts (one before delivery, one to the wallet, the rest), with events out of order, then each part reverses its share once and the last lands every account exactly', async () => {
    const world = await placed('card');
    const p0 = await platform();
    await handle(await capture(world.payment));
    await deliveredBy(world.order, world.courierId);
    await move(world.order, 'confirmed', 'preparing', 'ready_for_pickup', 'picked_up');
    await handle(await refund(world.payment, 7_000));
    expect(await balances(world), 'not delivered yet: nothing is reversed').to.deep.equal({ store: 0, wallet: 38_000, courier: 0, cash: 0 });
    await handle(await move(world.order, 'delivered'));
    // Goods 28,000: a quarter of the commission (2,500 + 300) comes back to the store, 625 + 75.
    expect(await balances(world)).to.deep.equal({ store: 25_200 - 7_000 + 700, wallet: 0, courier: 8_000, cash: 0 });
    expect(delta(p0, await platform())).to.deep.equal({ revenue: 4_800 - 700, card: -31_000 });
    const toWallet = await refund(world.payment, 14_000, 'wallet');
    const rest = await refund(world.payment);
    expect(world.payment.status).to.equal('refunded');
    await handle(rest);
    expect(await balances(world), 'the last event applies the earlier refund too').to.deep.equal({ store: 0, wallet: 14_000, courier: 0, cash: 0 });
    await handle(toWallet);
    expect(await balances(world)).to.deep.equal({ store: 0, wallet: 14_000, courier: 0, cash: 0 });
    expect(delta(p0, await platform())).to.deep.equal({ revenue: 0, card: -14_000 });
    const totals = await w.ledger.totals();
    expect(totals.debitsPosted).to.equal(totals.creditsPosted);
  });

  it('when a delivered cash order is refunded in part, then the wallet gets the part and the courier still owes all the cash', async () => {
    const world = await placed('cash');
    await deliveredBy(world.order, world.courierId);
    await handle(await capture(world.payment));
    await handle(await move(world.order, 'confirmed', 'preparing', 'ready_for_pickup', 'picked_up', 'delivered'));
    await handle(await refund(world.payment, 14_000, 'wallet'));
    // Half the goods: half the commission (1,250 + 150) back to the store.
    expect(await balances(world)).to.deep.equal({ store: 25_200 - 14_000 + 1_400, wallet: 14_000, courier: 8_000, cash: -38_000 });
  });

  it('when a settled card order is read as statements, then each entry carries the posted and available balance after it, page by page', async () => {
    const world = await placed('card');
    await handle(await capture(world.payment));
    await deliveredBy(world.order, world.courierId);
    await handle(await move(world.order, 'confirmed', 'preparing', 'ready_for_pickup', 'picked_up', 'delivered'));
    const queries = new FinanceQueries({ ledger: w.ledger, stores: repos.stores });
    const financeAdmin: Principal = { accountId: 'a', role: 'admin', permissions: ['finance:manage'], sessionId: 's', tokenId: 't', expiresAt: 0 };
    const wallet = await queries.statement(financeAdmin, accountIdFor('customer_wallet', world.order.customerId), { page: 1, limit: 20 });
    expect(wallet.entries.items.map((e) => [e.code, e.kind, e.side, e.balanceAfter.posted, e.balanceAfter.available])).to.deep.equal([
      ['card_capture', 'posted', 'credit', 38_000, 38_000], ['order_hold', 'pending', 'debit', 38_000, 0], ['order_hold', 'post_pending', 'debit', 0, 0],
    ]);
    const store = accountIdFor('store_payable', world.order.storeId);
    const all = await queries.statement(financeAdmin, store, { page: 1, limit: 20 });
    expect(all.entries.items.map((e) => e.balanceAfter.posted)).to.deep.equal([0, 38_000, 35_500, 35_200, 27_200, 25_200]);
    const second = await queries.statement(financeAdmin, store, { page: 2, limit: 4 });
    expect(second.entries.items.map((e) => e.balanceAfter.posted), 'the balance carried over from page 1').to.deep.equal([27_200, 25_200]);
    expect(second.entries.pagination).to.deep.include({ total: 6, totalPages: 2 });
    let refused: unknown;
    const stranger: Principal = { ...financeAdmin, role: 'store_owner', permissions: [] };
    await queries.statement(stranger, store, { page: 1, limit: 20 }).catch((err: unknown) => (refused = err));
    expect((refused as { code?: string })?.code, 'another owner is told it does not exist').to.equal('NOT_FOUND');
  });

  it('when a delivered order has no courier on its delivery, then the event fails and is retried, writing nothing', async () => {
    const world = await placed('cash');
    const delivered = await move(world.order, 'confirmed', 'preparing', 'ready_for_pickup', 'picked_up', 'delivered');
    let failed: unknown;
    await handle(delivered).catch((err: unknown) => (failed = err));
    expect((failed as { code?: string })?.code).to.equal('CONFLICT');
    expect(await balances(world)).to.deep.equal({ store: 0, wallet: 0, courier: 0, cash: 0 });
    await deliveredBy(world.order, world.courierId);
    expect(await handle(delivered)).to.include({ duplicate: false });
    expect(await balances(world)).to.deep.include({ store: 25_200, cash: -38_000 });
  });
});
