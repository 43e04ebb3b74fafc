import { expect } from 'chai';
import { startTestApp, http, type TestApp } from '../../helpers/app.js';
import { signUp, type Session } from '../../helpers/identity.js';
import { checkoutOf } from '../../helpers/orders.js';
import { PlaceOrders } from '../../../domain/ordering/use-cases/place-orders.js';
import { changeDelivery } from '../../../domain/delivery/use-cases/support.js';
import type { OrderView } from '../../../domain/ordering/order.js';
import { connect, emitAck, nextEvent } from '../../helpers/hub.js';

async function until<T>(read: () => Promise<T | undefined>, what: string, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('orders follow their deliveries and time out (real app: relay, BullMQ, private redis-server)', function () {
  this.timeout(90_000);
  let app: TestApp;
  let owner: Session, customer: Session;
  let storeId: string;
  const api = (path: string) => `${app.url}/api/v1${path}`;
  const read = async (id: string): Promise<OrderView> => (await http(api(`/orders/${id}`), { token: customer.accessToken })).body.data;
  const statusIs = (id: string, status: string) => async () => ((await read(id)).status === status ? true : undefined);

  before(async () => {
    app = await startTestApp({ env: { RATE_LIMIT_STRICT_PER_15MIN: '1000' } });
    [owner, customer] = [await signUp(app, 'store_owner'), await signUp(app, 'customer')];
    storeId = (await http(api('/stores'), { method: 'POST', token: owner.accessToken, json: { name: 'Bab Sharqi Bakery', address: '9 Straight Street', location: { lat: 33.5106, lng: 36.3156 } } })).body.data.id;
  });
  after(async () => {
    await app?.stop();
  });

  it('when the courier picks the order up and delivers it, then the order goes picked_up, delivered and completed, each stamped, and a redelivered event changes nothing', async () => {
    const c = app.system.composed.container.cradle;
    const [order] = await c.placeOrders.execute(checkoutOf(customer.accountId, [storeId]));
    for (const step of ['confirm', 'preparing', 'ready']) expect((await http(api(`/orders/${order!.id}/${step}`), { method: 'POST', token: owner.accessToken, json: {} })).status).to.equal(200);
    const delivery = (await c.deliveries.findByOrderId(order!.id))!;
    await changeDelivery(c, delivery.id, (d) => d.assign('courier-1', c.clock.now()));
    await changeDelivery(c, delivery.id, (d) => void d.transition('at_pickup', c.clock.now()));
    await changeDelivery(c, delivery.id, (d) => void d.transition('picked_up', c.clock.now()));
    await until(statusIs(order!.id, 'picked_up'), 'picked_up');
    await changeDelivery(c, delivery.id, (d) => void d.transition('at_dropoff', c.clock.now()));
    await changeDelivery(c, delivery.id, (d) => void d.transition('delivered', c.clock.now()));
    await until(statusIs(order!.id, 'completed'), 'completed');
    const done = await read(order!.id);
    expect(Object.keys(done.timeline)).to.have.members(['placed', 'confirmed', 'preparing', 'ready_for_pickup', 'picked_up', 'delivered', 'completed']);
    expect(await c.systemOrderTransitions.followDelivery(order!.id, 'delivered')).to.deep.include({ status: 'completed', version: done.version });
  });

  it('when a store does not answer within order.autoRejectMinutes, then the order is rejected with reason store_timeout by the delayed job; an answered one is left alone', async () => {
    const c = app.system.composed.container.cradle;
    const minutes = c.liveSettings.get('order.autoRejectMinutes');
    const longAgo = { now: () => new Date(Date.now() - (minutes + 1) * 60_000) };
    const past = new PlaceOrders({ ...c, orders: c.orders, outbox: c.outbox, unitOfWork: c.unitOfWork, ids: c.ids, clock: longAgo });
    const [unanswered] = await past.execute(checkoutOf(customer.accountId, [storeId]));
    const [answered] = await past.execute(checkoutOf(customer.accountId, [storeId]));
    expect((await http(api(`/orders/${answered!.id}/confirm`), { method: 'POST', token: owner.accessToken, json: {} })).status).to.equal(200);
    await until(statusIs(unanswered!.id, 'rejected'), 'the auto-reject');
    expect(await read(unanswered!.id)).to.deep.include({ reason: 'store_timeout' });
    // The answered order's job ran too (or will): it leaves the confirmed order as it is.
    expect(await c.systemOrderTransitions.autoReject(answered!.id)).to.deep.include({ status: 'confirmed' });
    expect(await c.systemOrderTransitions.autoReject(unanswered!.id)).to.deep.include({ status: 'rejected', version: 2 });
  });

  it('when a customer watches their order on /customer, then the order\'s own statuses arrive (order:updated) as the store moves it', async () => {
    const c = app.system.composed.container.cradle;
    const [order] = await c.placeOrders.execute(checkoutOf(customer.accountId, [storeId]));
    expect((await http(api(`/orders/${order!.id}/confirm`), { method: 'POST', token: owner.accessToken, json: {} })).status).to.equal(200);
    const socket = await connect(app.url, '/customer', customer.accessToken);
    try {
      const ack = await emitAck(socket, 'order:watch', { orderId: order!.id });
      expect(ack.ok).to.equal(true);
      const preparing = nextEvent(socket, 'order:updated', (u: { status: string }) => u.status === 'preparing');
      expect((await http(api(`/orders/${order!.id}/preparing`), { method: 'POST', token: owner.accessToken, json: {} })).status).to.equal(200);
      expect(await preparing).to.deep.include({ orderId: order!.id, orderNumber: order!.number, status: 'preparing', from: 'confirmed', reason: null });
    } finally {
      socket.disconnect();
    }
  });
});
