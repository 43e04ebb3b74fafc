import { expect } from 'chai';
import { Cluster, Redis } from 'ioredis';
import { ALONE_RECHECK_MS, PositionChannel } from '../../../server/position-channel.js';
import { startTestRedis, uniquePrefix } from '../../helpers/redis.js';
import { startEmbeddedRedis } from '../../../infra/embedded-redis.js';
import { createRedisClient } from '../../../infra/redis.js';
import { startTestRedisCluster, type TestRedisCluster } from '../../helpers/redis-cluster.js';
import type { EmbeddedRedis } from '../../../infra/embedded-redis.js';

type Client = Redis | Cluster;
interface Hub {
  channel: PositionChannel<{ n: number }>;
  delivered: string[];
  published: string[];
}

/** Counts the SPUBLISHes a hub sends, through the real client (the payloads still go to Redis). */
function counting(client: Client, published: string[]): Client {
  const spublish = client.spublish.bind(client) as (channel: string, message: string | Buffer) => Promise<number>;
  return Object.assign(Object.create(client) as Client, {
    spublish: (channel: string, message: string | Buffer) => (published.push(channel), spublish(channel, message)),
  });
}

async function hub(hubId: string, prefix: string, publisher: Client, subscriber: Client, shards?: number): Promise<Hub> {
  const delivered: string[] = [];
  const published: string[] = [];
  const channel = new PositionChannel<{ n: number }>({
    publisher: counting(publisher, published),
    subscriber,
    hubId,
    prefix,
    ...(shards ? { shards } : {}),
    deliver: (room, payload) => void delivered.push(`${room}=${payload.n}`),
    onError: () => undefined,
  });
  await channel.start();
  return { channel, delivered, published };
}

const settle = () => new Promise((r) => setTimeout(r, 300));

/**
 * Waits until `done()` holds (deadline 5 s), then one settle more so a duplicate or a
 * late extra delivery still shows up in the exact assertions that follow. A fixed pause
 * alone failed on a loaded 2-core box, where one delivery took longer than 300 ms.
 */
async function until(done: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await settle();
}

