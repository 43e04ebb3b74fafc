/**
 * Measures the outbox relay with production settings (batch 200, 100 ms idle
 * poll, woken by commit nudges, one lease holder): how fast it drains a backlog, and the latency from
 * commit to the hubs' channel under a steady trickle of commits.
 *
 *   node --require tsx/cjs loadtest/bench-outbox.ts            # PGlite in memory
 *   BENCH_PG=postgres://postgres@127.0.0.1:5432/test node --require tsx/cjs loadtest/bench-outbox.ts
 *
 * Env: BENCH_BACKLOG (5000), BENCH_RATE_PER_S (100), BENCH_STEADY_S (5), BENCH_NO_NUDGE=1 (poll only).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { startEmbeddedRedis } from '../infra/embedded-redis.js';
import { openPglite, openPostgres } from '../infra/db/sql/client.js';
import { closeStore, createRepositories, prepareStore, type Store } from '../infra/db/index.js';
import { Queues } from '../infra/queues.js';
import { Metrics } from '../infra/metrics.js';
import { DeliveryEventBus } from '../infra/delivery-events.js';
import { RedisLease } from '../infra/redis-lease.js';
import { OutboxNudges } from '../infra/outbox-nudge.js';
import { OutboxRelay } from '../workers/outbox-relay.js';
import { systemClock } from '../domain/shared/ids.js';
import type { NewEvent } from '../domain/shared/events.js';

const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 5000);
const RATE = Number(process.env.BENCH_RATE_PER_S ?? 100);
const STEADY_S = Number(process.env.BENCH_STEADY_S ?? 5);
const silent = pino({ level: 'silent' });

const event = (id: string, version: number): NewEvent => {
  const at = new Date().toISOString();
  return { type: 'delivery.status.changed', aggregateId: id, aggregateVersion: version, occurredAt: at, payload: { deliveryId: id, orderId: `o-${id}`, from: 'pending', to: 'cancelled', courierId: null, reason: String(Date.now()), at } };
};

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

async function main(): Promise<void> {
  const redis = await startEmbeddedRedis();
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const sql = process.env.BENCH_PG ? await openPostgres({ url: process.env.BENCH_PG, schema, max: 8 }) : await openPglite();
  const store: Store = { kind: 'sql', engine: process.env.BENCH_PG ? 'postgres' : 'pglite', sql };
  await prepareStore(store);
  const raw = createRepositories(store);
  const nudger = new Redis(redis.url);
  const nudges = new OutboxNudges({ unitOfWork: raw.unitOfWork, outbox: raw.outbox, redis: nudger, channel: 'bench:committed' });
  const repos = { unitOfWork: nudges.unitOfWork, outbox: nudges.outbox };
  const queues = new Queues({ redis: { url: redis.url }, logger: silent, metrics: new Metrics('bench'), keyPrefix: 'daraa:' });
  const client = new Redis(redis.url);
  const relay = new OutboxRelay({ outbox: repos.outbox, queues, hubChannel: new DeliveryEventBus({ redis: client, logger: silent, keyPrefix: 'daraa:' }), lease: new RedisLease(client, 'bench:relay', 5_000), clock: systemClock, logger: silent, settings: { batchSize: 200, idleMs: 100 }, nudges: process.env.BENCH_NO_NUDGE ? undefined : OutboxNudges.listener({ url: redis.url }, 'bench:committed') });
  const sub = new Redis(redis.url);
  const received = new Map<string, number>();
  await new DeliveryEventBus({ redis: sub, logger: silent, keyPrefix: 'daraa:' }).subscribe(sub, (e) => received.set(e.type === 'delivery.status_changed' ? (e.reason ?? '') + e.deliveryId : '', Date.now()));

  // Backlog: committed while no relay runs, 100 events per transaction.
  for (let i = 0; i < BACKLOG; i += 100) {
    await repos.unitOfWork.transaction(() => repos.outbox.add(Array.from({ length: Math.min(100, BACKLOG - i) }, (_, k) => event(`b-${i + k}`, 1))));
  }
  const t0 = Date.now();
  relay.start();
  while ((await repos.outbox.unpublished(1)).length > 0) await new Promise((r) => setTimeout(r, 20));
  const drainMs = Date.now() - t0;

  // Steady: one event per transaction at RATE per second; latency = channel receipt - commit.
  const committed = new Map<string, number>();
  const gap = 1000 / RATE;
  const end = Date.now() + STEADY_S * 1000;
  let n = 0;
  while (Date.now() < end) {
    const id = randomUUID();
    const e = event(id, 1);
    await repos.unitOfWork.transaction(() => repos.outbox.add([e]));
    committed.set((e.payload as { reason: string }).reason + id, Date.now());
    n++;
    await new Promise((r) => setTimeout(r, gap));
  }
  while ([...committed.keys()].some((k) => !received.has(k))) await new Promise((r) => setTimeout(r, 20));
  const lat = [...committed].map(([k, at]) => received.get(k)! - at);
  const result = {
    store: store.engine,
    backlog: { events: BACKLOG, drainMs, eventsPerS: Math.round((BACKLOG / drainMs) * 1000) },
    steady: { events: n, ratePerS: RATE, latencyMs: { p50: pct(lat, 50), p95: pct(lat, 95), p99: pct(lat, 99), max: Math.max(...lat) } },
  };
  console.log(JSON.stringify(result));
  await relay.stop();
  await queues.close();
  client.disconnect();
  sub.disconnect();
  nudger.disconnect();
  if (process.env.BENCH_PG) await sql.query(`drop schema ${schema} cascade`);
  await closeStore(store);
  await redis.stop();
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
