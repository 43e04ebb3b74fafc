/**
 * npm run bench:webhooks: outgoing webhooks under load, with the real parts: PostgreSQL (BENCH_PG, a
 * schema of its own, dropped at the end), a private redis-server, an `api` process role in this process
 * (it commits the events through the nudging outbox, as use cases do) and the `worker` role as a child
 * process (`infra/main.ts`: the relay, the fan-out consumer and the attempts). 1,000 store endpoints on
 * 50 local receivers: 5 % fail each message's first attempt (500, retried on the scaled schedule),
 * 5 % answer after 300 ms; the rest at once. Each event belongs to one store, so it is one message.
 * - latency: BENCH_RATE events/s (200) for 10 s: p99 from the event's commit to its first attempt;
 * - throughput: BENCH_BURST events (4,000) committed at once: messages delivered per second;
 * - killed: another burst; the worker is killed (kill -9) when ~40 % are delivered and a new one started:
 *   messages never delivered (lost) and 2xx answers beyond one per webhook-id (duplicates).
 * Writes loadtest/results/webhooks.json in the shape, and the details (settings, load average)
 * to loadtest/results/webhooks-details.json.
 */
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { startTestApp, type TestApp } from '../test/helpers/app.js';
import { spawnMain, type Spawned } from '../test/helpers/process.js';
import { startEmbeddedRedis } from '../infra/embedded-redis.js';
import { openPostgres } from '../infra/db/sql/client.js';
import { WebhookEndpoint } from '../domain/webhooks/model.js';

