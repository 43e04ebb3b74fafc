import { expect } from 'chai';
import { Redis } from 'ioredis';
import { startTestApp, http, type TestApp } from '../helpers/app.js';
import { signUp, signUpAdmin, type Session } from '../helpers/identity.js';
import { deliveryEventsChannel } from '../../infra/delivery-events.js';
import type { DeliveryEvent } from '../../domain/delivery/model.js';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]);
const DROPOFF = { lat: 33.5201, lng: 36.2912 };
let orderSeq = 0;
const newOrderId = () => `order-${process.pid}-${Date.now().toString(36)}-${orderSeq++}`;

async function until<T>(read: () => T | undefined, what: string, ms = 3_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = read();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('stores and deliveries over HTTP (real app, private Redis)', function () {
  this.timeout(60_000);
  let app: TestApp;
  let sub: Redis;
  const published: DeliveryEvent[] = [];
  let owner: Session, rival: Session, customer: Session, otherCustomer: Session, courier: Session, admin: Session;
  let storeId: string;

  const api = (path: string) => `${app.url}/api/v1${path}`;
  const post = (path: string, token: string, json: unknown) => http(api(path), { method: 'POST', token, json });
  const get = (path: string, token: string) => http(api(path), { token });
  const createBody = (over: Record<string, unknown> = {}) => ({ orderId: newOrderId(), storeId, customerId: customer.accountId, dropoff: DROPOFF, ...over });

  /** A courier with a complete profile and documents approved by an admin, over HTTP. */
  async function verifiedCourier(): Promise<Session> {
    const c = await signUp(app, 'courier');
    expect((await http(api(`/accounts/${c.accountId}/profile`), { method: 'PATCH', token: c.accessToken, json: { name: 'Sami', vehicleType: 'motorbike', capacityKg: 25 } })).status).to.equal(200);
    expect((await http(api(`/accounts/${c.accountId}/documents?kind=driving_license`), { method: 'POST', token: c.accessToken, headers: { 'content-type': 'image/png' }, body: PNG })).status).to.equal(201);
    expect((await post(`/admin/accounts/${c.accountId}/verification`, admin.accessToken, { decision: 'approve', reason: 'licence checked' })).status).to.equal(200);
    return c;
  }

  before(async () => {
    app = await startTestApp({ env: { RATE_LIMIT_STRICT_PER_15MIN: '1000' } });
    sub = new Redis(app.redis.url);
    await sub.subscribe(deliveryEventsChannel(app.config.REDIS_KEY_PREFIX));
    sub.on('message', (_channel, message) => {
      try {
        published.push(JSON.parse(message) as DeliveryEvent);
      } catch {
        /* the garbage test publishes non-JSON on purpose */
      }
    });
    [owner, rival, customer, otherCustomer, admin] = [await signUp(app, 'store_owner'), await signUp(app, 'store_owner'), await signUp(app, 'customer'), await signUp(app, 'customer'), await signUpAdmin(app, 'super_admin')];
    courier = await verifiedCourier();
    const store = await post('/stores', owner.accessToken, { name: 'Bab Sharqi Bakery', phone: '+963944123456', address: '9 Straight Street, Damascus', location: { lat: 33.5106, lng: 36.3156 } });
    expect(store.status).to.equal(201);
    storeId = store.body.data.id;
  });
  after(async () => {
    sub?.disconnect();
    await app?.stop();
  });

  it('when a store owner opens, reads and edits a store, then it is theirs and another owner gets 404', async () => {
    const created = await post('/stores', owner.accessToken, { name: 'Second shop', address: '1 Souq Lane', location: { lat: 33.51, lng: 36.3 } });
    expect(created.status).to.equal(201);
    expect(created.body.data).to.deep.include({ ownerId: owner.accountId, status: 'open', phone: null, version: 1 });
    const id = created.body.data.id as string;
    const edited = await http(api(`/stores/${id}`), { method: 'PATCH', token: owner.accessToken, json: { status: 'closed', phone: '+963944000222' } });
    expect(edited.status).to.equal(200);
    expect(edited.body.data).to.deep.include({ status: 'closed', phone: '+963944000222', version: 2 });
    expect((await get(`/stores/${id}`, owner.accessToken)).body.data.status).to.equal('closed');
    expect((await get('/stores', owner.accessToken)).body.data.items.map((s: { id: string }) => s.id)).to.include.members([id, storeId]);

    const foreign = await get(`/stores/${id}`, rival.accessToken);
    expect(foreign.status).to.equal(404);
    expect(foreign.body.error.code).to.equal('NOT_FOUND');
    expect((await http(api(`/stores/${id}`), { method: 'PATCH', token: rival.accessToken, json: { name: 'Mine now' } })).status).to.equal(404);
    expect((await get('/stores', rival.accessToken)).body.data.items).to.deep.equal([]);
    expect((await get(`/stores/${id}`, owner.accessToken)).body.data.name).to.equal('Second shop');
  });

  it('when a store owner creates a delivery and assigns a verified courier, then each step answers, timestamps are kept and events reach the Redis channel', async () => {
    published.length = 0;
    const orderId = newOrderId();
    const created = await post('/deliveries', owner.accessToken, createBody({ orderId }));
    expect(created.status).to.equal(201);
    const d = created.body.data;
    expect(d).to.deep.include({ orderId, storeId, customerId: customer.accountId, courierId: null, status: 'pending', pickup: { lat: 33.5106, lng: 36.3156 }, dropoff: DROPOFF });
    expect(d.timestamps).to.have.keys(['pending']);

    const assigned = await post(`/deliveries/${d.id}/assign`, owner.accessToken, { courierId: courier.accountId });
    expect(assigned.status).to.equal(200);
    expect(assigned.body.data).to.deep.include({ status: 'assigned', courierId: courier.accountId });
    expect(assigned.body.data.timestamps).to.have.keys(['pending', 'assigned']);

    for (const who of [customer, courier, owner, admin]) expect((await get(`/deliveries/${d.id}`, who.accessToken)).body.data.status).to.equal('assigned');
    const events = await until(() => (published.filter((e) => e.deliveryId === d.id).length >= 3 ? published.filter((e) => e.deliveryId === d.id) : undefined), 'three events on the channel');
    expect(events.map((e) => e.type)).to.deep.equal(['delivery.created', 'delivery.status_changed', 'delivery.courier_assigned']);
    expect(events[1]).to.deep.include({ from: 'pending', to: 'assigned', courierId: courier.accountId, orderId });
  });

  it('when strangers read, assign or change a delivery, then they get 404 and the delivery is unchanged', async () => {
    const d = (await post('/deliveries', owner.accessToken, createBody())).body.data;
    const other = await verifiedCourier();
    for (const who of [rival, otherCustomer, other]) {
      const r = await get(`/deliveries/${d.id}`, who.accessToken);
      expect(r.status).to.equal(404);
      expect(r.body.error.code).to.equal('NOT_FOUND');
      expect(JSON.stringify((await get('/deliveries', who.accessToken)).body.data.items)).to.not.include(d.id);
    }
    expect((await post(`/deliveries/${d.id}/assign`, rival.accessToken, { courierId: other.accountId })).status).to.equal(404);
    expect((await post(`/deliveries/${d.id}/status`, rival.accessToken, { status: 'cancelled', reason: 'not mine' })).status).to.equal(404);
    expect((await post(`/deliveries/${d.id}/status`, other.accessToken, { status: 'failed', reason: 'not mine' })).status).to.equal(404);
    expect((await post('/deliveries', rival.accessToken, createBody())).status).to.equal(404);
    expect((await get(`/deliveries?storeId=${storeId}`, rival.accessToken)).body.data.pagination.total).to.equal(0);
    const after = (await get(`/deliveries/${d.id}`, owner.accessToken)).body.data;
    expect(after).to.deep.include({ status: 'pending', courierId: null, version: d.version });
  });

  it('when a create is retried with the same body, then the same delivery answers; with another body, then 409 CONFLICT', async () => {
    const body = createBody();
    const first = await post('/deliveries', owner.accessToken, body);
    const again = await post('/deliveries', owner.accessToken, body);
    expect(again.status).to.equal(201);
    expect(again.body.data).to.deep.equal(first.body.data);
    const clash = await post('/deliveries', owner.accessToken, { ...body, customerId: otherCustomer.accountId });
    expect(clash.status).to.equal(409);
    expect(clash.body.error.code).to.equal('CONFLICT');
    const listed = (await get('/deliveries?limit=100', owner.accessToken)).body.data.items.filter((x: { orderId: string }) => x.orderId === body.orderId);
    expect(listed).to.have.length(1);
    expect(listed[0].customerId).to.equal(customer.accountId);
  });

  it('when a status change is retried, then it answers the same delivery; an illegal move is 409 with the allowed list', async () => {
    const d = (await post('/deliveries', owner.accessToken, createBody())).body.data;
    await post(`/deliveries/${d.id}/assign`, owner.accessToken, { courierId: courier.accountId });
    const { recordArrival } = app.system.composed.container.cradle;
    expect((await recordArrival.execute({ deliveryId: d.id, courierId: courier.accountId, status: 'at_pickup', at: new Date() })).changed).to.equal(true);

    const skip = await post(`/deliveries/${d.id}/status`, courier.accessToken, { status: 'delivered' });
    expect(skip.status).to.equal(409);
    expect(skip.body.error.code).to.equal('CONFLICT');
    expect(skip.body.error.details).to.have.length(1);
    expect(skip.body.error.details[0]).to.deep.include({ from: 'at_pickup', to: 'delivered', allowed: ['picked_up', 'cancelled', 'failed'] });

    const first = await post(`/deliveries/${d.id}/status`, courier.accessToken, { status: 'picked_up' });
    const second = await post(`/deliveries/${d.id}/status`, courier.accessToken, { status: 'picked_up' });
    expect([first.status, second.status]).to.deep.equal([200, 200]);
    expect(second.body.data).to.deep.equal(first.body.data);
    expect(first.body.data.timestamps).to.have.keys(['pending', 'assigned', 'at_pickup', 'picked_up']);

    const byCustomer = await post(`/deliveries/${d.id}/status`, customer.accessToken, { status: 'cancelled', reason: 'changed my mind' });
    expect(byCustomer.status).to.equal(403);
    const cancel = await post(`/deliveries/${d.id}/status`, owner.accessToken, { status: 'cancelled', reason: 'customer unreachable' });
    expect(cancel.body.data).to.deep.include({ status: 'cancelled', reason: 'customer unreachable' });
    expect((await post(`/deliveries/${d.id}/status`, owner.accessToken, { status: 'cancelled', reason: 'customer unreachable' })).status).to.equal(200);
    expect((await get(`/deliveries?status=cancelled&storeId=${storeId}`, owner.accessToken)).body.data.items.map((x: { id: string }) => x.id)).to.include(d.id);
  });

  it('when input is malformed, then 400 VALIDATION_ERROR with the field, and nothing is stored or changed', async () => {
    const orderId = newOrderId();
    const bad: [string, unknown][] = [
      ['/deliveries', createBody({ orderId, dropoff: { lat: 91, lng: 0 } })],
      ['/deliveries', createBody({ orderId, courierId: courier.accountId })],
      ['/deliveries', { orderId, storeId, customerId: customer.accountId }],
      ['/deliveries', createBody({ orderId, dropoff: { lat: '33.5', lng: 36.3 } })],
      ['/stores', { name: '', address: 'x', location: { lat: 1, lng: 1 } }],
      ['/stores', { name: 'Shop', address: 'x', location: { lat: 1, lng: 1 }, ownerId: rival.accountId }],
    ];
    for (const [path, json] of bad) {
      const r = await post(path, owner.accessToken, json);
      expect(r.status, JSON.stringify(json)).to.equal(400);
      expect(r.body.error.code).to.equal('VALIDATION_ERROR');
      expect(r.body.error.details).to.be.an('array').with.length.above(0);
    }
    expect((await get('/deliveries?limit=100', admin.accessToken)).body.data.items.some((x: { orderId: string }) => x.orderId === orderId)).to.equal(false);

    const d = (await post('/deliveries', owner.accessToken, createBody())).body.data;
    for (const json of [{ status: 'teleported' }, { status: 'cancelled' }, { status: 'cancelled', reason: 'ok reason', extra: 1 }]) {
      const r = await post(`/deliveries/${d.id}/status`, owner.accessToken, json);
      expect(r.status, JSON.stringify(json)).to.equal(400);
      expect(r.body.error.code).to.equal('VALIDATION_ERROR');
    }
    expect((await get('/deliveries?status=lost', owner.accessToken)).status).to.equal(400);
    expect((await get(`/deliveries/${d.id}`, owner.accessToken)).body.data).to.deep.include({ status: 'pending', version: d.version });
  });

  it('when the courier is not verified or the customer is not a customer, then 422 with the reason', async () => {
    const d = (await post('/deliveries', owner.accessToken, createBody())).body.data;
    const fresh = await signUp(app, 'courier');
    const r = await post(`/deliveries/${d.id}/assign`, owner.accessToken, { courierId: fresh.accountId });
    expect(r.status).to.equal(422);
    expect(r.body.error).to.deep.include({ code: 'UNPROCESSABLE_ENTITY', details: [{ field: 'courierId', reason: 'profile_incomplete', message: 'This courier cannot take deliveries' }] });
    const notCustomer = await post('/deliveries', owner.accessToken, createBody({ customerId: courier.accountId }));
    expect(notCustomer.status).to.equal(422);
    expect((await get(`/deliveries/${d.id}`, owner.accessToken)).body.data.status).to.equal('pending');
  });

  it('when a hub subscribes through the bus, then it receives every valid event and drops garbage on the channel', async () => {
    const { deliveryEvents } = app.system.composed.container.cradle;
    const hubSub = new Redis(app.redis.url);
    const received: DeliveryEvent[] = [];
    try {
      const unsubscribe = await deliveryEvents.subscribe(hubSub, (e) => received.push(e));
      const pub = new Redis(app.redis.url);
      const channel = deliveryEventsChannel(app.config.REDIS_KEY_PREFIX);
      await pub.publish(channel, 'not json');
      await pub.publish(channel, JSON.stringify({ type: 'delivery.exploded', deliveryId: 'x' }));
      await pub.publish(channel, JSON.stringify({ type: 'delivery.created', deliveryId: 'd', orderId: 'o', storeId: 's', at: 'yesterday' }));
      pub.disconnect();
      const d = (await post('/deliveries', owner.accessToken, createBody())).body.data;
      const got = await until(() => received.find((e) => e.deliveryId === d.id), 'the created event');
      expect(got).to.deep.equal({ type: 'delivery.created', deliveryId: d.id, orderId: d.orderId, storeId, at: d.createdAt });
      expect(received).to.have.length(1);

      await unsubscribe();
      await post('/deliveries', owner.accessToken, createBody());
      await new Promise((r) => setTimeout(r, 200));
      expect(received).to.have.length(1);
    } finally {
      hubSub.disconnect();
    }
  });
});
