import { expect } from 'chai';
import pino from 'pino';
import { openMigratedPglite } from '../helpers/pglite-template.js';
import { prepareStore, closeStore, createRepositories, type Store } from '../../infra/db/index.js';
import { ZoneIndex } from '../../geo/index.js';
import { LiveZones, RedisZoneNotifier, zonesChannel } from '../../infra/live-zones.js';
import { createRedisClient } from '../../infra/redis.js';
import type { StoreZoneRepository } from '../../domain/catalog/ports.js';
import type { StoreZone } from '../../domain/catalog/store-zone.js';
import type { EmbeddedRedis } from '../../infra/embedded-redis.js';
import { redisClient, startTestRedis, uniquePrefix } from '../helpers/redis.js';

const DAMASCUS = { lat: 33.5138, lng: 36.2765 };
const zone = (storeId: string, version: number, radiusM = 2_000): StoreZone => ({ storeId, version, shape: { kind: 'radius', center: DAMASCUS, radiusM }, updatedAt: new Date().toISOString() });

async function until(ok: () => boolean, ms: number): Promise<number> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - t0;
}

/** Two LiveZones (as two processes would hold) over one PGlite store and a private Redis: notices, the poll, and bad notices. */
describe('LiveZones follow zone changes written elsewhere', function () {
  this.timeout(60_000);
  let store: Store;
  let repo: StoreZoneRepository;
  let redis: EmbeddedRedis;
  const opened: LiveZones[] = [];
  const live = (channel: string, refreshMs: number) => {
    const l = new LiveZones({ storeZones: repo, index: new ZoneIndex(), subscriber: createRedisClient({ url: redis.url }, 'subscriber', 'zones'), channel, refreshMs, logger: pino({ level: 'silent' }) });
    opened.push(l);
    return l;
  };

  before(async () => {
    redis = await startTestRedis();
    store = { kind: 'sql', engine: 'pglite', sql: await openMigratedPglite() };
    await prepareStore(store);
    repo = createRepositories(store).storeZones;
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((l) => l.stop()));
  });
  after(async () => {
    await closeStore(store);
    await redis.stop();
  });

  it('when one LiveZones writes a zone, then it answers at once and another (as in another process, 60 s poll) answers within a second, carried by the notice', async () => {
    const channel = zonesChannel(uniquePrefix('zones'));
    const [a, b] = [live(channel, 60_000), live(channel, 60_000)];
    await Promise.all([a.start(), b.start()]);
    const publisher = redisClient(redis.url);
    try {
      const notifier = new RedisZoneNotifier({ live: a, redis: publisher, channel, logger: pino({ level: 'silent' }) });
      const z = zone('store-notice', 1);
      expect(await repo.put(z, 0)).to.equal(true);
      notifier.changed(z);
      expect(a.storesCovering(DAMASCUS)).to.deep.equal(['store-notice']);
      await until(() => b.storesCovering(DAMASCUS).includes('store-notice'), 1_000);
      expect(b.revision('store-notice')).to.equal(1);
    } finally {
      publisher.disconnect();
    }
  });

  it('when a change comes with no notice (as if it were lost), then the poll picks it up within its interval, and a removed zone leaves the index', async () => {
    const c = live(zonesChannel(uniquePrefix('zones')), 300);
    await c.start();
    expect(await repo.put(zone('store-poll', 1), 0)).to.equal(true);
    await until(() => c.storesCovering(DAMASCUS).includes('store-poll'), 2_000);
    expect(await repo.put({ ...zone('store-poll', 2), shape: null }, 1)).to.equal(true);
    await until(() => !c.storesCovering(DAMASCUS).includes('store-poll'), 2_000);
    expect(c.index.has('store-poll')).to.equal(false);
  });

  it('when a malformed notice or one for a revision already held arrives, then nothing is reloaded and the process keeps answering', async () => {
    const channel = zonesChannel(uniquePrefix('zones'));
    let reads = 0;
    const counting: StoreZoneRepository = { ...repo, find: repo.find.bind(repo), put: repo.put.bind(repo), findMany: repo.findMany.bind(repo), revisions: async () => (reads++, repo.revisions()) };
    const d = new LiveZones({ storeZones: counting, index: new ZoneIndex(), subscriber: createRedisClient({ url: redis.url }, 'subscriber', 'zones'), channel, refreshMs: 60_000, logger: pino({ level: 'silent' }) });
    opened.push(d);
    expect(await repo.put(zone('store-held', 1), 0)).to.equal(true);
    await d.start();
    expect(reads).to.equal(1);
    const publisher = redisClient(redis.url);
    try {
      for (const m of ['not json', '{"storeId": 7, "version": 1}', '{"storeId": "store-held"}', JSON.stringify({ storeId: 'store-held', version: 1 })]) await publisher.publish(channel, m);
      await new Promise((r) => setTimeout(r, 300));
      expect(reads).to.equal(1);
      await publisher.publish(channel, JSON.stringify({ storeId: 'store-held', version: 2 }));
      await until(() => reads === 2, 1_000);
      expect(d.storesCovering(DAMASCUS)).to.include('store-held');
    } finally {
      publisher.disconnect();
    }
  });
});
