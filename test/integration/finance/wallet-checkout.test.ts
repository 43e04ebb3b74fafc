import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { startTestApp, http, type TestApp } from '../../helpers/app.js';
import { startStripeStub, type StripeStub } from '../../helpers/stripe-stub.js';
import { checkout, fillCart, seedCustomer, seedStore, stockOf, DAMASCUS, type SeededCustomer, type SeededStore } from '../../helpers/checkout-world.js';
import { COMMISSION_BPS, FEE_CUT_BPS } from '../../helpers/golden-path-ledger.js';
import { changeDelivery } from '../../../domain/delivery/use-cases/support.js';
import { pageRequest } from '../../../domain/shared/pagination.js';
import type { Cradle } from '../../../infra/container.js';
import { eventually } from '../../helpers/webhook-receiver.js';

const NEAR = { lat: DAMASCUS.lat + 0.005, lng: DAMASCUS.lng };

/**
 * Paying with the wallet over the real app (PGlite, private redis-server, relay, BullMQ, the
 * finance consumer): the checkout reserves the order's total in the wallet in its own
 * transaction, delivery posts it, a cancellation voids it, a short wallet refuses the checkout.
 * Wallets are funded with a posted `wallet_top_up` transfer through the container's ledger
 * (the card top-up itself is proven in wallet-top-up.test.ts).
 */
