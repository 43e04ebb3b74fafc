import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { startTestApp, http, type TestApp } from '../../helpers/app.js';
import { signUp, signUpAdmin, type Session } from '../../helpers/identity.js';
import { checkoutOf } from '../../helpers/orders.js';
import { waitUntil } from '../../helpers/hub.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../../infra/embedded-redis.js';
import { openPostgres } from '../../../infra/db/sql/client.js';
import { spawnMain, type Spawned } from '../../helpers/process.js';
import { PG_URL } from '../../helpers/databases.js';
import type { Cradle } from '../../../infra/container.js';

const STORE = { lat: 33.5138, lng: 36.2765 };
const JWT_SECRET = randomBytes(32).toString('hex');

/**
 * A dispatch worker killed with SIGKILL mid-round: the API runs in this
 * process, the worker (relay, consumers, rounds, timers) is a separate OS
 * process started from the real entry point on the same redis-server and
 * PostgreSQL schema. The first worker kills itself right after the round's
 * offer commits and before its timer is set (the test seam
 * DARAA_TEST_KILL_DISPATCH_BEFORE_TIMER); the restarted worker resumes the
 * open dispatch.
 */
describe('dispatch: a worker killed mid-round resumes on restart', function () {
  this.timeout(30_000);
  let redis: EmbeddedRedis;
  let api: TestApp;
  let schema: string;
  let admin: Session;
  const workers: Spawned[] = [];
  let env: Record<string, string>;

  const startWorker = async (extra: Record<string, string> = {}) => {
    const w = spawnMain({ ...env, ROLE: 'worker', NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', REDIS_URL: redis.url, DATA_DIR: `${api.dataDir}-w${workers.length}`, LOG_LEVEL: 'warn', ...extra });
    workers.push(w);
    await w.waitFor(/Health\s+(http:\/\/127\.0\.0\.1:\d+)/, 110_000);
    return w;
  };

  before(async function () {
    this.timeout(120_000);
    schema = `dspk_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
    try {
      const probe = await openPostgres({ url: PG_URL, schema, max: 1 });
      await probe.close();
    } catch (err) {
      console.log(`      skipped: the worker crash test needs PostgreSQL at ${PG_URL} (${(err as Error).message})`);
      this.skip();
    }
    redis = await startEmbeddedRedis();
    env = { DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema, JWT_SECRET };
    api = await startTestApp({ redis, env: { ...env, RATE_LIMIT_STRICT_PER_15MIN: '1000' }, role: 'api' });
    admin = await signUpAdmin(api, 'super_admin');
    for (const [key, value] of [['dispatch.offerTimeoutSeconds', 5], ['dispatch.openBeforeReadyMinutes', 240]] as const) {
      const r = await http(`${api.url}/api/v1/admin/settings/${key}`, { method: 'PUT', token: admin.accessToken, json: { value, expectedVersion: 0 } });
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
    }
  });
  after(async () => {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await api?.stop();
    await redis?.stop();
    const pg = await openPostgres({ url: PG_URL, max: 1 }).catch(() => null);
    if (pg) {
      await pg.query(`drop schema if exists ${schema} cascade`);
      await pg.close();
    }
  });

  it('when the worker dies between the offer and its timer, then the restarted worker times it out and the next courier gets round 2: no offer lost, none made twice', async function () {
    this.timeout(150_000);
    const c = api.system.composed.container.cradle as Cradle;
    const owner: Session = await signUp(api, 'store_owner');
    const store = await http(`${api.url}/api/v1/stores`, { method: 'POST', token: owner.accessToken, json: { name: 'Crash test shop', address: '1 Straight St', location: STORE } });
    expect(store.status).to.equal(201);
    // Two available couriers in the live index (the hub would put them there from their fixes).
    const now = Date.now();
    for (const [id, north] of [['crash-near', 100], ['crash-far', 700]] as const) {
      await c.courierIndex.setState(id, { status: 'available', vehicle: 'motorbike', capacity: 2, load: 0 });
      await c.courierIndex.applyFix({ courierId: id, lat: STORE.lat + north / 111_320, lng: STORE.lng, ts: now });
    }

    const doomed = await startWorker({ DARAA_TEST_KILL_DISPATCH_BEFORE_TIMER: '1' });
    const [order] = await c.placeOrders.execute(checkoutOf('crash-customer', [store.body.data.id], { paymentMethod: 'cash' }));
    expect((await http(`${api.url}/api/v1/orders/${order!.id}/confirm`, { method: 'POST', token: owner.accessToken })).status).to.equal(200);
    const deliveryId = (await c.deliveries.findByOrderId(order!.id))!.id;
    expect(await doomed.exited(60_000)).to.deep.equal({ code: null, signal: 'SIGKILL' });

    // The round's offer committed; its timer never did.
    const before = await c.offers.listByDelivery(deliveryId);
    expect(before.map((o) => [o.round, o.courierId, o.status])).to.deep.equal([[1, 'crash-near', 'pending']]);
    expect(await c.dispatches.find(deliveryId)).to.deep.include({ status: 'open', round: 1 });

    // Keep the couriers fresh while the worker restarts (fixes older than GEO_MAX_AGE_S are not candidates).
    for (const [id, north] of [['crash-near', 100], ['crash-far', 700]] as const) await c.courierIndex.applyFix({ courierId: id, lat: STORE.lat + north / 111_320, lng: STORE.lng, ts: Date.now() });
    await startWorker();
    await waitUntil(async () => (await c.offers.listByDelivery(deliveryId)).length === 2, 60_000);
    await new Promise((r) => setTimeout(r, 500)); // a duplicate round would have shown by now
    const after = await c.offers.listByDelivery(deliveryId);
    expect(after.map((o) => [o.round, o.courierId, o.status, o.endReason])).to.deep.equal([
      [1, 'crash-near', 'expired', 'timeout'],
      [2, 'crash-far', 'pending', null],
    ]);
    expect(await c.dispatches.find(deliveryId)).to.deep.include({ status: 'open', round: 2, excluded: ['crash-near'] });
    if (c.store.kind !== 'sql') throw new Error('this suite runs on PostgreSQL');
    const made = await c.store.sql.query<{ aggregate_id: string }>(`select aggregate_id from outbox where type = 'dispatch.offer.made' and payload->>'deliveryId' = $1 order by sequence`, [deliveryId]);
    expect(made.rows.map((r) => r.aggregate_id)).to.deep.equal([`${deliveryId}:1`, `${deliveryId}:2`]);
  });
});
