import { expect } from 'chai';
import { Manager, type Socket } from 'socket.io-client';
import { latLngToCell, cellToParent } from 'h3-js';
import { http, startTestApp, type TestApp } from '../../helpers/app.js';
import { signUp, signUpAdmin, type Session } from '../../helpers/identity.js';
import { connect, deliveryFor, disconnected, emitAck, nextEvent, principalOf, verifiedCourier } from '../../helpers/hub.js';

const PICKUP = { lat: 33.5138, lng: 36.2765 };

describe('hub sessions and the /ops feed', function () {
  this.timeout(40_000);
  let app: TestApp;
  let admin: Session;
  const open: Socket[] = [];
  const track = (s: Socket) => (open.push(s), s);
  const api = (p: string) => `${app.url}/api/v1${p}`;

  before(async () => {
    app = await startTestApp();
    admin = await signUpAdmin(app);
  });
  afterEach(() => open.splice(0).forEach((s) => s.close()));
  after(() => app.stop());

  it('when a socket is authenticated, then the hub no longer holds its HTTP upgrade request, and the handshake keeps its headers', async () => {
    const customer = await signUp(app, 'customer');
    const s = track(await connect(app.url, '/customer', customer.accessToken, { origin: 'http://localhost:3000' }));
    // A namespace socket has the same id on both ends.
    const local = app.system.composed.io?.of('/customer').sockets.get(s.id ?? '');
    expect(local, 'the server-side socket').to.not.equal(undefined);
    expect((local?.conn as unknown as { request: unknown }).request).to.equal(null);
    expect(local?.handshake.headers.origin).to.equal('http://localhost:3000');
    expect(local?.handshake.address).to.be.a('string').and.not.equal('');
    // Still a working socket: it answers an event.
    const ack = await emitAck(s, 'order:watch', { orderId: 'no-such-order' });
    expect(ack).to.include({ ok: false });
  });

  it('when a second namespace is opened on a connection whose request was released, then it authenticates and works', async () => {
    const customer = await signUp(app, 'customer');
    const manager = new Manager(app.url, { transports: ['websocket'], reconnection: false, timeout: 5_000 });
    const connected = (s: Socket) => new Promise<Socket>((resolve, reject) => (s.once('connect', () => resolve(s)), s.once('connect_error', reject)));
    const first = track(await connected(manager.socket('/customer', { auth: { token: customer.accessToken } })));
    const second = track(await connected(manager.socket('/ops', { auth: { token: admin.accessToken } })));
    expect(first.io).to.equal(second.io); // one engine connection, two namespaces
    const area = cellToParent(latLngToCell(PICKUP.lat, PICKUP.lng, 9), 6);
    expect(await emitAck(second, 'ops:subscribe', { cells: [area] })).to.deep.equal({ ok: true, data: { cells: [area] } });
    const refused = await connected(manager.socket('/courier', { auth: { token: customer.accessToken } })).then(
      () => 'connected',
      (e: { data?: { code?: string } }) => e.data?.code,
    );
    expect(refused).to.equal('FORBIDDEN');
  });

  it('when the account logs out, then its sockets get session:ended logged_out and are disconnected', async () => {
    const customer = await signUp(app, 'customer');
    const s = track(await connect(app.url, '/customer', customer.accessToken));
    const ended = nextEvent(s, 'session:ended');
    const gone = disconnected(s);
    expect((await http(api('/auth/logout'), { method: 'POST', token: customer.accessToken, json: { refreshToken: customer.refreshToken } })).status).to.be.oneOf([200, 204]);
    expect(await ended).to.deep.equal({ reason: 'logged_out' });
    expect(await gone).to.equal('io server disconnect');
    const again = await connect(app.url, '/customer', customer.accessToken).then(() => 'connected', (e: any) => e.data?.code);
    expect(again).to.equal('INVALID_TOKEN');
  });

  it('when an admin suspends a courier, then its socket is disconnected at once and it cannot come back', async () => {
    const courier = await verifiedCourier(app, admin);
    const s = track(await connect(app.url, '/courier', courier.accessToken));
    await emitAck(s, 'courier:online', { vehicle: 'bike' });
    const ended = nextEvent(s, 'session:ended');
    const r = await http(api(`/admin/accounts/${courier.accountId}/suspend`), { method: 'POST', token: admin.accessToken, json: { reason: 'fraud check' } });
    expect(r.status).to.equal(200);
    expect((await ended).reason).to.be.oneOf(['suspended']);
    await disconnected(s);
    const back = await connect(app.url, '/courier', courier.accessToken).then(() => 'connected', (e: any) => e.data?.code);
    expect(back).to.equal('INVALID_TOKEN');
  });

  it('when a token expires without refresh, then the socket is ended; a refreshed socket stays', async () => {
    const c = app.system.composed.container.cradle;
    const customer = await signUp(app, 'customer');
    const short = c.accessTokens.sign({ sub: customer.accountId, role: 'customer', perms: [], sid: customer.sessionId }, 2).token;
    const expiring = track(await connect(app.url, '/customer', short));
    const refreshed = track(await connect(app.url, '/customer', c.accessTokens.sign({ sub: customer.accountId, role: 'customer', perms: [], sid: customer.sessionId }, 2).token));
    const fresh = c.accessTokens.sign({ sub: customer.accountId, role: 'customer', perms: [], sid: customer.sessionId }, 600);
    const ack = await emitAck(refreshed, 'auth:refresh', { token: fresh.token });
    expect(ack).to.deep.equal({ ok: true, data: { expiresAt: fresh.expiresAt } });
    const other = await signUp(app, 'customer');
    expect(await emitAck(refreshed, 'auth:refresh', { token: other.accessToken })).to.include({ ok: false, code: 'FORBIDDEN' });
    expect(await emitAck(refreshed, 'auth:refresh', { token: 'garbage' })).to.include({ ok: false, code: 'INVALID_TOKEN' });
    expect(await nextEvent(expiring, 'session:ended', () => true, 5_000)).to.deep.equal({ reason: 'token_expired' });
    await disconnected(expiring);
    await new Promise((r) => setTimeout(r, 500));
    expect(refreshed.connected).to.equal(true);
  });

  it('when an admin subscribes to an area, then snapshots with couriers and counts arrive about once a second, and delivery events too', async () => {
    const courier = await verifiedCourier(app, admin);
    const cs = track(await connect(app.url, '/courier', courier.accessToken));
    await emitAck(cs, 'courier:online', { vehicle: 'van', capacity: 2 });
    await emitAck(cs, 'location', { ...PICKUP, ts: Date.now() });
    const area = cellToParent(latLngToCell(PICKUP.lat, PICKUP.lng, 9), 6);

    const ops = track(await connect(app.url, '/ops', admin.accessToken));
    expect(await emitAck(ops, 'ops:subscribe', { cells: [area] })).to.deep.equal({ ok: true, data: { cells: [area] } });
    const t0 = Date.now();
    const first = await nextEvent<any>(ops, 'ops:snapshot', (p) => p.areas[0]?.couriers.some((c: any) => c.courierId === courier.accountId), 4_000);
    expect(first.areas[0].cell).to.equal(area);
    expect(first.areas[0].counts.online).to.be.at.least(1);
    expect(first.areas[0].couriers.find((c: any) => c.courierId === courier.accountId)).to.include({ status: 'available', vehicle: 'van', stale: false });
    await nextEvent(ops, 'ops:snapshot');
    const second = Date.now();
    expect(second - t0).to.be.at.least(700); // not more often than once a second

    const owner = await signUp(app, 'store_owner');
    const customer = await signUp(app, 'customer');
    const assigned = nextEvent<any>(ops, 'delivery:event', (e) => e.type === 'delivery.courier_assigned');
    const { deliveryId } = await deliveryFor(app, { owner, customer, courier });
    expect(await assigned).to.include({ deliveryId, courierId: courier.accountId });
    const cancelled = nextEvent<any>(ops, 'delivery:event', (e) => e.type === 'delivery.status_changed' && e.to === 'cancelled');
    await app.system.composed.container.cradle.changeDeliveryStatus.execute(await principalOf(app, owner), deliveryId, { status: 'cancelled', reason: 'customer called' });
    expect(await cancelled).to.include({ deliveryId, from: 'assigned' });

    expect(await emitAck(ops, 'ops:subscribe', { cells: ['not-a-cell'] })).to.include({ ok: false, code: 'VALIDATION_ERROR' });
    expect(await emitAck(ops, 'ops:subscribe', { cells: [latLngToCell(PICKUP.lat, PICKUP.lng, 9)] })).to.include({ ok: false, code: 'VALIDATION_ERROR' });
    expect(await emitAck(ops, 'ops:unsubscribe', { cells: [area] })).to.deep.equal({ ok: true, data: { cells: [] } });
  });

  it('when a non-admin connects to /ops, then it is refused', async () => {
    const customer = await signUp(app, 'customer');
    const code = await connect(app.url, '/ops', customer.accessToken).then(() => 'connected', (e: any) => e.data?.code);
    expect(code).to.equal('FORBIDDEN');
  });
});