describe('wallet checkout over HTTP (real app, PGlite, private redis-server, finance consumer)', function () {
  this.timeout(120_000);
  let app: TestApp;
  let store: SeededStore;
  let admin: string;
  let stripe: StripeStub;
  const cradle = () => app.system.composed.container.cradle as Cradle;
  const api = (path: string) => `${app.url}/api/v1${path}`;

  before(async () => {
    stripe = await startStripeStub();
    app = await startTestApp({ env: { ...stripe.env, RATE_LIMIT_AUTH_PER_MIN: '100000', RATE_LIMIT_STRICT_PER_15MIN: '100000' } });
    store = await seedStore(app, { products: [{ price: 12_500, stock: 500 }, { price: 3_000, stock: 500 }] });
    admin = app.token('admin', 'finance-admin', ['finance:manage']);
  });
  after(async () => {
    await app?.stop();
    await stripe?.close();
  });

  async function fund(customerId: string, amountMinor: number): Promise<void> {
    const c = cradle();
    const wallet = await c.openLedgerAccount.execute({ ownerKind: 'customer_wallet', ownerId: customerId });
    const card = await c.openLedgerAccount.execute({ ownerKind: 'gateway_clearing', ownerId: 'card' });
    await c.createTransfers.one({ id: `seed:${randomUUID()}`, debitAccountId: card.id, creditAccountId: wallet.id, amountMinor, currency: wallet.currency, code: 'wallet_top_up', reference: `customer:${customerId}` });
  }
  const account = async (id: string) => {
    const r = await http(api(`/finance/accounts/${id}`), { token: admin });
    return r.status === 200 ? (r.body.data.balance as { posted: number; pending: number; available: number }) : null;
  };
  const wallet = (c: SeededCustomer) => account(`customer_wallet:${c.customerId}`);
  const cart = (c: SeededCustomer) => fillCart(app, c, [{ variantId: store.variants[0]!.variantId, quantity: 2 }, { variantId: store.variants[1]!.variantId, quantity: 1 }]);
  /** The store prepares the order and a courier delivers it (the delivery moved as the courier app would); answers the courier. */
  async function deliver(orderId: string): Promise<string> {
    for (const step of ['confirm', 'preparing', 'ready']) {
      const r = await http(api(`/orders/${orderId}/${step}`), { method: 'POST', token: store.ownerToken, json: {} });
      expect(r.status, `${step}: ${JSON.stringify(r.body)}`).to.equal(200);
    }
    const c0 = cradle();
    const delivery = (await c0.deliveries.findByOrderId(orderId))!;
    const courierId = `courier-${randomUUID().slice(0, 8)}`;
    await changeDelivery(c0, delivery.id, (d) => d.assign(courierId, c0.clock.now()));
    for (const s of ['at_pickup', 'picked_up', 'at_dropoff', 'delivered'] as const) await changeDelivery(c0, delivery.id, (d) => void d.transition(s, c0.clock.now()));
    return courierId;
  }
  const refund = (orderId: string, json: Record<string, unknown>) =>
    http(api(`/orders/${orderId}/payment/refunds`), { method: 'POST', token: app.token('admin', 'refund-admin', ['payments:refund', 'finance:manage']), json, headers: { 'Idempotency-Key': randomUUID() } });
  const orderStatus = async (c: SeededCustomer, id: string) => (await http(api(`/orders/${id}`), { token: c.token })).body.data.status as string;

  it('when a customer pays by wallet and the order is delivered, then the hold is posted and the wallet, store, courier and platform end to the minor unit', async () => {
    const c = await seedCustomer(app, NEAR);
    await fund(c.customerId, 1_000_000);
    await cart(c);
    const r = await checkout(app, c, { paymentMethod: 'wallet' });
    expect(r.status, JSON.stringify(r.body)).to.equal(201);
    const o = r.body.data.orders[0] as { orderId: string; totalMinor: number; deliveryFeeMinor: number };
    // Reserved in the checkout's own transaction: before any event is handled.
    expect(await wallet(c)).to.deep.equal({ posted: 1_000_000, pending: -o.totalMinor, available: 1_000_000 - o.totalMinor });
    expect(await orderStatus(c, o.orderId)).to.equal('awaiting_payment');

    const revenue0 = (await account('platform_revenue:platform'))?.posted ?? 0;
    const courierId = await deliver(o.orderId);
    const c0 = cradle();
    await eventually(async () => (await wallet(c))?.pending === 0, 15_000, 'the hold posted');

    const commission = Math.floor((25_000 * COMMISSION_BPS) / 10_000) + Math.floor((3_000 * COMMISSION_BPS) / 10_000);
    const cut = Math.floor((o.deliveryFeeMinor * FEE_CUT_BPS) / 10_000);
    await eventually(async () => (await account(`courier_earnings:${courierId}`))?.posted === o.deliveryFeeMinor - cut, 15_000, 'the courier paid');
    expect(await wallet(c)).to.deep.equal({ posted: 1_000_000 - o.totalMinor, pending: 0, available: 1_000_000 - o.totalMinor });
    expect(await account(`store_payable:${store.storeId}`)).to.deep.include({ pending: 0 });
    expect((await account('platform_revenue:platform'))!.posted - revenue0).to.equal(commission + cut);
    const payment = (await http(api(`/orders/${o.orderId}/payment`), { token: c.token })).body.data;
    expect(payment).to.deep.include({ method: 'wallet', status: 'captured', capturedMinor: o.totalMinor });
    const held = (await c0.ledger.findTransfers([`${o.orderId}:hold`, `${o.orderId}:settle`])).map((t) => [t.kind, t.amountMinor]);
    expect(held).to.deep.equal([['pending', o.totalMinor], ['post_pending', o.totalMinor]]);
  });

  it('when a wallet order is cancelled, then the hold is voided and the whole balance is available again', async () => {
    const c = await seedCustomer(app, NEAR);
    await fund(c.customerId, 500_000);
    await cart(c);
    const r = await checkout(app, c, { paymentMethod: 'wallet' });
    expect(r.status, JSON.stringify(r.body)).to.equal(201);
    const o = r.body.data.orders[0] as { orderId: string; totalMinor: number };
    expect((await wallet(c))?.available).to.equal(500_000 - o.totalMinor);
    const cancel = await http(api(`/orders/${o.orderId}/cancel`), { method: 'POST', token: c.token, json: { reason: 'changed my mind' } });
    expect(cancel.status, JSON.stringify(cancel.body)).to.equal(200);
    await eventually(async () => (await wallet(c))?.pending === 0, 15_000, 'the hold voided');
    expect(await wallet(c)).to.deep.equal({ posted: 500_000, pending: 0, available: 500_000 });
    const [release] = await cradle().ledger.findTransfers([`${o.orderId}:release`]);
    expect(release).to.deep.include({ kind: 'void_pending', pendingId: `${o.orderId}:hold` });
    await eventually(async () => (await http(api(`/orders/${o.orderId}/payment`), { token: c.token })).body.data.status === 'voided', 15_000, 'the payment voided');
  });

  it('when the wallet holds less than the checkout, then WALLET_INSUFFICIENT_FUNDS and nothing changes: no order, no stock held, the wallet and cart as they were', async () => {
    const c = await seedCustomer(app, NEAR);
    await fund(c.customerId, 20_000);
    await cart(c);
    const before = await wallet(c);
    const reserved = (await stockOf(app, store, store.variants[0]!.variantId)).reserved;
    const key = randomUUID();
    const r = await checkout(app, c, { paymentMethod: 'wallet' }, key);
    expect([r.status, r.body.error?.code]).to.deep.equal([422, 'WALLET_INSUFFICIENT_FUNDS']);
    expect(r.body.error.details[0]).to.deep.include({ reason: 'insufficient_funds' });
    expect(await wallet(c)).to.deep.equal(before);
    expect((await cradle().orders.list({ customerId: c.customerId }, pageRequest(1, 10))).items).to.have.length(0);
    expect((await stockOf(app, store, store.variants[0]!.variantId)).reserved).to.equal(reserved);
    expect((await http(api('/cart'), { token: c.token })).body.data.groups).to.have.length(1);
    // Topped up, the same key checks out: the refusal stored nothing under it.
    await fund(c.customerId, 1_000_000);
    const again = await checkout(app, c, { paymentMethod: 'wallet' }, key);
    expect(again.status, JSON.stringify(again.body)).to.equal(201);
  });

  it('when a delivered wallet order is refunded in full, then exactly what was posted is reversed: the wallet is whole again and the store, courier and platform give back their parts', async () => {
    const c = await seedCustomer(app, NEAR);
    await fund(c.customerId, 600_000);
    await cart(c);
    const r = await checkout(app, c, { paymentMethod: 'wallet' });
    expect(r.status, JSON.stringify(r.body)).to.equal(201);
    const o = r.body.data.orders[0] as { orderId: string; totalMinor: number };
    const store0 = (await account(`store_payable:${store.storeId}`))?.posted ?? 0;
    const revenue0 = (await account('platform_revenue:platform'))?.posted ?? 0;
    await eventually(async () => (await orderStatus(c, o.orderId)) === 'awaiting_payment', 15_000, 'awaiting_payment');
    const courierId = await deliver(o.orderId);
    await eventually(async () => (await wallet(c))?.posted === 600_000 - o.totalMinor && (await account(`courier_earnings:${courierId}`)) !== null, 15_000, 'settled');
    await eventually(async () => (await http(api(`/orders/${o.orderId}/payment`), { token: c.token })).body.data.status === 'captured', 15_000, 'the wallet payment captured');
    const back = await refund(o.orderId, { reason: 'The order arrived cold' });
    expect(back.status, JSON.stringify(back.body)).to.equal(201);
    expect(back.body.data.refunds[0]).to.deep.include({ amountMinor: o.totalMinor, destination: 'wallet', providerRef: null });
    await eventually(async () => (await wallet(c))?.posted === 600_000, 15_000, 'the wallet whole again');
    expect(await wallet(c)).to.deep.equal({ posted: 600_000, pending: 0, available: 600_000 });
    expect((await account(`courier_earnings:${courierId}`))?.posted).to.equal(0);
    expect((await account(`store_payable:${store.storeId}`))?.posted).to.equal(store0);
    expect((await account('platform_revenue:platform'))?.posted).to.equal(revenue0);
  });

  it('when a delivered card order is refunded to the wallet, then the card is not refunded and the wallet holds the order total', async () => {
    const c = await seedCustomer(app, NEAR);
    await cart(c);
    const r = await checkout(app, c, { paymentMethod: 'card', paymentMethodToken: 'pm_card_visa' });
    expect(r.status, JSON.stringify(r.body)).to.equal(201);
    const o = r.body.data.orders[0] as { orderId: string; totalMinor: number };
    const card0 = (await account('gateway_clearing:card'))?.posted ?? 0;
    await eventually(async () => (await orderStatus(c, o.orderId)) === 'awaiting_payment', 15_000, 'awaiting_payment');
    const courierId = await deliver(o.orderId);
    await eventually(async () => (await account(`courier_earnings:${courierId}`)) !== null && (await wallet(c))?.pending === 0, 15_000, 'settled');
    const refunds0 = stripe.stats().refunds;
    const back = await refund(o.orderId, { reason: 'Missing items; the customer asked for store credit', destination: 'wallet' });
    expect(back.status, JSON.stringify(back.body)).to.equal(201);
    expect(back.body.data).to.deep.include({ status: 'refunded', refundedMinor: o.totalMinor });
    await eventually(async () => (await wallet(c))?.posted === o.totalMinor, 15_000, 'the wallet credited');
    await new Promise((ok) => setTimeout(ok, 300));
    expect(await wallet(c)).to.deep.equal({ posted: o.totalMinor, pending: 0, available: o.totalMinor });
    expect(stripe.stats().refunds, 'no card refund').to.equal(refunds0);
    // Captured once into the ledger and never sent back: the card clearing account is down by the total.
    expect((await account('gateway_clearing:card'))!.posted - card0).to.equal(-o.totalMinor);
    expect(await cradle().ledger.findTransfers([`${o.orderId}:card_refund`])).to.deep.equal([]);
    expect((await account(`courier_earnings:${courierId}`))?.posted).to.equal(0);
  });

  it('when a delivered card order is refunded in three parts over the API (card, wallet, the rest to the card), then the card gets two refunds, the wallet one, and store, courier and platform follow each part to the minor unit', async () => {
    const c = await seedCustomer(app, NEAR);
    await cart(c);
    const r = await checkout(app, c, { paymentMethod: 'card', paymentMethodToken: 'pm_card_visa' });
    expect(r.status, JSON.stringify(r.body)).to.equal(201);
    const o = r.body.data.orders[0] as { orderId: string; totalMinor: number; deliveryFeeMinor: number };
    await eventually(async () => (await orderStatus(c, o.orderId)) === 'awaiting_payment', 15_000, 'awaiting_payment');
    const storeAccount = `store_payable:${store.storeId}`;
    const courierId = await deliver(o.orderId);
    await eventually(async () => (await account(`courier_earnings:${courierId}`)) !== null && (await wallet(c))?.pending === 0, 15_000, 'settled');
    const snapshot = async () => ({
      store: (await account(storeAccount))!.posted, courier: (await account(`courier_earnings:${courierId}`))!.posted, wallet: (await wallet(c))!.posted,
      revenue: (await account('platform_revenue:platform'))!.posted, card: (await account('gateway_clearing:card'))!.posted,
    });
    const settled = await snapshot();
    const commission = (await cradle().ledger.transfersByReference(`order:${o.orderId}`)).filter((t) => t.code === 'order_commission').map((t) => t.amountMinor);
    const goods = o.totalMinor - o.deliveryFeeMinor;
    const reversed = (refunded: number) => commission.reduce((n, x) => n + Math.floor((x * Math.min(refunded, goods)) / goods), 0);
    const [a, b] = [Math.floor(goods / 3), Math.floor(goods / 4)];
    const refunds0 = stripe.stats().refunds;

    expect((await refund(o.orderId, { amountMinor: a, reason: 'A missing item' })).body.data).to.deep.include({ status: 'partially_refunded', refundedMinor: a });
    await eventually(async () => (await account(storeAccount))!.posted !== settled.store, 15_000, 'the first part mirrored');
    expect(await snapshot()).to.deep.equal({
      store: settled.store - a + reversed(a), courier: settled.courier, wallet: 0, revenue: settled.revenue - reversed(a), card: settled.card + a,
    });
    expect((await refund(o.orderId, { amountMinor: b, reason: 'Cold food; store credit', destination: 'wallet' })).body.data).to.deep.include({ status: 'partially_refunded', refundedMinor: a + b });
    await eventually(async () => (await wallet(c))!.posted === b, 15_000, 'the second part in the wallet');
    expect(await snapshot()).to.deep.equal({
      store: settled.store - a - b + reversed(a + b), courier: settled.courier, wallet: b, revenue: settled.revenue - reversed(a + b), card: settled.card + a,
    });
    expect((await refund(o.orderId, { reason: 'The rest' })).body.data).to.deep.include({ status: 'refunded', refundedMinor: o.totalMinor });
    await eventually(async () => (await account(`courier_earnings:${courierId}`))!.posted === 0, 15_000, 'the rest mirrored');
    // Everything this order posted is reversed; the wallet keeps the part refunded there, which never went back to the card.
    const fee = settled.courier;
    expect(await snapshot()).to.deep.equal({
      store: settled.store - (goods - commission.reduce((n, x) => n + x, 0)), courier: 0, wallet: b,
      revenue: settled.revenue - commission.reduce((n, x) => n + x, 0) - (o.deliveryFeeMinor - fee), card: settled.card + o.totalMinor - b,
    });
    expect(stripe.stats().refunds - refunds0, 'two card refunds').to.equal(2);
  });
});
