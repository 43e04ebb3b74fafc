import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { startTestApp, http, type TestApp } from '../../helpers/app.js';
import { logIn, signUp, signUpAdmin } from '../../helpers/identity.js';
import { connect, deliveryFor, emitAck, verifiedCourier, waitUntil } from '../../helpers/hub.js';
import { clusterSupport, startTestRedisCluster, type TestRedisCluster } from '../../helpers/redis-cluster.js';
import { auditEntryEvent } from '../../../domain/platform/events.js';

const P = 'ck:';

/**
 * Every key family the roles write, on a 3-master Redis Cluster: rate limits,
 * throttles, revocations, presence, the geo index (multi-key Lua, one hash tag
 * per region), the outbox relay's lease and BullMQ (one hash tag per queue).
 * Each operation below fails the test if Redis answers CROSSSLOT.
 */
describe('key families on a Redis Cluster (no CROSSSLOT)', function () {
  this.timeout(120_000);
  let cluster: TestRedisCluster;
  let app: TestApp;
  const open: Socket[] = [];

  before(async function () {
    const unsupported = await clusterSupport();
    if (unsupported) {
      console.log(`      skipped: ${unsupported}`);
      this.skip();
    }
    cluster = await startTestRedisCluster();
    app = await startTestApp({ redis: cluster.nodes[0]!, env: { REDIS_CLUSTER_NODES: cluster.seeds, REDIS_KEY_PREFIX: P } });
  });
  after(async () => {
    open.forEach((s) => s.close());
    await app?.stop();
    await cluster?.stop();
  });

  it('when the all-in-one app works on the cluster, then every family lands under the prefix, and multi-key families share one slot each', async () => {
    const admin = await signUpAdmin(app);
    const courier = await verifiedCourier(app, admin);
    const owner = await signUp(app, 'store_owner');
    const customer = await signUp(app, 'customer');
    // a failed login (throttle), a logout (session revocation)
    expect((await http(`${app.url}/api/v1/auth/login`, { method: 'POST', json: { identifier: customer.phone, password: 'wrong-Passw0rd!' } })).status).to.equal(401);
    const second = await logIn(app, customer.phone);
    expect((await http(`${app.url}/api/v1/auth/logout`, { method: 'POST', token: second.accessToken, json: {} })).status).to.be.oneOf([200, 204]);
    const s = await connect(app.url, '/courier', courier.accessToken);
    open.push(s);
    expect(await emitAck(s, 'courier:online', { vehicle: 'car' })).to.include({ ok: true });
    expect(await emitAck(s, 'location', { lat: 33.5138, lng: 36.2765, ts: Date.now() })).to.include({ ok: true, accepted: 1 });
    const nearby = await emitAck(s, 'location', { lat: 33.5139, lng: 36.2766, ts: Date.now() + 1 });
    expect(nearby.ok).to.equal(true);
    const c = app.system.composed.container.cradle;
    const found = await c.courierIndex.nearestCouriers({ lat: 33.5138, lng: 36.2765, radiusM: 2_000, limit: 5, filter: { status: 'available' } });
    expect(found.map((n) => n.courierId)).to.include(courier.accountId);
    await deliveryFor(app, { owner, customer, courier });
    await c.unitOfWork.transaction(() => c.outbox.add([auditEntryEvent({ id: `ck-${Date.now()}`, actor: { id: admin.accountId, role: 'admin' }, action: 'test.cluster_keys', resource: { type: 'test' } }, new Date())]));
    await waitUntil(async () => (await http(`${app.url}/api/v1/admin/audit-log?limit=100`, { token: admin.accessToken })).body.data.items.some((e: any) => e.action === 'test.cluster_keys'), 20_000);

    const client = cluster.client();
    await new Promise<void>((resolve) => (client.status === 'ready' ? resolve() : client.once('ready', () => resolve())));
    const keys = (await Promise.all(client.nodes('master').map((n) => n.keys('*')))).flat();
    const families = ['rl:', 'throttle:', 'revoked:session:', 'presence:courier:', 'geo:', 'outbox:relay'];
    for (const f of families) expect(keys.some((k) => k.startsWith(`${P}${f}`)), `${f} in ${keys.join(' ')}`).to.equal(true);
    expect(keys.some((k) => k.startsWith(`{${P}audit}`)), 'the audit queue').to.equal(true);
    expect(keys.filter((k) => !k.startsWith(P) && !k.startsWith(`{${P}`)), 'keys outside the prefix').to.deep.equal([]);
    // each BullMQ queue's keys share one slot (its hash tag)
    const slots = new Set(await Promise.all(keys.filter((k) => k.startsWith(`{${P}audit}`)).map((k) => client.cluster('KEYSLOT', k))));
    expect(slots.size).to.equal(1);
  });
});