describe('hub PositionChannel: one sharded publish per turn and shard, own batches skipped', function () {
  this.timeout(60_000);

  describe('on a standalone Redis', () => {
    let server: EmbeddedRedis;
    const clients: Redis[] = [];
    const client = () => {
      const c = new Redis(server.url, { maxRetriesPerRequest: 1 });
      clients.push(c);
      return c;
    };
    before(async () => (server = await startTestRedis()));
    after(async () => {
      clients.forEach((c) => c.disconnect());
      await server?.stop();
    });

    it('when hub A publishes several positions in one turn, then one SPUBLISH carries them, hub B delivers each once and hub A none', async () => {
      const prefix = uniquePrefix('pos');
      const a = await hub('hub-a', prefix, client(), client());
      const b = await hub('hub-b', prefix, client(), client());
      try {
        a.channel.publish('order:1', { n: 1 });
        a.channel.publish('order:2', { n: 2 });
        a.channel.publish('order:1', { n: 3 });
        await until(() => b.delivered.length >= 3);
        expect(a.published).to.have.length(1);
        expect(b.delivered).to.deep.equal(['order:1=1', 'order:2=2', 'order:1=3']);
        expect(a.delivered).to.deep.equal([]);

        // the next turn is the next publish; B's own batch comes back to B and is skipped there
        b.channel.publish('order:9', { n: 9 });
        await until(() => a.delivered.length >= 1);
        expect(a.delivered).to.deep.equal(['order:9=9']);
        expect(b.delivered).to.have.length(3);
      } finally {
        await a.channel.close();
        await b.channel.close();
      }
    });

    it('when no other hub listens, then the next turns publish nothing until a recheck, and a hub that starts meanwhile gets positions within about a second', async () => {
      const prefix = uniquePrefix('pos');
      const a = await hub('hub-a', prefix, client(), client());
      let b: Hub | undefined;
      try {
        a.channel.publish('order:1', { n: 1 });
        await settle(); // reached only hub A's own subscriber
        a.channel.publish('order:1', { n: 2 });
        await settle();
        expect(a.published).to.have.length(1);

        b = await hub('hub-b', prefix, client(), client());
        const started = Date.now();
        for (let n = 3; b.delivered.length === 0 && Date.now() - started < 5_000; n++) {
          a.channel.publish('order:1', { n });
          await new Promise((r) => setTimeout(r, 50));
        }
        expect(b.delivered.length, 'hub B never received a batch').to.be.greaterThan(0);
        expect(Date.now() - started).to.be.at.most(ALONE_RECHECK_MS + 1_000);
      } finally {
        await a.channel.close();
        await b?.channel.close();
      }
    });

    it('when a hub id is a prefix of another, then its batches are still told apart', async () => {
      const prefix = uniquePrefix('pos');
      const a = await hub('hub', prefix, client(), client());
      const b = await hub('hub-2', prefix, client(), client());
      try {
        b.channel.publish('order:1', { n: 1 });
        await until(() => a.delivered.length >= 1);
        expect(a.delivered).to.deep.equal(['order:1=1']);
        expect(b.delivered).to.deep.equal([]);
      } finally {
        await a.channel.close();
        await b.channel.close();
      }
    });

    it('when garbage arrives on a position channel, then it is dropped and later batches are still delivered', async () => {
      const prefix = uniquePrefix('pos');
      const b = await hub('hub-b', prefix, client(), client());
      const a = await hub('hub-a', prefix, client(), client());
      try {
        const raw = client();
        for (const junk of ['', 'no header', 'x\n{not json', 'x\n{"a":1}', 'x\n[[1,2],["order:1"]]', 'x\n[null]']) await raw.spublish(`${prefix}positions:0`, junk);
        a.channel.publish('order:7', { n: 7 });
        await until(() => b.delivered.length >= 1);
        expect(b.delivered).to.deep.equal(['order:7=7']);
      } finally {
        await a.channel.close();
        await b.channel.close();
      }
    });
  });

  describe('across a Redis restart', () => {
    it('when Redis is restarted (empty) between two batches, then publishing fails quietly meanwhile and the other hub receives batches again once it is back', async () => {
      let server = await startTestRedis();
      const port = server.port;
      // made as the hub makes them (infra/redis.ts): a fail-fast publisher, subscribers that reconnect and resubscribe
      const publisher = createRedisClient({ url: server.url }, 'publisher');
      const subscriber = createRedisClient({ url: server.url }, 'subscriber');
      const subscriberA = createRedisClient({ url: server.url }, 'subscriber');
      await Promise.all([publisher.connect(), subscriber.connect(), subscriberA.connect()]);
      const errors: unknown[] = [];
      const delivered: string[] = [];
      const prefix = uniquePrefix('pos');
      const a = new PositionChannel<{ n: number }>({ publisher, subscriber: subscriberA, hubId: 'a', prefix, deliver: () => undefined, onError: (e) => errors.push(e) });
      const b = new PositionChannel<{ n: number }>({ publisher, subscriber, hubId: 'b', prefix, deliver: (room, p) => void delivered.push(`${room}=${p.n}`), onError: () => undefined });
      try {
        await a.start();
        await b.start();
        a.publish('order:1', { n: 1 });
        await until(() => delivered.length >= 1);
        expect(delivered).to.deep.equal(['order:1=1']);

        await server.stop();
        a.publish('order:1', { n: 2 });
        await settle();
        expect(errors.length).to.be.at.least(1); // dropped, not queued
        server = await startEmbeddedRedis({ port });
        const deadline = Date.now() + 5_000;
        let n = 3;
        while (!delivered.some((d) => d !== 'order:1=1') && Date.now() < deadline) {
          a.publish('order:1', { n: n++ });
          await new Promise((r) => setTimeout(r, 100));
        }
        expect(delivered.slice(1).length, 'no batch after the restart').to.be.at.least(1);
        expect(delivered).to.not.include('order:1=2');
      } finally {
        await a.close();
        await b.close();
        [publisher, subscriber, subscriberA].forEach((c) => c.disconnect());
        await server.stop();
      }
    });
  });

  describe('on a 3-node Redis Cluster', () => {
    let cluster: TestRedisCluster;
    const clients: Cluster[] = [];
    const subscriber = () => {
      const c = new Cluster(cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })), { shardedSubscribers: true, redisOptions: { maxRetriesPerRequest: 1 } });
      clients.push(c);
      return c;
    };
    before(async () => {
      cluster = await startTestRedisCluster();
    });
    after(async () => {
      clients.forEach((c) => c.disconnect());
      await cluster?.stop();
    });

    it('when a turn carries positions for many rooms, then they leave in one SPUBLISH per shard, over several nodes, and the other hub delivers each once', async () => {
      const prefix = uniquePrefix('pos');
      const a = await hub('hub-a', prefix, cluster.client(), subscriber(), 8);
      const b = await hub('hub-b', prefix, cluster.client(), subscriber(), 8);
      try {
        const rooms = Array.from({ length: 60 }, (_, i) => `order:${i}`);
        rooms.forEach((room, n) => a.channel.publish(room, { n }));
        await until(() => b.delivered.length >= rooms.length);
        expect(b.delivered.sort()).to.deep.equal(rooms.map((room, n) => `${room}=${n}`).sort());
        expect(a.delivered).to.deep.equal([]);
        expect(a.published.length).to.be.at.most(8);
        expect(new Set(a.published).size).to.equal(a.published.length);
        const nodes = new Set(await Promise.all(a.published.map(async (ch) => cluster.client().slots[(await cluster.client().cluster('KEYSLOT', ch)) as number]?.[0])));
        expect(nodes.size).to.be.greaterThan(1);
      } finally {
        await a.channel.close();
        await b.channel.close();
      }
    });

    it('when the subscriber is a Cluster without sharded subscribers, then start fails with a clear message', async () => {
      const plain = cluster.client();
      const channel = new PositionChannel({ publisher: plain, subscriber: plain, hubId: 'x', prefix: 'p:', deliver: () => undefined, onError: () => undefined });
      const err = await channel.start().then(() => null, (e: Error) => e);
      expect(err?.message).to.match(/shardedSubscribers/);
    });
  });
});
