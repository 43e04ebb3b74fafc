import { expect } from 'chai';
import { Redis } from 'ioredis';
import { CourierIndex } from '../../../geo/index.js';
import type { EmbeddedRedis } from '../../../infra/embedded-redis.js';
import { startTestRedis, uniquePrefix } from '../../helpers/redis.js';

describe('geo CourierIndex when Redis is down', () => {
  let server: EmbeddedRedis;
  let redis: Redis;

  before(async () => {
    server = await startTestRedis();
    redis = new Redis(server.url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
  });
  after(async () => {
    process.kill(server.pid, 'SIGCONT');
    redis.disconnect();
    await server.stop();
  });

  it('when Redis stops answering, then calls fail fast with SERVICE_UNAVAILABLE and the index is consistent after it returns', async () => {
    const index = new CourierIndex({ redis, prefix: uniquePrefix('down'), commandTimeoutMs: 300 });
    const now = Date.now();
    await index.setState('c', { status: 'available', vehicle: 'car', capacity: 1, load: 0 });
    await index.applyFix({ courierId: 'c', lat: 33.5, lng: 36.3, ts: now - 1000 });

    process.kill(server.pid, 'SIGSTOP');
    const t0 = Date.now();
    const err = await index.applyFix({ courierId: 'c', lat: 33.501, lng: 36.3, ts: now }).catch((e: unknown) => e);
    const q = await index.nearestCouriers({ lat: 33.5, lng: 36.3, radiusM: 1000, limit: 1, filter: { status: 'available' } }).catch((e: unknown) => e);
    expect(Date.now() - t0).to.be.below(1500);
    expect(err).to.include({ code: 'SERVICE_UNAVAILABLE', reason: 'REDIS_UNAVAILABLE' });
    expect(q).to.include({ code: 'SERVICE_UNAVAILABLE' });
    process.kill(server.pid, 'SIGCONT');

    // The timed-out fix may or may not have landed (it was queued); either way the index is whole.
    const later = Date.now() + 1; // stamped at the server's time: a stamp ahead of it would be ordered at its arrival
    await index.applyFix({ courierId: 'c', lat: 33.502, lng: 36.3, ts: later });
    const found = await index.nearestCouriers({ lat: 33.5, lng: 36.3, radiusM: 1000, limit: 5, filter: { status: 'available' } });
    expect(found.map((c) => c.courierId)).to.deep.equal(['c']);
    expect((await index.getCourier('c'))?.lastFix?.ts).to.be.within(later - 1, later);
  });

  it('when the connection is closed, then calls are refused at once', async () => {
    const dead = new Redis(server.url, { lazyConnect: true });
    dead.disconnect();
    const index = new CourierIndex({ redis: dead, prefix: uniquePrefix('down') });
    const t0 = Date.now();
    const err = await index.nearestCouriers({ lat: 1, lng: 1, radiusM: 100, limit: 1, filter: { status: 'available' } }).catch((e: unknown) => e);
    expect(Date.now() - t0).to.be.below(100);
    expect(err).to.include({ code: 'SERVICE_UNAVAILABLE', reason: 'REDIS_UNAVAILABLE' });
  });
});
