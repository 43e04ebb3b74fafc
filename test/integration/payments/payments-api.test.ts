import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { startTestApp, http, type TestApp } from '../../helpers/app.js';
import { startMongoStandin, type MongoStandin } from '../../helpers/mongo-standin/index.js';
import { startStripeStub, type StripeStub } from '../../helpers/stripe-stub.js';
import { Delivery } from '../../../domain/delivery/model.js';
import type { Cradle } from '../../../infra/container.js';
import type { PaymentMethod } from '../../../domain/ordering/payment.js';

async function until<T>(read: () => Promise<T | undefined>, what: string, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const backend of ['pglite', 'mongo-standin'] as const) {
describe(`payments over HTTP (${backend}; real app, private Redis, the Stripe stub as a local server sending signed webhooks)`, function () {
  this.timeout(90_000);
  let standin: MongoStandin | undefined;
  let stub: StripeStub;
  let app: TestApp;
  let c: Cradle;
  let hook: string;
  const customer = `cust-${randomUUID()}`;
  const storeId = `store-${randomUUID()}`;
  const admin = () => app.token('admin', `adm-${randomUUID()}`, ['payments:refund', 'payments:read']);
  const mine = () => app.token('customer', customer);

  before(async () => {
    stub = await startStripeStub();
    if (backend === 'mongo-standin') standin = await startMongoStandin();
    app = await startTestApp({ env: { ...stub.env, ...(standin ? { MONGODB_URI: standin.uri(`daraa_pay_${randomBytes(4).toString('hex')}`) } : {}) } });
    c = app.system.composed.container.cradle as unknown as Cradle;
    hook = `${app.url}/api/v1/payments/webhooks/stripe`;
    stub.setWebhookUrl(hook);
  });
  after(async () => {
    await stub?.flushWebhooks();
    await app?.stop();
    await stub?.close();
    await standin?.stop();
  });

  async function pay(method: PaymentMethod = 'card', amountMinor = 45_000) {
    const orderId = randomUUID();
    const p = await c.authorizePayment.execute({ orderId, checkoutId: randomUUID(), customerId: customer, storeId, method, amountMinor, currency: 'SYP', paymentMethodToken: method === 'card' ? 'pm_card_visa' : null, idempotencyKey: `checkout:${randomUUID()}:${storeId}` });
    return { orderId, paymentId: p.id, providerRef: p.providerRef! };
  }

  /** An order event as the orders context writes it, through the real outbox, relay and queue. */
  async function orderEvent(orderId: string, to: 'confirmed' | 'rejected' | 'cancelled', from: string, reason: string | null = null) {
    const type = { confirmed: 'ordering.order.confirmed', rejected: 'ordering.order.rejected', cancelled: 'ordering.order.cancelled' }[to];
    const at = new Date().toISOString();
    await c.unitOfWork.transaction(() => c.outbox.add([{
      type, aggregateId: orderId, aggregateVersion: 3, occurredAt: at,
      payload: { orderId, orderNumber: 'D-260110-0001', checkoutId: randomUUID(), storeId, customerId: customer, from, to, totalMinor: 45_000, currency: 'SYP', paymentMethod: 'card', reason, actor: null, at },
    }]));
  }

  const read = async (orderId: string, token = mine()) => (await http(`${app.url}/api/v1/orders/${orderId}/payment`, { token })).body?.data;
  const statusBecomes = (orderId: string, status: string) => until(async () => ((await read(orderId))?.status === status ? true : undefined), `payment ${status}`);

  it('when a card is authorised at checkout, then the payment is authorized with its PaymentIntent holding the amount', async () => {
    const { orderId, providerRef } = await pay();
    expect(await read(orderId)).to.deep.include({ method: 'card', status: 'authorized', amountMinor: 45_000, capturedMinor: 0, providerRef });
    expect(stub.paymentIntent(providerRef)).to.include({ status: 'requires_capture', capture_method: 'manual', amount_capturable: 45_000 });
  });

  it('when the store confirms (twice, as a redelivery would), then the hold is captured once at the stub and the payment reads captured', async () => {
    const { orderId, providerRef } = await pay();
    const before = stub.stats();
    await orderEvent(orderId, 'confirmed', 'awaiting_payment');
    await statusBecomes(orderId, 'captured');
    await orderEvent(orderId, 'confirmed', 'awaiting_payment');
    await new Promise((r) => setTimeout(r, 500));
    await stub.flushWebhooks();
    expect(stub.paymentIntent(providerRef)?.status).to.equal('succeeded');
    expect(stub.stats().charges - before.charges).to.equal(1);
    expect(stub.stats().doubleCharges).to.equal(0);
    expect(await read(orderId)).to.deep.include({ status: 'captured', capturedMinor: 45_000 });
  });

  it('when 20 captures of one order race (redeliveries and a duplicate consumer), then the stub charges once and one captured event is written', async () => {
    const { orderId, paymentId, providerRef } = await pay();
    const before = stub.stats();
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => c.capturePayment.execute(orderId)));
    expect(results.filter((r) => r.status === 'rejected'), 'no capture fails').to.deep.equal([]);
    await stub.flushWebhooks();
    expect(stub.stats().charges - before.charges).to.equal(1);
    expect(stub.stats().doubleCharges).to.equal(0);
    expect(stub.paymentIntent(providerRef)?.amount_received).to.equal(45_000);
    const p = (await c.payments.findById(paymentId))!.toProps();
    expect(p).to.deep.include({ status: 'captured', capturedMinor: 45_000 });
    const captured = c.store.kind === 'sql'
      ? (await c.store.sql.query<{ n: number }>("select count(*)::int as n from outbox where aggregate_id = $1 and type = 'ordering.payment.captured'", [paymentId])).rows[0]?.n
      : await c.store.mongo.collection('outbox').countDocuments({ aggregateId: paymentId, type: 'ordering.payment.captured' });
    expect(captured, 'captured events in the outbox').to.equal(1);
  });

  it('when the store rejects, then the hold is voided at the stub and the payment reads voided', async () => {
    const { orderId, providerRef } = await pay();
    await orderEvent(orderId, 'rejected', 'awaiting_payment', 'out of bread');
    await statusBecomes(orderId, 'voided');
    expect(stub.paymentIntent(providerRef)?.status).to.equal('canceled');
  });

  it('when an order is cancelled after capture, then everything captured is refunded with the reason', async () => {
    const { orderId, providerRef } = await pay();
    await orderEvent(orderId, 'confirmed', 'awaiting_payment');
    await statusBecomes(orderId, 'captured');
    await orderEvent(orderId, 'cancelled', 'preparing', 'store closed early');
    await statusBecomes(orderId, 'refunded');
    const p = await read(orderId);
    expect(p).to.deep.include({ refundedMinor: 45_000 });
    expect(p.refunds[0]).to.deep.include({ amountMinor: 45_000, reason: 'store closed early' });
    expect(stub.paymentIntent(providerRef)?.amount_refunded).to.equal(45_000);
  });

  describe('admin refunds', () => {
    let orderId: string;
    before(async () => {
      ({ orderId } = await pay());
      await orderEvent(orderId, 'confirmed', 'awaiting_payment');
      await statusBecomes(orderId, 'captured');
    });
    const refund = (json: unknown, token = admin(), headers: Record<string, string> = {}, id = orderId) => http(`${app.url}/api/v1/orders/${id}/payment/refunds`, { method: 'POST', json, token, headers });

    it('when an admin refunds part with an Idempotency-Key, then 201 partially_refunded; the same key again answers the same refund', async () => {
      const key = `refund-${randomUUID()}`;
      const first = await refund({ amountMinor: 5_000, reason: 'One bread bag was missing' }, admin(), { 'idempotency-key': key });
      expect(first.status).to.equal(201);
      expect(first.body.data).to.deep.include({ status: 'partially_refunded', refundedMinor: 5_000 });
      const again = await refund({ amountMinor: 5_000, reason: 'One bread bag was missing' }, admin(), { 'idempotency-key': key });
      expect(again.body.data.refunds).to.have.length(1);
      expect(stub.paymentIntents().find((pi) => pi.metadata.orderId === orderId)?.amount_refunded).to.equal(5_000);
    });

    it('when a refund exceeds what is left, then 422 REFUND_EXCEEDS_CAPTURED and nothing moves at the stub', async () => {
      const refunds = stub.stats().refunds;
      const r = await refund({ amountMinor: 40_001, reason: 'too much' });
      expect(r.status).to.equal(422);
      expect(r.body.error.code).to.equal('REFUND_EXCEEDS_CAPTURED');
      expect(stub.stats().refunds).to.equal(refunds);
    });

    it('when the amount is negative, zero, fractional, a string or the reason is missing, then 400 VALIDATION_ERROR', async () => {
      for (const body of [{ amountMinor: -1, reason: 'x refund' }, { amountMinor: 0, reason: 'x refund' }, { amountMinor: 10.5, reason: 'x refund' }, { amountMinor: '100', reason: 'x refund' }, { amountMinor: 100 }, { amountMinor: 100, reason: 'ok refund', extra: 1 }]) {
        const r = await refund(body);
        expect(r.status, JSON.stringify(body)).to.equal(400);
        expect(r.body.error.code).to.equal('VALIDATION_ERROR');
      }
      expect((await read(orderId)).refundedMinor).to.equal(5_000);
    });

    it('when the order is unknown, then 404; a customer or an admin without payments:refund, then 403', async () => {
      expect((await refund({ reason: 'who is this' }, admin(), {}, randomUUID())).status).to.equal(404);
      expect((await refund({ reason: 'give it back' }, mine())).status).to.equal(403);
      expect((await refund({ reason: 'give it back' }, app.token('admin', 'adm-ops', ['deliveries:manage']))).status).to.equal(403);
    });

    it('when an admin refunds the rest without an amount, then the payment reads refunded', async () => {
      const r = await refund({ reason: 'Customer complaint upheld' });
      expect(r.body.data).to.deep.include({ status: 'refunded', refundedMinor: 45_000 });
    });
  });

  describe('who reads a payment', () => {
    it("when another customer, a store owner of another store or a courier not on the delivery reads it, then 404; the paying customer and payments:read admins read it", async () => {
      const { orderId } = await pay();
      expect((await http(`${app.url}/api/v1/orders/${orderId}/payment`, { token: app.token('customer', 'someone-else') })).status).to.equal(404);
      expect((await http(`${app.url}/api/v1/orders/${orderId}/payment`, { token: app.token('store_owner', 'owner-x') })).status).to.equal(404);
      expect((await http(`${app.url}/api/v1/orders/${orderId}/payment`, { token: app.token('courier', 'courier-x') })).status).to.equal(404);
      expect((await http(`${app.url}/api/v1/orders/${orderId}/payment`, { token: mine() })).status).to.equal(200);
      expect((await http(`${app.url}/api/v1/orders/${orderId}/payment`, { token: app.token('admin', 'adm-r', ['payments:read']) })).status).to.equal(200);
      expect((await http(`${app.url}/api/v1/orders/${orderId}/payment`)).status).to.equal(401);
    });
  });

  describe('cash on delivery', () => {
    it('when the assigned courier marks the cash collected after pickup, then the payment is captured; before pickup 409, another courier 404, again 200', async () => {
      const { orderId, providerRef } = await pay('cash', 30_000);
      expect(providerRef).to.match(/^cash_/);
      const courier = `courier-${randomUUID()}`;
      const d = Delivery.create({ id: randomUUID(), orderId, storeId, customerId: customer, pickup: { lat: 33.51, lng: 36.31 }, dropoff: { lat: 33.52, lng: 36.29 }, at: new Date() });
      d.assign(courier, new Date());
      await c.deliveries.create(d);
      const collect = (token: string) => http(`${app.url}/api/v1/orders/${orderId}/payment/cash-collected`, { method: 'POST', token });
      const early = await collect(app.token('courier', courier));
      expect(early.status).to.equal(409);
      expect(early.body.error.details[0].reason).to.equal('not_picked_up');
      const v = d.version;
      d.transition('at_pickup', new Date());
      d.transition('picked_up', new Date());
      await c.deliveries.save(d, v);
      expect((await collect(app.token('courier', `courier-${randomUUID()}`))).status).to.equal(404);
      expect((await collect(app.token('customer', customer))).status).to.equal(403);
      const done = await collect(app.token('courier', courier));
      expect(done.status).to.equal(200);
      expect(done.body.data).to.deep.include({ method: 'cash', status: 'captured', capturedMinor: 30_000 });
      expect((await collect(app.token('courier', courier))).body.data.version).to.equal(done.body.data.version);
    });

    it('when a wallet payment is asked of an empty wallet, then WALLET_INSUFFICIENT_FUNDS and nothing is stored', async () => {
      const orderId = randomUUID();
      let code: string | undefined;
      await c.authorizePayment.execute({ orderId, checkoutId: randomUUID(), customerId: customer, storeId, method: 'wallet', amountMinor: 100, currency: 'SYP', idempotencyKey: `k-${orderId}` }).catch((err: { code: string }) => (code = err.code));
      expect(code).to.equal('WALLET_INSUFFICIENT_FUNDS');
      expect(await c.payments.findByOrderId(orderId)).to.equal(null);
      expect(await c.ledger.findTransfers([`${orderId}:hold`])).to.deep.equal([]);
    });

    it('when a card is declined, then PAYMENT_DECLINED with the decline code and nothing is stored', async () => {
      const orderId = randomUUID();
      let err: { code?: string; details?: { reason: string }[] } = {};
      await c.authorizePayment.execute({ orderId, checkoutId: randomUUID(), customerId: customer, storeId, method: 'card', amountMinor: 100, currency: 'SYP', paymentMethodToken: 'pm_card_chargeDeclined', idempotencyKey: `k-${orderId}` }).catch((e: typeof err) => (err = e));
      expect(err.code).to.equal('PAYMENT_DECLINED');
      expect(err.details?.[0]?.reason).to.equal('generic_decline');
      expect(await c.payments.findByOrderId(orderId)).to.equal(null);
    });
  });

  describe('webhooks (signed by the stub, verified by the SDK in the app)', () => {
    const piObject = (id: string, over: Record<string, unknown> = {}) => ({ ...stub.paymentIntent(id), ...over });

    it('when the signature is bad, then 400 WEBHOOK_SIGNATURE_INVALID and the payment does not move', async () => {
      const { orderId, providerRef } = await pay();
      const ev = stub.event('payment_intent.canceled', piObject(providerRef, { status: 'canceled' }));
      const forged = await stub.sendWebhook(hook, ev, { secret: 'whsec_forged0000' });
      expect(forged.status).to.equal(400);
      expect((forged.body as { error: { code: string } }).error.code).to.equal('WEBHOOK_SIGNATURE_INVALID');
      const unsigned = await http(hook, { method: 'POST', json: ev });
      expect(unsigned.status).to.equal(400);
      expect((await read(orderId)).status).to.equal('authorized');
      const good = await stub.sendWebhook(hook, ev);
      expect(good.body).to.deep.nested.include({ 'data.outcome': 'applied' });
      expect((await read(orderId)).status).to.equal('voided');
    });

    it('when the same event arrives twice, then the second answers duplicate', async () => {
      const { providerRef } = await pay();
      const ev = stub.event('payment_intent.payment_failed', piObject(providerRef, { last_payment_error: { code: 'card_declined', decline_code: 'expired_card' } }));
      expect((await stub.sendWebhook(hook, ev)).body).to.deep.nested.include({ 'data.outcome': 'applied' });
      expect((await stub.sendWebhook(hook, ev)).body).to.deep.nested.include({ 'data.outcome': 'duplicate' });
    });

    it('when events arrive out of order (succeeded, then a late amount_capturable_updated and canceled), then the payment stays captured: never backwards', async () => {
      const { orderId, providerRef } = await pay();
      const late = stub.event('payment_intent.amount_capturable_updated', piObject(providerRef));
      const captured = stub.event('payment_intent.succeeded', piObject(providerRef, { status: 'succeeded', amount_received: 45_000, amount_capturable: 0 }));
      const canceled = stub.event('payment_intent.canceled', piObject(providerRef, { status: 'canceled' }));
      expect((await stub.sendWebhook(hook, captured)).body).to.deep.nested.include({ 'data.outcome': 'applied' });
      expect((await stub.sendWebhook(hook, late)).body).to.deep.nested.include({ 'data.outcome': 'ignored' });
      expect((await stub.sendWebhook(hook, canceled)).body).to.deep.nested.include({ 'data.outcome': 'ignored' });
      expect(await read(orderId)).to.deep.include({ status: 'captured', capturedMinor: 45_000 });
    });

    it('when an event is about a PaymentIntent we do not know or of a type we do not use, then 200 ignored', async () => {
      const unknown = stub.event('payment_intent.succeeded', { id: 'pi_unknown', object: 'payment_intent', amount_received: 1 });
      expect((await stub.sendWebhook(hook, unknown)).body).to.deep.nested.include({ 'data.outcome': 'ignored' });
      const other = stub.event('customer.created', { id: 'cus_1', object: 'customer' });
      expect((await stub.sendWebhook(hook, other)).status).to.equal(200);
    });
  });
});
}
