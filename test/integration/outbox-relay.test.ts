import { expect } from 'chai';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { startTestRedis } from '../helpers/redis.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../infra/embedded-redis.js';
import { openMigratedPglite } from '../helpers/pglite-template.js';
import { closeStore, createRepositories, prepareStore, type Repositories, type Store } from '../../infra/db/index.js';
import { Queues, queuePrefix } from '../../infra/queues.js';
import { Metrics } from '../../infra/metrics.js';
import { DeliveryEventBus } from '../../infra/delivery-events.js';
import { RedisLease } from '../../infra/redis-lease.js';
import { OutboxRelay } from '../../workers/outbox-relay.js';
import { OutboxNudges } from '../../infra/outbox-nudge.js';
import { systemClock } from '../../domain/shared/ids.js';
import type { NewEvent } from '../../domain/shared/events.js';
import type { DeliveryEvent } from '../../domain/delivery/model.js';

const silent = pino({ level: 'silent' });

const changed = (aggregate: string, version: number): NewEvent => ({
  type: 'delivery.status.changed',
  aggregateId: aggregate,
  aggregateVersion: version,
  occurredAt: new Date().toISOString(),
  payload: { deliveryId: aggregate, orderId: `o-${aggregate}`, from: 'pending', to: 'cancelled', courierId: null, reason: `v${version}`, at: new Date().toISOString() },
});

