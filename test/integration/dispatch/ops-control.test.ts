import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { startTestApp, http, type TestApp } from '../../helpers/app.js';
import { signUp, signUpAdmin, type Session } from '../../helpers/identity.js';
import { connect, emitAck, nextEvent, verifiedCourier, waitUntil } from '../../helpers/hub.js';
import { newDispatchState, newOffer, type Offer } from '../../../domain/dispatch/model.js';
import type { Cradle } from '../../../infra/container.js';

const PICKUP = { lat: 33.5106, lng: 36.3156 };
const DROPOFF = { lat: 33.5201, lng: 36.2912 };

/**
 * Manual control on /ops over real sockets, against the real app (REST, hub
 * and workers in one process; PGlite; a private redis-server): the same
 * ControlDelivery as the REST routes, so the same rules, codes and audit.
 */
describe('dispatch manual control on /ops (ops:assign, ops:reassign, ops:unassign, ops:bulk) over real sockets', function () {
  this.timeout(30_000);
  let app: TestApp;
  let admin: Session;
  let owner: Session;
  let customer: Session;
  let storeId: string;
  let ops: Socket;
  const open: Socket[] = [];
  const track = (s: Socket) => (open.push(s), s);
  const cradle = () => app.system.composed.container.cradle as Cradle;
  const api = (p: string) => `${app.url}/api/v1${p}`;

  before(async function () {
    this.timeout(90_000); // the app's start: a few seconds on a calm box, far more when loaded
    app = await startTestApp({ env: { RATE_LIMIT_STRICT_PER_15MIN: '1000' } });
    [admin, owner, customer] = await Promise.all([signUpAdmin(app, 'super_admin'), signUp(app, 'store_owner'), signUp(app, 'customer')]);
    const store = await http(api('/stores'), { method: 'POST', token: owner.accessToken, json: { name: 'Bab Touma Grill', address: '3 Straight Street, Damascus', location: PICKUP } });
    expect(store.status, JSON.stringify(store.body)).to.equal(201);
    storeId = store.body.data.id;
    ops = track(await connect(app.url, '/ops', app.token('admin', `dispatcher-${randomUUID()}`, ['deliveries:manage'])));
  });
  after(async () => {
    open.splice(0).forEach((s) => s.close());
    await app?.stop();
  });

  async function delivery(): Promise<string> {
    const r = await http(api('/deliveries'), { method: 'POST', token: owner.accessToken, json: { orderId: `order-${randomUUID()}`, storeId, customerId: customer.accountId, dropoff: DROPOFF } });
    expect(r.status, JSON.stringify(r.body)).to.equal(201);
    return r.body.data.id as string;
  }

  /** A delivery dispatch is offering to `courierId` (round 1, pending). */
  async function offered(courierId: string): Promise<{ deliveryId: string; offer: Offer }> {
    const deliveryId = await delivery();
    const c = cradle();
    const d = (await c.deliveries.findById(deliveryId))!;
    await c.dispatches.open(newDispatchState({ deliveryId, orderId: d.orderId, radiusM: 3000, at: new Date() }));
    const state = (await c.dispatches.find(deliveryId))!;
    await c.dispatches.save({ ...state, round: 1, version: state.version + 1 }, state.version);
    const offer = newOffer({ deliveryId, orderId: d.orderId, courierId, round: 1, pickup: PICKUP, dropoff: DROPOFF, feeMinor: 40_000, cash: false, cost: 0.2, at: new Date(), timeoutS: 30 });
    expect(await c.offers.create(offer)).to.equal(true);
    return { deliveryId, offer };
  }

  /** A verified courier with a /courier socket, online (capacity 20) near the store. */
  async function onlineCourier(): Promise<{ id: string; socket: Socket }> {
    const session = await verifiedCourier(app, admin);
    const socket = track(await connect(app.url, '/courier', session.accessToken));
    expect((await emitAck(socket, 'courier:online', { vehicle: 'motorbike', capacity: 20 })).ok).to.equal(true);
    expect(await emitAck(socket, 'location', { lat: PICKUP.lat + 0.001, lng: PICKUP.lng, ts: Date.now() })).to.include({ ok: true, accepted: 1 });
    return { id: session.accountId, socket };
  }

  it('when a dispatcher assigns with a reason on /ops, then the ack carries the delivery, the offer out is withdrawn, the courier sees it on their socket and the audit entry keeps the reason (via ops)', async () => {
    const [a, b] = [await onlineCourier(), await onlineCourier()];
    const { deliveryId, offer } = await offered(a.id);
    const onCourier = nextEvent<any>(b.socket, 'courier:deliveries', (p) => p.deliveries.some((d: any) => d.deliveryId === deliveryId), 8_000);
    const withdrawn = nextEvent<any>(a.socket, 'offer:ended', (p) => p.offerId === offer.id, 8_000);
    const ack = await emitAck(ops, 'ops:assign', { deliveryId, courierId: b.id, reason: 'called the courier' });
    expect(ack.ok, JSON.stringify(ack)).to.equal(true);
    expect(ack.data).to.include({ id: deliveryId, courierId: b.id, status: 'assigned' });
    expect((await onCourier).deliveries.find((d: any) => d.deliveryId === deliveryId)).to.include({ status: 'assigned' });
    expect(await withdrawn).to.deep.include({ status: 'expired', reason: 'withdrawn' });
    expect(await cradle().dispatches.find(deliveryId)).to.deep.include({ status: 'assigned', assignments: 1 });
    let audit: any;
    await waitUntil(async () => !!(audit = (await cradle().auditLog.search({ action: 'dispatch.delivery_assigned', resourceId: deliveryId }, { page: 1, limit: 5 })).items[0]), 8_000);
    expect(audit.toView().metadata).to.deep.include({ reason: 'called the courier', via: 'ops', courierId: b.id, previousCourierId: null, withdrawnOfferId: offer.id });
    // The same command again changes nothing; another courier is CONFLICT already_assigned; a stale version is version_changed.
    expect((await emitAck(ops, 'ops:assign', { deliveryId, courierId: b.id, reason: 'called the courier' })).data.version).to.equal(ack.data.version);
    const taken = await emitAck(ops, 'ops:assign', { deliveryId, courierId: a.id, reason: 'second thoughts' });
    expect(taken).to.deep.include({ ok: false, code: 'CONFLICT' });
    expect(taken.details[0].reason).to.equal('already_assigned');
    const stale = await emitAck(ops, 'ops:reassign', { deliveryId, courierId: a.id, reason: 'stale board', expectedVersion: ack.data.version - 1 });
    expect(stale).to.deep.include({ ok: false, code: 'CONFLICT' });
    expect(stale.details[0].reason).to.equal('version_changed');
    expect((await cradle().deliveries.findById(deliveryId))?.courierId).to.equal(b.id);
  });

  it('when a dispatcher unassigns and sends a bulk on /ops, then dispatch re-opens without the courier and each bulk item succeeds or fails with its own code', async () => {
    const a = await onlineCourier();
    const other = (await verifiedCourier(app, admin)).accountId;
    const [d1, d2] = [await delivery(), await delivery()];
    expect((await emitAck(ops, 'ops:assign', { deliveryId: d1, courierId: a.id, reason: 'first pick' })).ok).to.equal(true);
    const off = await emitAck(ops, 'ops:unassign', { deliveryId: d1, reason: 'courier has a flat tyre' });
    expect(off.data).to.include({ status: 'pending', courierId: null, reason: 'courier has a flat tyre' });
    expect(await cradle().dispatches.find(d1)).to.deep.include({ status: 'open', excluded: [a.id] });
    const bulk = await emitAck(ops, 'ops:bulk', { reason: 'storm on the ring road', items: [{ deliveryId: d2, action: 'assign', courierId: a.id }, { deliveryId: d2, action: 'assign', courierId: other }, { deliveryId: randomUUID(), action: 'unassign' }] });
    expect(bulk.ok, JSON.stringify(bulk)).to.equal(true);
    expect(bulk.data.results.map((x: any) => [x.ok, x.delivery?.courierId ?? x.error?.code])).to.deep.equal([[true, a.id], [false, 'CONFLICT'], [false, 'NOT_FOUND']]);
    expect(await emitAck(ops, 'ops:unassign', { deliveryId: randomUUID(), reason: 'no such delivery' })).to.include({ ok: false, code: 'NOT_FOUND' });
  });

  it('when the payload is bad, the admin lacks deliveries:manage, or a courier tries, then the ack (or the handshake) is refused with a code and nothing changes', async () => {
    const a = await onlineCourier();
    const deliveryId = await delivery();
    for (const bad of [
      { deliveryId, courierId: a.id },
      { deliveryId, courierId: a.id, reason: 'no' },
      { deliveryId, courierId: a.id, reason: 'fine reason', extra: 1 },
      { deliveryId, reason: 'no courier named' },
      { deliveryId: 'has space', courierId: a.id, reason: 'fine reason' },
    ]) {
      const r = await emitAck(ops, 'ops:assign', bad);
      expect(r, JSON.stringify(bad)).to.deep.include({ ok: false, code: 'VALIDATION_ERROR' });
      expect(r.details).to.be.an('array').with.length.greaterThan(0);
    }
    expect(await emitAck(ops, 'ops:bulk', { reason: 'empty', items: [] })).to.include({ ok: false, code: 'VALIDATION_ERROR' });
    expect(await emitAck(ops, 'ops:bulk', { reason: 'bad action', items: [{ deliveryId, action: 'steal' }] })).to.include({ ok: false, code: 'VALIDATION_ERROR' });

    const support = track(await connect(app.url, '/ops', app.token('admin', `support-${randomUUID()}`, ['accounts:read', 'audit:read'])));
    for (const [event, payload] of [['ops:assign', { deliveryId, courierId: a.id, reason: 'not my job' }], ['ops:unassign', { deliveryId, reason: 'not my job' }], ['ops:bulk', { reason: 'not my job', items: [{ deliveryId, action: 'unassign' }] }]] as const) {
      const r = await emitAck(support, event, payload);
      expect(r, event).to.deep.include({ ok: false, code: 'FORBIDDEN' });
      expect(r.details[0]).to.include({ reason: 'missing_permission' });
    }
    const err = await connect(app.url, '/ops', app.token('courier', a.id)).then(() => null, (e: { data?: { code?: string } }) => e);
    expect(err?.data?.code).to.equal('FORBIDDEN');
    expect(await emitAck(a.socket, 'ops:assign', { deliveryId, courierId: a.id, reason: 'my own pick' })).to.include({ ok: false, code: 'NOT_FOUND' });
    const after = (await cradle().deliveries.findById(deliveryId))!.toView();
    expect(after).to.include({ courierId: null, status: 'pending', version: 1 });
  });

  it('when ops:reassign (with the version the board shows) and the courier\'s offer:accept race (10 times), then exactly one wins each time and the other is acked CONFLICT', async () => {
    const [a, b] = [await onlineCourier(), await onlineCourier()];
    const tally = { courier: 0, ops: 0 };
    for (let i = 0; i < 10; i++) {
      const { deliveryId, offer } = await offered(a.id);
      const seen = (await cradle().deliveries.findById(deliveryId))!.version;
      const [accepted, moved] = await Promise.all([emitAck(a.socket, 'offer:accept', { offerId: offer.id }), emitAck(ops, 'ops:reassign', { deliveryId, courierId: b.id, reason: 'race probe', expectedVersion: seen })]);
      const outcome = JSON.stringify([accepted, moved]);
      expect([accepted, moved].filter((r) => r.ok), outcome).to.have.length(1);
      const loser = accepted.ok ? moved : accepted;
      expect(loser.code, outcome).to.equal('CONFLICT');
      // The courier who lost: the delivery was taken. The dispatcher who lost: taken meanwhile, or changed before their command ran.
      expect(loser.details[0].reason, outcome).to.be.oneOf(accepted.ok ? ['delivery_taken', 'version_changed'] : ['delivery_taken']);
      const final = (await cradle().deliveries.findById(deliveryId))!;
      expect(final.courierId).to.equal(accepted.ok ? a.id : b.id);
      expect((await cradle().dispatches.find(deliveryId))?.assignments).to.equal(1);
      tally[accepted.ok ? 'courier' : 'ops']++;
    }
    expect(tally.courier + tally.ops).to.equal(10);
  });
});
