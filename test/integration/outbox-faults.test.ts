import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { startTestRedis } from '../helpers/redis.js';
import { spawnMain, type Spawned } from '../helpers/process.js';
import { PG_URL } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../infra/embedded-redis.js';
import { openPostgres, type SqlClient } from '../../infra/db/sql/client.js';
import { closeStore, createRepositories, prepareStore, type Repositories, type Store } from '../../infra/db/index.js';
import { queuePrefix } from '../../infra/queues.js';
import { DeliveryEventBus } from '../../infra/delivery-events.js';
import { Delivery, type DeliveryEvent } from '../../domain/delivery/model.js';
import { saveWithEvents } from '../../domain/delivery/use-cases/support.js';
import { Account } from '../../domain/identity/model.js';
import { Store as Shop } from '../../domain/catalog/model.js';

const silent = pino({ level: 'silent' });

async function until<T>(probe: () => Promise<T | undefined | false>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const quiet = (r: Redis): Redis => r.on('error', () => undefined);

describe('outbox faults: kill -9 of the worker between publish and mark', function () {
  this.timeout(120_000);
  let redis: EmbeddedRedis;
  let sql: SqlClient | undefined;
  let store: Store;
  let repos: Repositories;
  let schema: string;
  let dataDir: string;
  let worker: Spawned | undefined;

  before(async function () {
    schema = `crash_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
    try {
      sql = await openPostgres({ url: PG_URL, schema, max: 4 });
    } catch (err) {
      // The worker is another process: it needs a database both can open (PGlite is one process's).
      console.log(`      ↷ skipped: PostgreSQL not reachable at ${PG_URL.replace(/\/\/[^@]*@/, '//')} (${(err as Error).message})`);
      this.skip();
    }
    store = { kind: 'sql', engine: 'postgres', sql: sql! };
    await prepareStore(store);
    repos = createRepositories(store);
    redis = await startTestRedis();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'daraa-crash-'));
  });
  after(async () => {
    if (worker && worker.child.exitCode === null && worker.child.signalCode === null) {
      worker.child.kill('SIGTERM');
      await worker.exited().catch(() => undefined);
    }
    if (sql) {
      await sql.query(`drop schema ${schema} cascade`).catch(() => undefined);
      await closeStore(store);
    }
    await redis?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const startWorker = (env: Record<string, string> = {}) =>
    spawnMain({ ROLE: 'worker', NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', REDIS_URL: redis.url, DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema, DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env });

  /** Creates deliveries through the use cases' own save-with-events step; answers the committed event ids. */
  async function commitDeliveries(n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const d = Delivery.create({ id: randomUUID(), orderId: randomUUID(), storeId: 'store-crash', customerId: 'cust-crash', pickup: { lat: 33.5, lng: 36.3 }, dropoff: { lat: 33.51, lng: 36.31 }, at: new Date() });
      expect(await saveWithEvents(repos, d, null)).to.equal(true);
      ids.push(d.id);
    }
    return ids;
  }

  it('when the relay is killed after publishing and before marking, then after a restart every committed event is published and the consumer writes each once', async () => {
    const hub = quiet(new Redis(redis.url));
    const onChannel: DeliveryEvent[] = [];
    await new DeliveryEventBus({ redis: hub, logger: silent, keyPrefix: 'daraa:' }).subscribe(hub, (e) => onChannel.push(e));
    const queue = new Queue('audit', { connection: quiet(new Redis(redis.url, { maxRetriesPerRequest: null })), prefix: queuePrefix('daraa:', 'audit') });
    try {
      const before = await commitDeliveries(5);

      worker = startWorker({ DARAA_TEST_KILL_RELAY_BEFORE_MARK: '1' });
      const killed = await worker.exited(60_000);
      expect(killed.signal, worker.output().slice(-2000)).to.equal('SIGKILL');
      const pending = await repos.outbox.unpublished(100);
      expect(pending.map((e) => e.aggregateId)).to.include.members(before);
      const jobsBeforeRestart = (await queue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed'])).length;
      expect(jobsBeforeRestart, 'the killed relay had published the batch').to.be.at.least(before.length);

      const during = await commitDeliveries(3); // committed while no worker runs
      worker = startWorker();
      await until(async () => (await repos.outbox.unpublished(100)).length === 0, 60_000, 'the restarted relay to publish and mark everything');
      const all = [...before, ...during];
      for (const id of all) {
        await until(async () => (await repos.auditLog.search({ resourceId: id }, { page: 1, limit: 10 })).pagination.total > 0, 30_000, `the audit entry of ${id}`).catch(async (err: Error) => {
          const counts = await queue.getJobCounts();
          const failed = (await queue.getJobs(['failed'])).map((j) => j.failedReason);
          throw new Error(`${err.message}; audit queue ${JSON.stringify(counts)}, failed: ${JSON.stringify(failed.slice(0, 3))}; worker:\n${worker!.output().slice(-1500)}`);
        });
      }
      await until(async () => (await queue.getJobCounts('waiting', 'active', 'delayed')) as unknown as boolean && Object.values(await queue.getJobCounts('waiting', 'active', 'delayed')).every((n) => n === 0), 30_000, 'the audit queue to drain');
      for (const id of all) {
        const entries = await repos.auditLog.search({ resourceId: id }, { page: 1, limit: 10 });
        expect(entries.pagination.total, `audit entries of ${id}`).to.equal(1);
        expect(entries.items[0]!.toView().action).to.equal('delivery.delivery.created');
      }
      const processed = await sql!.query<{ n: string }>(`select count(*) as n from processed_events where consumer = 'audit'`);
      const published = await sql!.query<{ n: string }>('select count(*) as n from outbox');
      expect(Number(processed.rows[0]!.n), 'each event processed once').to.equal(Number(published.rows[0]!.n));
      const failed = await queue.getJobs(['failed']);
      expect(failed.map((j) => j.failedReason)).to.deep.equal([]);
      for (const id of all) expect(onChannel.filter((e) => e.deliveryId === id).length, `channel messages of ${id}`).to.be.at.least(1);
      // the killed relay had published these; the restarted one published them again (the hubs see a duplicate, best effort)
      for (const id of before) expect(onChannel.filter((e) => e.deliveryId === id).length, `channel messages of ${id}`).to.equal(2);
    } finally {
      hub.disconnect();
      await queue.close();
    }
  });
});

describe('outbox faults: Redis down under a running app', function () {
  this.timeout(60_000);
  let redis: EmbeddedRedis;
  let app: TestApp;
  before(async () => {
    redis = await startEmbeddedRedis();
    app = await startTestApp({ redis });
  });
  after(async () => {
    await app?.stop();
    await redis?.stop();
  });

  it('when Redis stops, then a delivery still commits with its event kept in the outbox, and the relay publishes it once Redis returns', async () => {
    const c = app.system.composed.container.cradle;
    const at = new Date();
    const owner = Account.create({ id: randomUUID(), role: 'store_owner', phone: '+14155550101', passwordHash: 'x', at });
    const customer = Account.create({ id: randomUUID(), role: 'customer', phone: '+14155550102', passwordHash: 'x', at });
    await c.accounts.create(owner);
    await c.accounts.create(customer);
    const shop = Shop.create({ id: randomUUID(), ownerId: owner.id, name: 'Shop', address: '1 Souq St', location: { lat: 33.51, lng: 36.31 }, at });
    await c.stores.create(shop);

    const port = redis.port;
    await redis.stop();
    const principal = { accountId: owner.id, role: 'store_owner' as const, permissions: [], sessionId: 's', tokenId: 't', expiresAt: 0 };
    const d = await c.createDelivery.execute(principal, { orderId: randomUUID(), storeId: shop.id, customerId: customer.id, dropoff: { lat: 33.52, lng: 36.29 } });
    expect((await c.deliveries.findById(d.id))?.status).to.equal('pending');
    await new Promise((r) => setTimeout(r, 500)); // several relay passes fail meanwhile
    const kept = (await c.outbox.unpublished(100)).filter((e) => e.aggregateId === d.id);
    expect(kept.map((e) => e.type)).to.deep.equal(['delivery.delivery.created']);

    redis = await startEmbeddedRedis({ port });
    await until(async () => (await c.outbox.unpublished(100)).every((e) => e.aggregateId !== d.id), 30_000, 'the relay catching up');
    await until(async () => (await c.auditLog.search({ resourceId: d.id }, { page: 1, limit: 5 })).pagination.total === 1, 30_000, 'the audit consumer');
  });
});