async function until<T>(probe: () => Promise<T | undefined | false>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('outbox relay: several relays, one publisher, commit order', function () {
  this.timeout(60_000);
  let redis: EmbeddedRedis;
  let store: Store;
  let repos: Repositories;
  const closers: (() => Promise<unknown> | void)[] = [];

  before(async () => {
    redis = await startTestRedis();
    store = { kind: 'sql', engine: 'pglite', sql: await openMigratedPglite() };
    await prepareStore(store);
    repos = createRepositories(store);
  });
  after(async () => {
    for (const c of closers.reverse()) await c();
    await closeStore(store);
    await redis?.stop();
  });

  function relay(name: string): { relay: OutboxRelay; queues: Queues } {
    const queues = new Queues({ redis: { url: redis.url }, logger: silent, metrics: new Metrics(name), keyPrefix: 'daraa:' });
    const client = new Redis(redis.url).on('error', () => undefined);
    const relay = new OutboxRelay({
      outbox: repos.outbox,
      queues,
      hubChannel: new DeliveryEventBus({ redis: client, logger: silent, keyPrefix: 'daraa:' }),
      lease: new RedisLease(client, 'test:outbox:relay', 5_000),
      clock: systemClock,
      logger: silent,
      settings: { batchSize: 200, idleMs: 20 },
    });
    closers.push(async () => {
      await relay.stop();
      await queues.close();
      client.disconnect();
    });
    return { relay, queues };
  }

  it('when two relays run while events commit, then every event reaches the channel and its consumer queue once, in sequence order, and all are marked', async () => {
    const sub = new Redis(redis.url).on('error', () => undefined);
    closers.push(() => sub.disconnect());
    const received: DeliveryEvent[] = [];
    await new DeliveryEventBus({ redis: sub, logger: silent, keyPrefix: 'daraa:' }).subscribe(sub, (e) => received.push(e));
    const [a, b] = [relay('relay-a'), relay('relay-b')];
    a.relay.start();
    b.relay.start();

    const AGGREGATES = 20;
    const VERSIONS = 50;
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: AGGREGATES }, async (_, i) => {
        for (let v = 1; v <= VERSIONS; v++) await repos.unitOfWork.transaction(() => repos.outbox.add([changed(`agg-${i}`, v)]));
      }),
    );
    const committedMs = Date.now() - t0;
    const total = AGGREGATES * VERSIONS;
    await until(async () => received.length >= total && (await repos.outbox.unpublished(1)).length === 0, 30_000, 'every event published and marked');
    const relayedMs = Date.now() - t0;
    await new Promise((r) => setTimeout(r, 200)); // a late duplicate would arrive now

    expect(received).to.have.length(total);
    for (let i = 0; i < AGGREGATES; i++) {
      const versions = received.filter((e) => e.deliveryId === `agg-${i}`).map((e) => (e.type === 'delivery.status_changed' ? e.reason : null));
      expect(versions).to.deep.equal(Array.from({ length: VERSIONS }, (_, v) => `v${v + 1}`));
    }
    // BullMQ does not close a connection it was handed, so the test closes its own.
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue('audit', { connection, prefix: queuePrefix('daraa:', 'audit') });
    closers.push(async () => {
      await queue.close();
      connection.disconnect();
    });
    expect(await queue.getWaitingCount()).to.equal(total);
    await Promise.all([a.relay.stop(), b.relay.stop()]);
    console.log(`      relay: ${total} events committed in ${committedMs} ms, all published and marked ${relayedMs} ms after the first commit (two relays, batch 200, PGlite)`);
  });

  it('when Redis is unreachable during a pass, then nothing is marked, and the next pass publishes it', async () => {
    const { relay: r } = relay('relay-c');
    const [event] = await repos.outbox.add([changed('agg-down', 1)]);
    await redis.stop();
    try {
      const err = await r.relayOnce().then(() => null, (e: { code?: string }) => e);
      expect(err?.code, 'the pass fails while Redis is down').to.equal('SERVICE_UNAVAILABLE');
      expect((await repos.outbox.unpublished(10)).map((e) => e.id)).to.deep.equal([event!.id]);
    } finally {
      redis = await startEmbeddedRedis({ port: redis.port });
    }
    r.start();
    await until(async () => (await repos.outbox.unpublished(10)).length === 0, 15_000, 'the relay catching up');
  });

  it('when a transaction with events commits, then the nudge wakes the relay well before its next poll', async () => {
    const client = new Redis(redis.url).on('error', () => undefined);
    const sub = new Redis(redis.url).on('error', () => undefined);
    closers.push(() => client.disconnect(), () => sub.disconnect());
    const channel = 'test:outbox:committed';
    const nudges = new OutboxNudges({ unitOfWork: repos.unitOfWork, outbox: repos.outbox, redis: client, channel });
    const queues = new Queues({ redis: { url: redis.url }, logger: silent, metrics: new Metrics('relay-n'), keyPrefix: 'daraa:' });
    const POLL_MS = 3_000;
    const r = new OutboxRelay({ outbox: nudges.outbox, queues, hubChannel: new DeliveryEventBus({ redis: client, logger: silent, keyPrefix: 'daraa:' }), lease: new RedisLease(client, 'test:outbox:relay-n', 5_000), clock: systemClock, logger: silent, settings: { batchSize: 200, idleMs: POLL_MS }, nudges: OutboxNudges.listener({ url: redis.url }, channel) });
    closers.push(async () => {
      await r.stop();
      await queues.close();
    });
    const received = new Map<string, number>();
    await new DeliveryEventBus({ redis: sub, logger: silent, keyPrefix: 'daraa:' }).subscribe(sub, (e) => received.set(e.deliveryId, Date.now()));
    r.start();
    await until(async () => ((await client.pubsub('NUMSUB', channel)) as [string, number])[1] === 1, 5_000, 'the relay to listen');
    await new Promise((res) => setTimeout(res, 100)); // the relay is asleep now
    const latencies: number[] = [];
    for (let i = 0; i < 3; i++) {
      const id = `nudged-${i}`;
      const t0 = Date.now();
      await nudges.unitOfWork.transaction(() => nudges.outbox.add([changed(id, 1)]));
      await until(async () => received.has(id), POLL_MS * 2, `event ${id}`);
      latencies.push(received.get(id)! - t0);
    }
    expect(Math.max(...latencies), `commit-to-channel latencies ${latencies.join(', ')} ms`).to.be.below(POLL_MS / 3);
  });
});
