import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { startTestApp, http, type TestApp } from '../../helpers/app.js';
import { signUp, type Session } from '../../helpers/identity.js';
import { newDispatchState, newOffer, type Offer } from '../../../domain/dispatch/model.js';
import { AnswerOffer } from '../../../domain/dispatch/use-cases/answer-offer.js';
import { SendOffer } from '../../../domain/dispatch/use-cases/send-offer.js';
import { dispatchReopened, offerEnded } from '../../../domain/dispatch/events.js';
import type { AppError } from '../../../domain/shared/errors.js';

const PICKUP = { lat: 33.5106, lng: 36.3156 };
const DROPOFF = { lat: 33.5201, lng: 36.2912 };

async function until<T>(read: () => Promise<T | undefined>, what: string, ms = 5_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('dispatch manual control over REST (real app): assign, reassign, unassign, bulk, the store owner setting, and the race with an accept', function () {
  this.timeout(60_000);
  let app: TestApp;
  /** Minted tokens for the owners and admins (no account is read for them); real accounts where one is (the customer, eligible couriers). */
  let owner: { accessToken: string; accountId: string }, rival: typeof owner, admin: typeof owner, opsAdmin: typeof owner, customer: Session;
  let couriers: string[] = [];
  let storeId: string;

  const api = (path: string) => `${app.url}/api/v1${path}`;
  const post = (path: string, token: string, json: unknown) => http(api(path), { method: 'POST', token, json });
  const cradle = () => app.system.composed.container.cradle;
  const repos = () => cradle().repositories;

  async function eligibleCourier(): Promise<string> {
    const c = await signUp(app, 'courier');
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(32, 1)]);
    expect((await http(api(`/accounts/${c.accountId}/documents?kind=id_card`), { method: 'POST', token: c.accessToken, headers: { 'content-type': 'image/png' }, body: png })).status).to.equal(201);
    const { accounts, clock } = cradle();
    const acc = (await accounts.findById(c.accountId))!;
    acc.updateProfile({ name: 'Sami', vehicleType: 'motorbike', capacityKg: 20 }, clock.now());
    acc.decideVerification('approve', 'fixture', 'fixture', clock.now());
    await accounts.save(acc);
    return c.accountId;
  }

  async function delivery(): Promise<string> {
    const r = await post('/deliveries', owner.accessToken, { orderId: `order-${randomUUID()}`, storeId, customerId: customer.accountId, dropoff: DROPOFF });
    expect(r.status).to.equal(201);
    return r.body.data.id as string;
  }

  /** A delivery dispatch is offering to `courierId` (round 1, pending). */
  async function offered(courierId: string): Promise<{ deliveryId: string; offer: Offer }> {
    const deliveryId = await delivery();
    const d = (await repos().deliveries.findById(deliveryId))!;
    await repos().dispatches.open(newDispatchState({ deliveryId, orderId: d.orderId, radiusM: 3000, at: new Date() }));
    const offer = newOffer({ deliveryId, orderId: d.orderId, courierId, round: 1, pickup: PICKUP, dropoff: DROPOFF, feeMinor: 50_000, cash: false, cost: 0.2, at: new Date(), timeoutS: 30 });
    const state = (await repos().dispatches.find(deliveryId))!;
    await repos().dispatches.save({ ...state, round: 1, version: state.version + 1 }, state.version);
    expect(await repos().offers.create(offer)).to.equal(true);
    return { deliveryId, offer };
  }

  /** Outbox rows of `type` about the delivery, published or not (the relay marks rows, it does not delete them). */
  const eventsOf = async (type: string, deliveryId: string) => {
    const store = cradle().store;
    if (store.kind !== 'sql') throw new Error('this file runs on the SQL store');
    return (await store.sql.query<{ payload: unknown }>('select payload from outbox where type = $1', [type])).rows.filter((r) => JSON.stringify(r.payload).includes(deliveryId));
  };

  before(async () => {
    app = await startTestApp({ env: { RATE_LIMIT_STRICT_PER_15MIN: '1000', RATE_LIMIT_ANON_PER_MIN: '10000' } });
    const minted = (role: 'store_owner' | 'admin', perms?: string[]) => {
      const accountId = `${role}-${randomUUID()}`;
      return { accountId, accessToken: app.token(role, accountId, perms) };
    };
    [owner, rival, admin, opsAdmin] = [minted('store_owner'), minted('store_owner'), minted('admin'), minted('admin', ['deliveries:manage', 'settings:read'])];
    [customer, ...couriers] = await Promise.all([signUp(app, 'customer'), eligibleCourier(), eligibleCourier(), eligibleCourier()]) as [Session, ...string[]];
    const store = await post('/stores', owner.accessToken, { name: 'Bab Sharqi Bakery', address: '9 Straight Street, Damascus', location: PICKUP });
    storeId = store.body.data.id;
  });
  after(async () => {
    await app?.stop();
  });

  it('when a dispatcher assigns a delivery that has an offer out, then it is theirs, the offer ends as withdrawn, dispatch stops, and the audit entry keeps the reason', async () => {
    const [a, b] = couriers as [string, string];
    const { deliveryId, offer } = await offered(a);
    const r = await post(`/dispatch/deliveries/${deliveryId}/assign`, opsAdmin.accessToken, { courierId: b, reason: 'called the courier' });
    expect(r.status).to.equal(200);
    expect(r.body.data).to.include({ status: 'assigned', courierId: b });
    expect(await repos().offers.findById(offer.id)).to.deep.include({ status: 'expired', endReason: 'withdrawn' });
    expect(await repos().dispatches.find(deliveryId)).to.deep.include({ status: 'assigned', assignments: 1 });
    expect(await eventsOf(offerEnded.type, deliveryId)).to.have.length(1);
    const audit = await until(async () => (await cradle().auditLog.search({ action: 'dispatch.delivery_assigned', resourceId: deliveryId }, { page: 1, limit: 5 })).items[0], 'the audit entry');
    expect(audit.toView()).to.deep.include({ actor: { id: opsAdmin.accountId, role: 'admin' } });
    expect(audit.toView().metadata).to.deep.include({ reason: 'called the courier', via: 'rest', courierId: b, withdrawnOfferId: offer.id });
    // the same command again changes nothing; the courier whose offer was withdrawn gets CONFLICT, not "expired"
    const again = await post(`/dispatch/deliveries/${deliveryId}/assign`, opsAdmin.accessToken, { courierId: b, reason: 'called the courier' });
    expect(again.body.data.version).to.equal(r.body.data.version);
    const answer = new AnswerOffer({ ...repos(), clock: cradle().clock });
    expect(((await answer.accept(a, offer.id).catch((e: unknown) => e)) as AppError).code).to.equal('CONFLICT');
  });

  it('when someone holds the delivery, then assign is CONFLICT already_assigned, and reassign moves it and keeps the previous courier out of later rounds', async () => {
    const [a, b, c] = couriers as [string, string, string];
    const deliveryId = await delivery();
    expect((await post(`/dispatch/deliveries/${deliveryId}/assign`, admin.accessToken, { courierId: a, reason: 'first pick' })).status).to.equal(200);
    const taken = await post(`/dispatch/deliveries/${deliveryId}/assign`, admin.accessToken, { courierId: b, reason: 'second pick' });
    expect(taken.status).to.equal(409);
    expect(taken.body.error.details[0].reason).to.equal('already_assigned');
    const moved = await post(`/dispatch/deliveries/${deliveryId}/reassign`, admin.accessToken, { courierId: c, reason: 'a was late' });
    expect(moved.status).to.equal(200);
    expect(moved.body.data.courierId).to.equal(c);
    expect(await repos().dispatches.find(deliveryId)).to.deep.include({ status: 'assigned', assignments: 2, excluded: [a] });
    const stale = await post(`/dispatch/deliveries/${deliveryId}/reassign`, admin.accessToken, { courierId: b, reason: 'stale board', expectedVersion: moved.body.data.version - 1 });
    expect(stale.status).to.equal(409);
    expect(stale.body.error.details[0].reason).to.equal('version_changed');
  });

  it('when a dispatcher unassigns, then the delivery is pending again, dispatch re-opens without that courier, and an offer to them is never made while another courier gets one', async () => {
    const [a, b] = couriers as [string, string];
    const deliveryId = await delivery();
    await post(`/dispatch/deliveries/${deliveryId}/assign`, admin.accessToken, { courierId: a, reason: 'first pick' });
    const r = await post(`/dispatch/deliveries/${deliveryId}/unassign`, admin.accessToken, { reason: 'courier has a flat tyre' });
    expect(r.status).to.equal(200);
    expect(r.body.data).to.include({ status: 'pending', courierId: null, reason: 'courier has a flat tyre' });
    expect(await repos().dispatches.find(deliveryId)).to.deep.include({ status: 'open', excluded: [a] });
    expect(await eventsOf(dispatchReopened.type, deliveryId)).to.have.length(1);
    const timed: string[] = [];
    const sendOffer = new SendOffer({ ...repos(), offerTimer: { schedule: async (id) => void timed.push(id) }, liveSettings: cradle().liveSettings, clock: cradle().clock });
    const view = r.body.data;
    const input = { delivery: { id: deliveryId, orderId: view.orderId, pickup: view.pickup, dropoff: view.dropoff }, feeMinor: 0, cash: false, cost: 0.1 };
    expect(await sendOffer.execute({ ...input, courierId: a })).to.equal(null);
    expect((await sendOffer.execute({ ...input, courierId: b }))?.courierId).to.equal(b);
    // unassigning again changes nothing; a store owner may not unassign
    expect((await post(`/dispatch/deliveries/${deliveryId}/unassign`, admin.accessToken, { reason: 'again please' })).body.data.version).to.equal(r.body.data.version);
    expect((await post(`/dispatch/deliveries/${deliveryId}/unassign`, owner.accessToken, { reason: 'not mine to do' })).status).to.equal(403);
    const audits = await until(async () => (await cradle().auditLog.search({ action: 'dispatch.delivery_unassigned', resourceId: deliveryId }, { page: 1, limit: 5 })).items[0], 'the unassign audit entry');
    expect(audits.toView().metadata).to.deep.include({ reason: 'courier has a flat tyre', previousCourierId: a, courierId: null });
  });

  it('when dispatchers send a bulk of commands, then each succeeds or fails on its own with its code', async () => {
    const [a, b] = couriers as [string, string];
    const [d1, d2] = [await delivery(), await delivery()];
    await post(`/dispatch/deliveries/${d2}/assign`, admin.accessToken, { courierId: a, reason: 'first pick' });
    const r = await post('/dispatch/deliveries/bulk', admin.accessToken, { reason: 'storm on the ring road', items: [{ deliveryId: d1, action: 'assign', courierId: b }, { deliveryId: d2, action: 'assign', courierId: b }, { deliveryId: randomUUID(), action: 'unassign' }] });
    expect(r.status).to.equal(200);
    const results = r.body.data.results as { deliveryId: string; ok: boolean; delivery?: { courierId: string }; error?: { code: string } }[];
    expect(results.map((x) => [x.ok, x.delivery?.courierId ?? x.error?.code])).to.deep.equal([[true, b], [false, 'CONFLICT'], [false, 'NOT_FOUND']]);
    expect((await post('/dispatch/deliveries/bulk', admin.accessToken, { items: [{ deliveryId: d1, action: 'unassign' }] })).status).to.equal(400);
    expect((await post('/dispatch/deliveries/bulk', owner.accessToken, { reason: 'owners may not', items: [{ deliveryId: d1, action: 'unassign' }] })).status).to.equal(403);
  });

  it('when dispatch.storeOwnersAssign is off, then the store owner gets FORBIDDEN on both assign routes; on again, they assign their own store\'s delivery and never a rival\'s', async () => {
    const [a] = couriers as [string];
    const deliveryId = await delivery();
    const set = async (value: boolean) => {
      const current = await http(api('/admin/settings/dispatch.storeOwnersAssign'), { token: admin.accessToken });
      const r = await http(api('/admin/settings/dispatch.storeOwnersAssign'), { method: 'PUT', token: admin.accessToken, json: { value, expectedVersion: current.body.data.version } });
      expect(r.status).to.equal(200);
      await until(async () => (cradle().liveSettings.get('dispatch.storeOwnersAssign') === value ? true : undefined), 'the setting to apply');
    };
    await set(false);
    const refused = await post(`/dispatch/deliveries/${deliveryId}/assign`, owner.accessToken, { courierId: a, reason: 'my own courier' });
    expect(refused.status).to.equal(403);
    expect(refused.body.error.details[0].reason).to.equal('store_owners_assign_disabled');
    expect((await post(`/deliveries/${deliveryId}/assign`, owner.accessToken, { courierId: a })).status).to.equal(403);
    expect((await post(`/dispatch/deliveries/${deliveryId}/assign`, admin.accessToken, { courierId: a, reason: 'ops still may' })).status).to.equal(200);
    await set(true);
    const other = await delivery();
    const ok = await post(`/dispatch/deliveries/${other}/assign`, owner.accessToken, { courierId: a, reason: 'my own courier' });
    expect(ok.status).to.equal(200);
    expect(ok.body.data.courierId).to.equal(a);
    expect((await post(`/dispatch/deliveries/${other}/reassign`, rival.accessToken, { courierId: a, reason: 'not my store' })).status).to.equal(404);
    const viaOldRoute = await delivery();
    expect((await post(`/deliveries/${viaOldRoute}/assign`, owner.accessToken, { courierId: a })).status).to.equal(200);
    expect(await repos().dispatches.find(viaOldRoute)).to.deep.include({ status: 'assigned', assignments: 1 });
  });

  it('when a courier accepts at the same moment a dispatcher assigns or reassigns, then exactly one wins every time and the other gets CONFLICT', async () => {
    const answer = new AnswerOffer({ ...repos(), clock: cradle().clock });
    const [a, b] = couriers as [string, string];
    const tally = { courier: 0, ops: 0 };
    for (let i = 0; i < 24; i++) {
      const { deliveryId, offer } = await offered(a);
      const seen = (await repos().deliveries.findById(deliveryId))!.version;
      const action = i % 2 === 0 ? 'assign' : 'reassign';
      const body = action === 'reassign' ? { courierId: b, reason: 'race probe', expectedVersion: seen } : { courierId: b, reason: 'race probe' };
      const [accepted, ops] = await Promise.all([
        answer.accept(a, offer.id).then(() => 'won', (e: AppError) => e.code),
        post(`/dispatch/deliveries/${deliveryId}/${action}`, admin.accessToken, body).then((r) => (r.status === 200 ? 'won' : `${r.status} ${r.body.error.code}`)),
      ]);
      const outcome = [accepted, ops];
      expect(outcome.filter((x) => x === 'won'), `round ${i} (${action}): ${outcome.join(' / ')}`).to.have.length(1);
      const final = (await repos().deliveries.findById(deliveryId))!;
      if (accepted === 'won') {
        expect(ops).to.equal('409 CONFLICT');
        expect(final.courierId).to.equal(a);
        tally.courier++;
      } else {
        expect(accepted).to.equal('CONFLICT');
        expect(final.courierId).to.equal(b);
        tally.ops++;
      }
      expect((await repos().dispatches.find(deliveryId))?.assignments).to.equal(1);
    }
    expect(tally.courier + tally.ops).to.equal(24);
  });
});
