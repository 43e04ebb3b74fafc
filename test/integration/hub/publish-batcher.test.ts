import { expect } from 'chai';
import { Redis } from 'ioredis';
import { batchingPublisher } from '../../../server/publish-batcher.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../../infra/embedded-redis.js';
import { createRedisClient } from '../../../infra/redis.js';

/** Calls of one command so far, from INFO commandstats (0 when never called). */
async function calls(admin: Redis, command: string): Promise<number> {
  const info = await admin.info('commandstats');
  const m = new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info);
  return m ? Number(m[1]) : 0;
}

describe('hub: the adapter publisher batches a turn of SPUBLISHes', function () {
  this.timeout(20_000);
  let redis: EmbeddedRedis;
  let admin: Redis;
  let sub: Redis;
  let pub: Redis;

  before(async () => {
    redis = await startEmbeddedRedis();
    admin = new Redis(redis.url);
    sub = new Redis(redis.url);
    pub = createRedisClient({ url: redis.url }, 'publisher', 'test-pub');
    await pub.connect();
  });
  after(async () => {
    sub?.disconnect();
    pub?.disconnect();
    admin?.disconnect();
    await redis?.stop();
  });

  it('when one turn publishes to several sharded channels, then one script call delivers every message, in order, strings and buffers alike', async () => {
    const got: [string, string][] = [];
    sub.on('smessageBuffer', (channel: Buffer, message: Buffer) => got.push([channel.toString(), message.toString('hex')]));
    await sub.ssubscribe('a#', 'b#');
    const publisher = batchingPublisher(pub);
    const spublishBefore = await calls(admin, 'spublish');
    const scriptsBefore = (await calls(admin, 'evalsha')) + (await calls(admin, 'eval'));

    const results = await Promise.all([
      publisher.spublish('a#', '{"n":1}'),
      publisher.spublish('b#', Buffer.from([0x81, 0xa1, 0x6e, 0x02])),
      publisher.spublish('a#', '{"n":3}'),
    ]);

    expect(results).to.deep.equal([3, 3, 3]); // the batch's count, shared by its calls
    expect((await calls(admin, 'evalsha')) + (await calls(admin, 'eval')) - scriptsBefore).to.equal(1);
    expect((await calls(admin, 'spublish')) - spublishBefore).to.equal(3);
    const deadline = Date.now() + 2_000;
    while (got.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(got).to.deep.equal([
      ['a#', Buffer.from('{"n":1}').toString('hex')],
      ['b#', '81a16e02'],
      ['a#', Buffer.from('{"n":3}').toString('hex')],
    ]);
  });

  it('when a turn publishes more than one script call may carry, then it is split and still delivered in full', async () => {
    const publisher = batchingPublisher(pub);
    const before = await calls(admin, 'spublish');
    const n = 1_201;
    const counts = await Promise.all(Array.from({ length: n }, (_, i) => publisher.spublish('c#', String(i))));
    expect((await calls(admin, 'spublish')) - before).to.equal(n);
    expect(new Set(counts)).to.deep.equal(new Set([500, 201]));
  });

  it('when Redis is unreachable, then every publish of the batch rejects, and the rest of the client still answers', async () => {
    const dead = createRedisClient({ url: 'redis://127.0.0.1:1' }, 'publisher', 'test-dead'); // fails fast: no offline queue
    const publisher = batchingPublisher(dead);
    const outcomes = await Promise.allSettled([publisher.spublish('a#', 'x'), publisher.spublish('b#', 'y')]);
    expect(outcomes.map((o) => o.status)).to.deep.equal(['rejected', 'rejected']);
    dead.disconnect();

    const live = batchingPublisher(pub);
    expect(await live.ping()).to.equal('PONG'); // everything but spublish is the client's own
    expect(live.status).to.equal('ready');
  });
});
