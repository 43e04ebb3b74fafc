import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { startTestApp, http, type TestApp } from '../../helpers/app.js';
import { startMongoStandin, type MongoStandin } from '../../helpers/mongo-standin/index.js';
import { checkout, fillCart, seedCustomer, seedStore, stockOf, type SeededStore } from '../../helpers/checkout-world.js';
import { orderReservationKey } from '../../../domain/ordering/use-cases/place-checkout.js';

/**
 * Each order holds its stock as one reservation (key order:<orderId>): the store's confirm
 * commits it (the units leave on hand as a sale), a rejection, a cancellation before confirm
 * or the auto-reject releases it, so the units are available again at once, not at expiry.
 */
for (const backend of ['pglite', 'mongo-standin'] as const) describe(`an order's stock reservation (real app, ${backend})`, function () {
  this.timeout(60_000);
  let app: TestApp;
  let standin: MongoStandin | undefined;
  let store: SeededStore;
  let variantId = '';

  before(async () => {
    if (backend === 'mongo-standin') standin = await startMongoStandin();
    const mongo: Record<string, string> = standin ? { MONGODB_URI: standin.uri(`daraa_order_stock_${randomBytes(4).toString('hex')}`) } : {};
    app = await startTestApp({ env: mongo });
    store = await seedStore(app, { products: [{ price: 5_000, stock: 10 }] });
    variantId = store.variants[0]!.variantId;
  });
  after(async () => {
    await app?.stop();
    await standin?.stop();
  });

  /** A cash checkout of `quantity` units: the order, and the stock right after it. */
  async function placeOrder(quantity: number) {
    const customer = await seedCustomer(app);
    await fillCart(app, customer, [{ variantId, quantity }]);
    const r = await checkout(app, customer, { paymentMethod: 'cash' });
    expect(r.status, JSON.stringify(r.body)).to.equal(201);
    return { orderId: r.body.data.orders[0].orderId as string, customer, held: await stockOf(app, store, variantId) };
  }
  const counts = ({ onHand, reserved, available }: { onHand: number; reserved: number; available: number }) => ({ onHand, reserved, available });
  const reservation = (orderId: string) => app.system.composed.container.cradle.inventory.findReservationByKey(orderReservationKey(orderId));
  const move = (orderId: string, step: string, token: string, json: unknown = {}) => http(`${app.url}/api/v1/orders/${orderId}/${step}`, { method: 'POST', token, json });

  it('when the store confirms the order, then its reservation is committed: the units leave on hand and reserved, available unchanged', async () => {
    const start = await stockOf(app, store, variantId);
    const { orderId, held } = await placeOrder(2);
    expect(held).to.deep.include({ onHand: start.onHand, reserved: start.reserved + 2, available: start.available - 2 });
    expect((await reservation(orderId))?.status).to.equal('active');
    const r = await move(orderId, 'confirm', store.ownerToken);
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect((await reservation(orderId))?.status).to.equal('committed');
    expect(await stockOf(app, store, variantId)).to.deep.include({ onHand: start.onHand - 2, reserved: start.reserved, available: start.available - 2 });
    expect((await move(orderId, 'confirm', store.ownerToken)).status, 'a retried confirm').to.equal(200);
    expect(await stockOf(app, store, variantId)).to.deep.include({ onHand: start.onHand - 2, reserved: start.reserved });
  });

  it('when the store rejects the order, then its reservation is released and the units are available again at once', async () => {
    const start = await stockOf(app, store, variantId);
    const { orderId } = await placeOrder(3);
    const r = await move(orderId, 'reject', store.ownerToken, { reason: 'out of flour' });
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect((await reservation(orderId))?.status).to.equal('released');
    expect(counts(await stockOf(app, store, variantId))).to.deep.equal(counts(start));
  });

  it('when the customer cancels before the store answers, then its reservation is released at once', async () => {
    const start = await stockOf(app, store, variantId);
    const { orderId, customer } = await placeOrder(1);
    const r = await move(orderId, 'cancel', customer.token, { reason: 'changed my mind' });
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect((await reservation(orderId))?.status).to.equal('released');
    expect(counts(await stockOf(app, store, variantId))).to.deep.equal(counts(start));
  });

  it('when the store never answers and the order is auto-rejected, then its reservation is released at once', async () => {
    const start = await stockOf(app, store, variantId);
    const { orderId } = await placeOrder(2);
    // What the delayed auto-reject job runs when it fires.
    const rejected = await app.system.composed.container.cradle.systemOrderTransitions.autoReject(orderId);
    expect(rejected).to.include({ status: 'rejected', reason: 'store_timeout' });
    expect((await reservation(orderId))?.status).to.equal('released');
    expect(counts(await stockOf(app, store, variantId))).to.deep.equal(counts(start));
  });

  it('when the store cancels an order it had confirmed, then the committed sale stays as it is (the units left with the confirm)', async () => {
    const start = await stockOf(app, store, variantId);
    const { orderId } = await placeOrder(1);
    expect((await move(orderId, 'confirm', store.ownerToken)).status).to.equal(200);
    const r = await move(orderId, 'cancel', store.ownerToken, { reason: 'oven broke' });
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect((await reservation(orderId))?.status).to.equal('committed');
    expect(await stockOf(app, store, variantId)).to.deep.include({ onHand: start.onHand - 1, reserved: start.reserved });
  });
});
