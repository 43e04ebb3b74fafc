import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import { startTestApp, http, type TestApp } from '../../helpers/app.js';
import { startStripeStub, type StripeStub } from '../../helpers/stripe-stub.js';
import { checkout, fillCart, seedCustomer, seedStore, stockOf, DAMASCUS, type SeededCustomer, type SeededStore } from '../../helpers/checkout-world.js';
import type { Cradle } from '../../../infra/container.js';
import { pageRequest } from '../../../domain/shared/pagination.js';
import { startMongoStandin, type MongoStandin } from '../../helpers/mongo-standin/index.js';

const NEAR = { lat: DAMASCUS.lat + 0.005, lng: DAMASCUS.lng }; // ~560 m: the first fee band (50_000)
const FAR = { lat: 34.7324, lng: 36.7137 }; // Homs: outside every zone

/** The same checkout on PGlite and on the Mongo adapters (mongo-standin: its transaction is a mongoose session transaction through UnitOfWork). */
for (const backend of ['pglite', 'mongo-standin'] as const) describe(`checkout over HTTP (real app, ${backend}, private redis-server, Stripe stub)`, function () {
  this.timeout(240_000);
  let app: TestApp;
  let standin: MongoStandin | undefined;
  let stripe: StripeStub;
  let bakery: SeededStore;
  let grocer: SeededStore;
  const cradle = () => app.system.composed.container.cradle as Cradle;
  const ordersOf = async (customerId: string) => (await cradle().orders.list({ customerId }, pageRequest(1, 50))).items;

  before(async () => {
    stripe = await startStripeStub();
    if (backend === 'mongo-standin') standin = await startMongoStandin();
    const mongo: Record<string, string> = standin ? { MONGODB_URI: standin.uri(`daraa_checkout_${randomBytes(4).toString('hex')}`) } : {};
    app = await startTestApp({ env: { ...stripe.env, ...mongo, RATE_LIMIT_AUTH_PER_MIN: '100000' } });
    const admin = app.token('admin', 'vat-admin', ['settings:read', 'settings:write']);
    const vat = await http(`${app.url}/api/v1/admin/settings/vat.rateBps`, { method: 'PUT', token: admin, json: { value: 1_100, expectedVersion: 0, reason: 'VAT 11 %' } });
    expect(vat.status, JSON.stringify(vat.body)).to.equal(200);
    bakery = await seedStore(app, { products: [{ price: 12_500, stock: 50 }, { price: 3_000, stock: 50 }] });
    grocer = await seedStore(app, { location: { lat: DAMASCUS.lat + 0.01, lng: DAMASCUS.lng }, products: [{ price: 99_999, stock: 50 }] });
  });
  after(async () => {
    await app?.stop();
    await stripe?.close();
    await standin?.stop();
  });

  const twoStoreCart = async (c: SeededCustomer) =>
    fillCart(app, c, [{ variantId: bakery.variants[0]!.variantId, quantity: 2 }, { variantId: bakery.variants[1]!.variantId, quantity: 1 }, { variantId: grocer.variants[0]!.variantId, quantity: 3 }]);

  it('when a customer checks out a two-store cart by card, then one checkout, two numbered orders whose totals add up, stock reserved, two card holds, the cart converted', async () => {
    const c = await seedCustomer(app, NEAR);
    await twoStoreCart(c);
    const before = await stockOf(app, bakery, bakery.variants[0]!.variantId);
    const key = randomUUID();
    const r = await checkout(app, c, { paymentMethod: 'card', paymentMethodToken: 'pm_card_visa' }, key);
    expect(r.status, JSON.stringify(r.body)).to.equal(201);
    const co = r.body.data;
    expect(co.orders).to.have.length(2);
    for (const o of co.orders) {
      expect(o.number).to.match(/^D-\d{6}-\d{4,}$/);
      expect(o.totalMinor).to.equal(o.subtotalMinor + o.deliveryFeeMinor + o.vatMinor);
    }
    type Ref = { subtotalMinor: number; deliveryFeeMinor: number; vatMinor: number; totalMinor: number };
    const sum = (f: (o: Ref) => number) => (co.orders as Ref[]).reduce((s, o) => s + f(o), 0);
    expect(co.totals).to.deep.equal({ subtotalMinor: sum((o) => o.subtotalMinor), deliveryFeesMinor: sum((o) => o.deliveryFeeMinor), vatMinor: sum((o) => o.vatMinor), totalMinor: sum((o) => o.totalMinor) });
    const bakeryOrder = co.orders.find((o: { storeId: string }) => o.storeId === bakery.storeId);
    // 2 × 12_500 + 3_000 = 28_000; fee 50_000 (first band); VAT 11 % of 78_000 = 8_580
    expect(bakeryOrder).to.deep.include({ subtotalMinor: 28_000, deliveryFeeMinor: 50_000, vatMinor: 8_580, totalMinor: 86_580 });
    expect(co.vatRateBps).to.equal(1_100);

    const after = await stockOf(app, bakery, bakery.variants[0]!.variantId);
    expect([after.reserved - before.reserved, before.available - after.available]).to.deep.equal([2, 2]);
    const orders = await ordersOf(c.customerId);
    expect(orders.map((o) => o.toProps().checkoutId)).to.deep.equal([co.id, co.id]);
    // The holds are recorded in the checkout's transaction, which also makes each card order the store's to accept.
    expect(orders.map((o) => o.toProps().status)).to.deep.equal(['awaiting_payment', 'awaiting_payment']);
    const held = stripe.paymentIntents().filter((pi) => pi.status === 'requires_capture' && co.orders.some((o: { orderId: string }) => pi.metadata.orderId === o.orderId));
    expect(held.map((pi) => pi.amount).sort()).to.deep.equal(co.orders.map((o: { totalMinor: number }) => o.totalMinor).sort());
    const cart = await http(`${app.url}/api/v1/cart`, { token: c.token });
    expect(cart.body.data.groups ?? []).to.have.length(0);

    const replay = await checkout(app, c, { paymentMethod: 'card', paymentMethodToken: 'pm_card_visa' }, key);
    expect([replay.status, replay.headers.get('idempotent-replayed')]).to.deep.equal([201, 'true']);
    expect(replay.body).to.deep.equal(r.body);
    const reused = await checkout(app, c, { paymentMethod: 'cash' }, key);
    expect([reused.status, reused.body.error.code]).to.deep.equal([422, 'IDEMPOTENCY_KEY_REUSED']);
    expect(await ordersOf(c.customerId)).to.have.length(2);
  });

  /** Asserts the refusal left nothing: no order, no reserved unit, no card hold, the cart still active with its lines. */
  async function expectNothingLeft(c: SeededCustomer, reservedBefore: number, holdsBefore: number): Promise<void> {
    expect(await ordersOf(c.customerId), 'no order').to.have.length(0);
    expect((await stockOf(app, bakery, bakery.variants[0]!.variantId)).reserved, 'no held stock').to.equal(reservedBefore);
    expect(stripe.paymentIntents().filter((pi) => pi.status === 'requires_capture').length, 'no card hold').to.equal(holdsBefore);
  }
  const holds = () => stripe.paymentIntents().filter((pi) => pi.status === 'requires_capture').length;

  it('when the cart is empty, the key is missing, the address is outside a zone or a store is closed, then each gets its coded error and nothing is made', async () => {
    const empty = await seedCustomer(app, NEAR);
    const e = await checkout(app, empty, { paymentMethod: 'cash' });
    expect([e.status, e.body.error.code]).to.deep.equal([422, 'CART_EMPTY']);

    const c = await seedCustomer(app, NEAR);
    await twoStoreCart(c);
    const reserved = (await stockOf(app, bakery, bakery.variants[0]!.variantId)).reserved;
    const h = holds();
    const noKey = await checkout(app, c, { paymentMethod: 'cash' }, null);
    expect([noKey.status, noKey.body.error.code]).to.deep.equal([400, 'IDEMPOTENCY_KEY_REQUIRED']);

    const far = await http(`${app.url}/api/v1/addresses`, { method: 'POST', token: c.token, json: { label: 'Far', line: 'Homs', point: FAR } });
    const outside = await checkout(app, c, { paymentMethod: 'card', paymentMethodToken: 'pm_card_visa', addressId: far.body.data.id });
    expect([outside.status, outside.body.error.code]).to.deep.equal([422, 'OUTSIDE_DELIVERY_ZONE']);
    expect(outside.body.error.details[0]).to.deep.include({ reason: 'outside_zone' });

    const closed = await seedStore(app, { products: [{ price: 5_000, stock: 5 }] });
    const d = await seedCustomer(app, NEAR);
    await fillCart(app, d, [{ variantId: closed.variants[0]!.variantId, quantity: 1 }]);
    await http(`${app.url}/api/v1/stores/${closed.storeId}`, { method: 'PATCH', token: closed.ownerToken, json: { hours: { timeZone: 'UTC', weekly: [] } } });
    const shut = await checkout(app, d, { paymentMethod: 'cash' });
    expect([shut.status, shut.body.error.code]).to.deep.equal([422, 'STORE_CLOSED']);
    expect((await stockOf(app, closed, closed.variants[0]!.variantId)).reserved).to.equal(0);
    await expectNothingLeft(c, reserved, h);
  });

  it('when the price or quantity sent is tampered with, or a store is under its minimum, then PRICE_CHANGED, VALIDATION_ERROR, CONFLICT or BELOW_MINIMUM_ORDER and nothing is made', async () => {
    const c = await seedCustomer(app, NEAR);
    await twoStoreCart(c);
    const reserved = (await stockOf(app, bakery, bakery.variants[0]!.variantId)).reserved;
    const h = holds();
    const lines = [
      { variantId: bakery.variants[0]!.variantId, quantity: 2, unitPriceMinor: 12_500 },
      { variantId: bakery.variants[1]!.variantId, quantity: 1, unitPriceMinor: 3_000 },
      { variantId: grocer.variants[0]!.variantId, quantity: 3, unitPriceMinor: 99_999 },
    ];
    const cheap = await checkout(app, c, { paymentMethod: 'cash', lines: [{ ...lines[0]!, unitPriceMinor: 1 }, lines[1], lines[2]] });
    expect([cheap.status, cheap.body.error.code]).to.deep.equal([409, 'PRICE_CHANGED']);
    expect(cheap.body.error.details[0]).to.deep.include({ variantId: bakery.variants[0]!.variantId, expectedMinor: 1, currentMinor: 12_500 });
    const total = await checkout(app, c, { paymentMethod: 'cash', expectedTotalMinor: 1 });
    expect([total.status, total.body.error.details[0].reason]).to.deep.equal([409, 'total_changed']);
    for (const quantity of [0, -1, 100, 2.5]) {
      const q = await checkout(app, c, { paymentMethod: 'cash', lines: [{ ...lines[0]!, quantity }, lines[1], lines[2]] });
      expect([q.status, q.body.error.code], String(quantity)).to.deep.equal([400, 'VALIDATION_ERROR']);
    }
    const more = await checkout(app, c, { paymentMethod: 'cash', lines: [{ ...lines[0]!, quantity: 5 }, lines[1], lines[2]] });
    expect([more.status, more.body.error.details[0].reason]).to.deep.equal([409, 'cart_changed']);

    const pricey = await seedStore(app, { minimumOrder: 100_000, products: [{ price: 10_000, stock: 10 }] });
    const d = await seedCustomer(app, NEAR);
    await fillCart(app, d, [{ variantId: pricey.variants[0]!.variantId, quantity: 2 }]);
    const small = await checkout(app, d, { paymentMethod: 'cash' });
    expect([small.status, small.body.error.code]).to.deep.equal([422, 'BELOW_MINIMUM_ORDER']);
    expect(small.body.error.details[0]).to.deep.include({ storeId: pricey.storeId, shortfallMinor: 80_000 });
    await expectNothingLeft(c, reserved, h);
    expect(await ordersOf(d.customerId)).to.have.length(0);
  });

  it('when the card is declined, then PAYMENT_DECLINED and nothing is made: no order, no held stock, no hold left at the provider', async () => {
    const c = await seedCustomer(app, NEAR);
    await twoStoreCart(c);
    const reserved = (await stockOf(app, bakery, bakery.variants[0]!.variantId)).reserved;
    const h = holds();
    const r = await checkout(app, c, { paymentMethod: 'card', paymentMethodToken: 'pm_card_chargeDeclined' });
    expect([r.status, r.body.error.code]).to.deep.equal([402, 'PAYMENT_DECLINED']);
    await expectNothingLeft(c, reserved, h);
    const ok = await checkout(app, c, { paymentMethod: 'cash' });
    expect(ok.status, 'the cart is still there to pay otherwise').to.equal(201);
  });

  it('when 30 identical checkouts race with one key, then exactly one checkout, one reservation and one hold per store; the rest are 409 IDEMPOTENCY_KEY_IN_USE or the replay', async () => {
    const c = await seedCustomer(app, NEAR);
    await twoStoreCart(c);
    const reserved = (await stockOf(app, bakery, bakery.variants[0]!.variantId)).reserved;
    const key = randomUUID();
    const all = await Promise.all(Array.from({ length: 30 }, () => checkout(app, c, { paymentMethod: 'card', paymentMethodToken: 'pm_card_visa' }, key)));
    const made = all.filter((r) => r.status === 201 && !r.headers.get('idempotent-replayed'));
    expect(made, JSON.stringify(all.map((r) => r.status))).to.have.length(1);
    for (const r of all) expect(r.status === 409 ? r.body.error.code : r.body.data.id).to.be.oneOf(['IDEMPOTENCY_KEY_IN_USE', made[0]!.body.data.id]);
    expect(await ordersOf(c.customerId)).to.have.length(2);
    expect((await stockOf(app, bakery, bakery.variants[0]!.variantId)).reserved - reserved).to.equal(2);
    expect(stripe.stats().doubleAuthorizations).to.equal(0);
  });

  it('when 200 customers race for the last 20 units, then exactly 20 orders and the stock never goes below 0', async () => {
    const scarce = await seedStore(app, { products: [{ price: 20_000, stock: 20 }] });
    const variantId = scarce.variants[0]!.variantId;
    const customers = await Promise.all(Array.from({ length: 200 }, () => seedCustomer(app, NEAR)));
    // the carts are set-up, not under test: filled 20 at a time
    for (let i = 0; i < customers.length; i += 20) await Promise.all(customers.slice(i, i + 20).map((c) => fillCart(app, c, [{ variantId, quantity: 1 }])));
    const results = await Promise.all(customers.map((c) => checkout(app, c, { paymentMethod: 'cash' })));
    const won = results.filter((r) => r.status === 201);
    expect(won, JSON.stringify([...new Set(results.map((r) => `${r.status} ${r.body?.error?.code ?? ''}`))])).to.have.length(20);
    for (const r of results.filter((x) => x.status !== 201)) expect(r.body.error.code).to.equal('INSUFFICIENT_STOCK');
    const level = await stockOf(app, scarce, variantId);
    expect(level).to.deep.include({ onHand: 20, reserved: 20, available: 0 });
  });
});
