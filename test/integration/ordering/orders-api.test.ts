import { expect } from 'chai';
import { startTestApp, http, type TestApp } from '../../helpers/app.js';
import { signUp, signUpAdmin, type Session } from '../../helpers/identity.js';
import { checkoutOf } from '../../helpers/orders.js';
import { verifiedCourier } from '../../helpers/hub.js';
import type { OrderView, PaymentMethod } from '../../../domain/ordering/order.js';

describe('orders over HTTP (real app, private Redis)', function () {
  this.timeout(90_000);
  let app: TestApp;
  let owner: Session, rival: Session, customer: Session, otherCustomer: Session, admin: Session;
  let storeId: string, otherStoreId: string;
  const STORE_POINT = { lat: 33.5106, lng: 36.3156 };

  const api = (path: string) => `${app.url}/api/v1${path}`;
  const post = (path: string, token: string, json: unknown = {}) => http(api(path), { method: 'POST', token, json });
  const get = (path: string, token: string) => http(api(path), { token });
  /** Orders as the checkout creates them: through PlaceOrders, in the app's own container. */
  const place = async (stores = [storeId], paymentMethod: PaymentMethod = 'cash', who = customer): Promise<OrderView[]> =>
    app.system.composed.container.cradle.placeOrders.execute(checkoutOf(who.accountId, stores, { paymentMethod }));

  before(async () => {
    app = await startTestApp({ env: { RATE_LIMIT_STRICT_PER_15MIN: '1000' } });
    [owner, rival, customer, otherCustomer, admin] = [await signUp(app, 'store_owner'), await signUp(app, 'store_owner'), await signUp(app, 'customer'), await signUp(app, 'customer'), await signUpAdmin(app, 'super_admin')];
    const store = await post('/stores', owner.accessToken, { name: 'Bab Sharqi Bakery', address: '9 Straight Street, Damascus', location: STORE_POINT });
    storeId = store.body.data.id;
    otherStoreId = (await post('/stores', rival.accessToken, { name: 'Rival Sweets', address: '1 Souq Lane', location: { lat: 33.51, lng: 36.3 } })).body.data.id;
  });
  after(async () => {
    await app?.stop();
  });

  it('when a store confirms a cash order, then it is confirmed and its delivery exists (pickup at the store, dropoff at the address, the real order id)', async () => {
    const [order] = await place();
    const r = await post(`/orders/${order!.id}/confirm`, owner.accessToken);
    expect(r.status).to.equal(200);
    expect(r.body.data).to.deep.include({ status: 'confirmed', version: 2 });
    expect(Object.keys(r.body.data.timeline)).to.have.members(['placed', 'confirmed']);
    const deliveries = (await get(`/deliveries?storeId=${storeId}`, owner.accessToken)).body.data.items as { orderId: string; pickup: unknown; dropoff: unknown; customerId: string; status: string }[];
    const d = deliveries.find((x) => x.orderId === order!.id);
    expect(d).to.deep.include({ customerId: customer.accountId, status: 'pending', pickup: STORE_POINT, dropoff: order!.dropoff.point });
    const again = await post(`/orders/${order!.id}/confirm`, owner.accessToken);
    expect(again.status).to.equal(200);
    expect(again.body.data.version).to.equal(2);
    expect((await get(`/deliveries?storeId=${storeId}`, owner.accessToken)).body.data.items.filter((x: { orderId: string }) => x.orderId === order!.id)).to.have.length(1);
  });

  it('when the store runs the order through preparing and ready, then each step is stamped in the timeline the customer reads', async () => {
    const [order] = await place();
    for (const step of ['confirm', 'preparing', 'ready']) expect((await post(`/orders/${order!.id}/${step}`, owner.accessToken)).status, step).to.equal(200);
    const read = await get(`/orders/${order!.id}`, customer.accessToken);
    expect(read.body.data.status).to.equal('ready_for_pickup');
    expect(Object.keys(read.body.data.timeline)).to.have.members(['placed', 'confirmed', 'preparing', 'ready_for_pickup']);
  });

  it('when a courier is assigned to the delivery of an order that is not ready_for_pickup yet, then 409 ORDER_NOT_READY naming its status and the delivery stays pending; once the store marks it ready, then the courier is assigned', async () => {
    const courier = await verifiedCourier(app, admin);
    const [order] = await place();
    const deliveryOf = async () => ((await get(`/deliveries?storeId=${storeId}&limit=100`, owner.accessToken)).body.data.items as { id: string; orderId: string; status: string; courierId: string | null }[]).find((d) => d.orderId === order!.id)!;
    for (const step of ['confirm', 'preparing']) {
      expect((await post(`/orders/${order!.id}/${step}`, owner.accessToken)).status, step).to.equal(200);
      const { id } = await deliveryOf();
      for (const who of [owner, admin]) {
        const r = await post(`/deliveries/${id}/assign`, who.accessToken, { courierId: courier.accountId });
        expect(r.status, `${step}: ${JSON.stringify(r.body)}`).to.equal(409);
        expect(r.body.error.code).to.equal('ORDER_NOT_READY');
        expect(r.body.error.details[0]).to.include({ field: 'order.status', reason: 'not_ready' });
        expect(r.body.error.details[0].message).to.equal(step === 'confirm' ? 'confirmed' : 'preparing');
      }
      expect(await deliveryOf()).to.include({ status: 'pending', courierId: null });
    }
    expect((await post(`/orders/${order!.id}/ready`, owner.accessToken)).status).to.equal(200);
    const { id } = await deliveryOf();
    const r = await post(`/deliveries/${id}/assign`, owner.accessToken, { courierId: courier.accountId });
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(r.body.data).to.include({ status: 'assigned', courierId: courier.accountId });
  });

  it('when the order behind a delivery is gone from the store (cancelled after confirm), then assigning its delivery is ORDER_NOT_READY too', async () => {
    const courier = await verifiedCourier(app, admin);
    const [order] = await place();
    expect((await post(`/orders/${order!.id}/confirm`, owner.accessToken)).status).to.equal(200);
    expect((await post(`/orders/${order!.id}/cancel`, owner.accessToken, { reason: 'out of flour' })).status).to.equal(200);
    const d = ((await get(`/deliveries?storeId=${storeId}&limit=100`, owner.accessToken)).body.data.items as { id: string; orderId: string }[]).find((x) => x.orderId === order!.id)!;
    const r = await post(`/deliveries/${d.id}/assign`, admin.accessToken, { courierId: courier.accountId });
    expect(r.status).to.equal(409);
    expect(r.body.error).to.deep.include({ code: 'ORDER_NOT_READY' });
    expect(r.body.error.details[0].message).to.equal('cancelled');
  });

  it('when a card order is still placed (authorisation in flight), then the store cannot confirm it: CONFLICT naming what it may do', async () => {
    const [order] = await place([storeId], 'card');
    const r = await post(`/orders/${order!.id}/confirm`, owner.accessToken);
    expect(r.status).to.equal(409);
    expect(r.body.error.code).to.equal('CONFLICT');
    expect(r.body.error.details[0].allowed).to.deep.equal(['rejected', 'cancelled']);
  });

  it('when the store rejects without a reason, then VALIDATION_ERROR and the order is untouched; with one, then rejected with that reason', async () => {
    const [order] = await place();
    const bare = await post(`/orders/${order!.id}/reject`, owner.accessToken, {});
    expect(bare.status).to.equal(400);
    expect(bare.body.error.code).to.equal('VALIDATION_ERROR');
    expect((await get(`/orders/${order!.id}`, owner.accessToken)).body.data.status).to.equal('placed');
    const r = await post(`/orders/${order!.id}/reject`, owner.accessToken, { reason: 'Out of flatbread' });
    expect(r.body.data).to.deep.include({ status: 'rejected', reason: 'Out of flatbread' });
  });

  it('when the customer cancels before the store confirms, then it is cancelled; after the store confirmed, then FORBIDDEN and it stays confirmed', async () => {
    const [early] = await place();
    const r = await post(`/orders/${early!.id}/cancel`, customer.accessToken, {});
    expect(r.status).to.equal(200);
    expect(r.body.data.status).to.equal('cancelled');
    const [late] = await place();
    await post(`/orders/${late!.id}/confirm`, owner.accessToken);
    const refused = await post(`/orders/${late!.id}/cancel`, customer.accessToken, { reason: 'changed my mind' });
    expect(refused.status).to.equal(403);
    expect((await get(`/orders/${late!.id}`, customer.accessToken)).body.data.status).to.equal('confirmed');
    const byStore = await post(`/orders/${late!.id}/cancel`, owner.accessToken, { reason: 'Oven broke down' });
    expect(byStore.body.data).to.deep.include({ status: 'cancelled', reason: 'Oven broke down' });
  });

  it('when two confirm-or-reject requests race, then one wins and the other gets a coded CONFLICT', async () => {
    const [order] = await place();
    const [a, b] = await Promise.all([post(`/orders/${order!.id}/confirm`, owner.accessToken), post(`/orders/${order!.id}/reject`, owner.accessToken, { reason: 'Too busy' })]);
    expect([a.status, b.status].sort()).to.deep.equal([200, 409]);
    expect([a, b].find((x) => x.status === 409)!.body.error.code).to.equal('CONFLICT');
  });

  it("when another store's owner or another customer reads or moves an order, then 404, and the order is unchanged", async () => {
    const [order] = await place();
    expect((await get(`/orders/${order!.id}`, rival.accessToken)).status).to.equal(404);
    expect((await get(`/orders/${order!.id}`, otherCustomer.accessToken)).status).to.equal(404);
    expect((await post(`/orders/${order!.id}/confirm`, rival.accessToken)).status).to.equal(404);
    expect((await post(`/orders/${order!.id}/cancel`, otherCustomer.accessToken)).status).to.equal(404);
    expect((await get(`/orders/${order!.id}`, admin.accessToken)).body.data.status).to.equal('placed');
  });

  it('when orders are listed, then the store owner sees their stores only (filtered by status and number), the customer their history, the admin all', async () => {
    const orders = await place([storeId, otherStoreId]);
    const mine = orders.find((o) => o.storeId === storeId)!;
    const theirs = orders.find((o) => o.storeId === otherStoreId)!;
    const ownerList = (await get('/orders?limit=100', owner.accessToken)).body.data;
    expect(ownerList.items.map((o: OrderView) => o.storeId)).to.satisfy((ids: string[]) => ids.every((s) => s === storeId));
    expect(ownerList.items.map((o: OrderView) => o.id)).to.include(mine.id).and.not.include(theirs.id);
    expect(ownerList.pagination).to.include({ page: 1, limit: 100 });
    const byNumber = (await get(`/orders?number=${mine.number.toLowerCase()}`, owner.accessToken)).body.data.items;
    expect(byNumber.map((o: OrderView) => o.id)).to.deep.equal([mine.id]);
    const placedOnly = (await get('/orders?status=placed,awaiting_payment&limit=100', owner.accessToken)).body.data.items as OrderView[];
    expect(placedOnly.every((o) => o.status === 'placed' || o.status === 'awaiting_payment')).to.equal(true);
    const history = (await get('/orders?limit=100', customer.accessToken)).body.data.items as OrderView[];
    expect(history.every((o) => o.customerId === customer.accountId)).to.equal(true);
    expect(history.map((o) => o.id)).to.include.members([mine.id, theirs.id]);
    expect((await get('/orders', otherCustomer.accessToken)).body.data.items.map((o: OrderView) => o.id)).to.not.include(mine.id);
    const all = (await get('/orders?limit=100', admin.accessToken)).body.data.items.map((o: OrderView) => o.id);
    expect(all).to.include.members([mine.id, theirs.id]);
    const future = (await get(`/orders?from=${encodeURIComponent('2099-01-01T00:00:00Z')}`, admin.accessToken)).body.data;
    expect(future.pagination.total).to.equal(0);
  });

  it('when the input is bad (unknown status, malformed date or number, extra body field, no token, a courier), then a coded error and nothing changes', async () => {
    const [order] = await place();
    for (const q of ['status=shipped', 'from=yesterday', 'number=%25', 'limit=0', 'page=-1']) {
      const r = await get(`/orders?${q}`, owner.accessToken);
      expect(r.status, q).to.equal(400);
      expect(r.body.error.code, q).to.equal('VALIDATION_ERROR');
    }
    const extra = await post(`/orders/${order!.id}/reject`, owner.accessToken, { reason: 'Closed early', status: 'completed' });
    expect(extra.status).to.equal(400);
    expect((await http(api(`/orders/${order!.id}`))).status).to.equal(401);
    expect((await get('/orders', app.token('courier', 'courier-x'))).status).to.equal(403);
    expect((await get(`/orders/${order!.id}`, owner.accessToken)).body.data).to.deep.include({ status: 'placed', version: 1 });
  });
});
