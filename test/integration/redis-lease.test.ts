import { expect } from 'chai';
import { Redis } from 'ioredis';
import pino from 'pino';
import { startTestRedis, uniquePrefix } from '../helpers/redis.js';
import type { EmbeddedRedis } from '../../infra/embedded-redis.js';
import { RedisLease } from '../../infra/redis-lease.js';
import { openMigratedPglite } from '../helpers/pglite-template.js';
import { closeStore, createRepositories, prepareStore, type Store } from '../../infra/db/index.js';
import { Queues } from '../../infra/queues.js';
import { Metrics } from '../../infra/metrics.js';
import { DeliveryEventBus } from '../../infra/delivery-events.js';
import { OutboxRelay } from '../../workers/outbox-relay.js';
import { systemClock } from '../../domain/shared/ids.js';

describe('the relay lease in Redis', function () {
  this.timeout(60_000); // opening PGlite alone takes ~20 s on a loaded 2-core box
  let server: EmbeddedRedis;
  let redis: Redis;
  before(async () => {
    server = await startTestRedis();
    redis = new Redis(server.url);
  });
  after(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it('when two processes ask, then one holds it, renews it, and the other gets it only after release', async () => {
    const key = `${uniquePrefix('lease')}relay`;
    const [a, b] = [new RedisLease(redis, key, 2_000), new RedisLease(redis, key, 2_000)];
    expect(await a.hold()).to.equal(true);
    expect(await b.hold()).to.equal(false);
    expect(await a.hold()).to.equal(true); // renewal
    expect(await a.stillHeld()).to.equal(true);
    await a.release();
    expect(await b.hold()).to.equal(true);
    expect(await a.stillHeld()).to.equal(false);
  });

  it('when the holder stalls past the ttl and another takes over, then the late holder learns it no longer holds it', async () => {
    const key = `${uniquePrefix('lease')}relay`;
    const [a, b] = [new RedisLease(redis, key, 150), new RedisLease(redis, key, 5_000)];
    expect(await a.hold()).to.equal(true);
    await new Promise((r) => setTimeout(r, 250));
    expect(await b.hold()).to.equal(true);
    expect(await a.stillHeld()).to.equal(false);
    expect(await a.hold()).to.equal(false);
  });

  it('when the relay loses the lease while publishing, then it does not mark the batch, and the new holder publishes and marks it', async () => {
    const store: Store = { kind: 'sql', engine: 'pglite', sql: await openMigratedPglite() };
    await prepareStore(store);
    const repos = createRepositories(store);
    const silent = pino({ level: 'silent' });
    const queues = new Queues({ redis: { url: server.url }, logger: silent, metrics: new Metrics('lease-test'), keyPrefix: 'daraa:' });
    const key = `${uniquePrefix('lease')}relay`;
    const thief = new RedisLease(redis, key, 5_000);
    const relayWith = (lease: RedisLease, beforeMark?: () => void) =>
      new OutboxRelay({ outbox: repos.outbox, queues, hubChannel: new DeliveryEventBus({ redis, logger: silent, keyPrefix: 'daraa:' }), lease, clock: systemClock, logger: silent, settings: { batchSize: 50, idleMs: 20 }, hooks: beforeMark ? { beforeMark } : {} });
    try {
      const at = new Date().toISOString();
      const [event] = await repos.outbox.add([{ type: 'delivery.status.changed', aggregateId: 'd-lease', aggregateVersion: 2, occurredAt: at, payload: { deliveryId: 'd-lease', orderId: 'o', from: 'pending', to: 'cancelled', courierId: null, reason: 'r', at } }]);
      const victimLease = new RedisLease(redis, key, 100);
      expect(await victimLease.hold()).to.equal(true);
      let stolen = false;
      const victim = relayWith(victimLease, () => void (stolen = true));
      // the lease expires while the victim publishes, and another process takes it
      await new Promise((r) => setTimeout(r, 150));
      expect(await thief.hold()).to.equal(true);
      expect(await victim.relayOnce()).to.equal(0);
      expect(stolen, 'the victim published').to.equal(true);
      expect((await repos.outbox.unpublished(10)).map((e) => e.id)).to.deep.equal([event!.id]);
      expect(await relayWith(thief).relayOnce()).to.equal(1);
      expect(await repos.outbox.unpublished(10)).to.deep.equal([]);
    } finally {
      await queues.close();
      await closeStore(store);
    }
  });
});