const PG = process.env.BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const ENDPOINTS = 1_000;
const RECEIVERS = 50;
const RATE = Number(process.env.BENCH_RATE ?? 200);
const PACED_S = 10;
const BURST = Number(process.env.BENCH_BURST ?? 4_000);
const ZONE_CHANGED = 'catalog.store.zone_changed';
const WORKER_ENV = { WEBHOOK_SCHEDULE_SCALE: '0.01', WEBHOOK_TIMEOUT_MS: '2000', WEBHOOK_CONCURRENCY: '64', WEBHOOK_ALLOW_PRIVATE_DESTINATIONS: 'true' };
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const log = (m: string) => process.stdout.write(`${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the receivers saw, per webhook-id. */
interface Seen { eventId: string; firstAt: number; okAt: number; ok: number; failed: number }
const seen = new Map<string, Seen>();
const committedAt = new Map<string, number>();

async function startReceivers(): Promise<{ urls: string[]; close: () => Promise<void> }> {
  const servers: http.Server[] = [];
  const urls: string[] = [];
  for (let r = 0; r < RECEIVERS; r++) {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const id = String(req.headers['webhook-id']);
        const index = Number(req.url!.split('/').pop());
        const now = Date.now();
        let s = seen.get(id);
        if (!s) seen.set(id, (s = { eventId: (JSON.parse(Buffer.concat(chunks).toString()) as { eventId: string }).eventId, firstAt: now, okAt: 0, ok: 0, failed: 0 }));
        const flaky = index % 20 === 0;
        const slow = index % 20 === 1;
        if (flaky && s.failed === 0) {
          s.failed++;
          res.writeHead(500).end('first attempt refused');
          return;
        }
        const answer = () => {
          s.ok++;
          s.okAt = Date.now();
          res.writeHead(204).end();
        };
        if (slow) setTimeout(answer, 300);
        else answer();
      });
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    servers.push(server);
    urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }
  return { urls, close: async () => void (await Promise.all(servers.map((s) => new Promise((ok) => { s.closeAllConnections(); s.close(ok); })))) };
}

async function commit(app: TestApp, stores: number[]): Promise<string[]> {
  const { unitOfWork, outbox } = app.system.composed.container.cradle;
  const at = new Date().toISOString();
  const events = await unitOfWork.transaction(() => outbox.add(stores.map((i) => ({ type: ZONE_CHANGED, aggregateId: `bench-store-${i}`, aggregateVersion: 1, occurredAt: at, payload: { storeId: `bench-store-${i}`, zone: null, version: 1, at } }))));
  const now = Date.now();
  for (const e of events) committedAt.set(e.id, now);
  return events.map((e) => e.id);
}
const randomStores = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * ENDPOINTS));

/** The messages of `eventIds` that reached a 2xx, and the 2xx answers beyond one per webhook-id. */
function tally(eventIds: Set<string>) {
  let delivered = 0;
  let duplicates = 0;
  const firstAttemptMs: number[] = [];
  let lastOk = 0;
  for (const s of seen.values()) {
    if (!eventIds.has(s.eventId)) continue;
    firstAttemptMs.push(s.firstAt - committedAt.get(s.eventId)!);
    if (s.ok > 0) delivered++;
    duplicates += Math.max(0, s.ok - 1);
    lastOk = Math.max(lastOk, s.okAt);
  }
  return { delivered, duplicates, firstAttemptMs, lastOk };
}
async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await sleep(50);
  }
  return check();
}

async function main(): Promise<void> {
  const schema = `bench_wh_${randomBytes(4).toString('hex')}`;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'daraa-bench-wh-'));
  const redis = await startEmbeddedRedis();
  const env = { DATABASE_URL: PG, DATABASE_SCHEMA: schema, JWT_SECRET: 'bench-webhooks-secret-0123456789abcdef', DB_POOL_MAX: '8', ...WORKER_ENV };
  const app = await startTestApp({ role: 'api', redis, dataDir, env });
  const receivers = await startReceivers();
  let worker: Spawned | undefined;
  const startWorker = async () => {
    const w = spawnMain({ ROLE: 'worker', NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', REDIS_URL: redis.url, DATA_DIR: dataDir, LOG_LEVEL: 'error', ...env, DB_POOL_MAX: '16' });
    await w.waitFor(/Health\s+(http:\/\/127\.0\.0\.1:\d+)/, 90_000);
    return w;
  };
  try {
    const { webhookEndpoints } = app.system.composed.container.cradle;
    for (let i = 0; i < ENDPOINTS; i += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, k) => webhookEndpoints.create(WebhookEndpoint.create({ id: `bench-ep-${i + k}`, storeId: `bench-store-${i + k}`, createdBy: 'bench', url: `${receivers.urls[(i + k) % RECEIVERS]}/hook/${i + k}`, eventTypes: [ZONE_CHANGED], at: new Date() }))));
    }
    worker = await startWorker();
    log(`${ENDPOINTS} endpoints on ${RECEIVERS} receivers; worker up`);

    // Latency: a steady RATE for PACED_S seconds.
    const paced = new Set<string>();
    const perTick = Math.max(1, Math.round(RATE / 10));
    for (let t = 0; t < PACED_S * 10; t++) {
      const tick = Date.now();
      for (const id of await commit(app, randomStores(perTick))) paced.add(id);
      await sleep(Math.max(0, 100 - (Date.now() - tick)));
    }
    await until(() => tally(paced).delivered === paced.size, 30_000);
    const lat = tally(paced);
    const p99FirstAttemptMs = round(pct(lat.firstAttemptMs, 99));
    log(`latency: ${paced.size} events at ${RATE}/s: delivered ${lat.delivered}, first attempt p50 ${round(pct(lat.firstAttemptMs, 50))} ms, p99 ${p99FirstAttemptMs} ms`);

    // Throughput: a burst committed at once.
    const burst = new Set<string>();
    const t0 = Date.now();
    for (let i = 0; i < BURST; i += 200) for (const id of await commit(app, randomStores(Math.min(200, BURST - i)))) burst.add(id);
    await until(() => tally(burst).delivered === burst.size, 90_000);
    const thr = tally(burst);
    const deliveriesPerSec = round(thr.delivered / ((thr.lastOk - t0) / 1000));
    log(`throughput: ${thr.delivered}/${burst.size} delivered in ${round((thr.lastOk - t0) / 1000, 2)} s: ${deliveriesPerSec}/s, duplicates ${thr.duplicates}`);

    // Killed: another burst; kill -9 at ~40 % delivered, start a new worker.
    const killedRun = new Set<string>();
    for (let i = 0; i < BURST; i += 200) for (const id of await commit(app, randomStores(Math.min(200, BURST - i)))) killedRun.add(id);
    await until(() => tally(killedRun).delivered >= 0.4 * killedRun.size, 60_000);
    const atKill = tally(killedRun).delivered;
    worker.child.kill('SIGKILL');
    await worker.exited(10_000);
    worker = await startWorker();
    await until(() => tally(killedRun).delivered === killedRun.size, 120_000);
    await sleep(2_000); // late duplicates (attempts taken up again) still count
    const k = tally(killedRun);
    const lost = killedRun.size - k.delivered;
    log(`killed: kill -9 at ${atKill}/${killedRun.size} delivered; after restart ${k.delivered} delivered, lost ${lost}, duplicates ${k.duplicates}`);

    const load = os.loadavg().map((x) => round(x, 2));
    const result = { endpoints: ENDPOINTS, deliveriesPerSec, p99FirstAttemptMs, killed: { lost, duplicates: k.duplicates } };
    const details = {
      ...result, at: new Date().toISOString(), loadAverage: load, cpus: os.cpus().length, backend: 'postgres', receivers: RECEIVERS, failingOrSlow: '5 % fail the first attempt (500), 5 % answer after 300 ms',
      latency: { events: paced.size, ratePerSec: RATE, p50FirstAttemptMs: round(pct(lat.firstAttemptMs, 50)), p99FirstAttemptMs },
      throughput: { events: burst.size, delivered: thr.delivered, duplicates: thr.duplicates }, killedRun: { events: killedRun.size, deliveredAtKill: atKill, delivered: k.delivered, lost, duplicates: k.duplicates },
      worker: WORKER_ENV,
    };
    const dir = path.join(__dirname, 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'webhooks.json'), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(path.join(dir, 'webhooks-details.json'), `${JSON.stringify(details, null, 2)}\n`);
    log(`wrote loadtest/results/webhooks.json ${JSON.stringify(result)}; load average ${load.join(' ')}`);
  } finally {
    if (worker && worker.child.exitCode === null && worker.child.signalCode === null) {
      worker.child.kill('SIGTERM');
      await worker.exited(15_000).catch(() => worker!.child.kill('SIGKILL'));
    }
    await app.stop({ keepRedis: true, keepData: true });
    await receivers.close();
    const sql = await openPostgres({ url: PG, max: 1 });
    await sql.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
    await sql.close();
    await redis.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
