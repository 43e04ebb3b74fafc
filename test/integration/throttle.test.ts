import { expect } from 'chai';
import { Redis } from 'ioredis';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../infra/embedded-redis.js';
import { RateLimiterThrottle } from '../../infra/redis-identity.js';
import { LOGIN_LOCK } from '../../domain/identity/use-cases/log-in.js';

/** The Throttle port on rate-limiter-flexible, against a private redis-server, with the caller's clock moved by hand. */
describe('RateLimiterThrottle (login lockout and OTP cooldown)', function () {
  this.timeout(20_000);
  let server: EmbeddedRedis;
  let redis: Redis;
  let throttle: RateLimiterThrottle;
  let n = 0;
  const prefix = `t${process.pid}:`;
  const key = () => `login:acct:${++n}`;
  const at = (offsetMs: number) => new Date(Date.now() + offsetMs);

  before(async () => {
    server = await startEmbeddedRedis();
    redis = new Redis(server.url);
    throttle = new RateLimiterThrottle(redis, prefix);
  });
  after(async () => {
    redis.disconnect();
    await server.stop();
  });

  it('when max failures fall within the window, then the max-th locks the key for lockMs, and every Redis key expires on its own', async () => {
    const k = key();
    const seen: number[] = [];
    let lock: Date | null = null;
    for (let i = 0; i < LOGIN_LOCK.max; i++) {
      const r = await throttle.recordFailure(k, at(i * 60_000), LOGIN_LOCK);
      seen.push(r.failures);
      lock = r.lockedUntil;
      if (i < LOGIN_LOCK.max - 1) expect(lock, `failure ${i + 1}`).to.equal(null);
    }
    expect(seen).to.deep.equal([1, 2, 3, 4, 5]);
    expect(lock!.getTime()).to.be.closeTo(Date.now() + LOGIN_LOCK.lockMs, 2_000);
    expect((await throttle.lockedUntil(k, at(0), LOGIN_LOCK))?.getTime()).to.be.closeTo(lock!.getTime(), 50);
    expect(await throttle.lockedUntil(k, at(LOGIN_LOCK.lockMs - 60_000), LOGIN_LOCK)).to.not.equal(null);
    expect(await throttle.lockedUntil(k, at(LOGIN_LOCK.lockMs + 1_000), LOGIN_LOCK)).to.equal(null);
    const keys = await redis.keys(`${prefix}*`);
    expect(keys.length).to.be.greaterThan(0);
    for (const stored of keys) expect(await redis.pttl(stored), stored).to.be.greaterThan(0);
  });

  it('when fewer than max failures fall in one window, then no lock, and a window the clock has left starts again', async () => {
    const k = key();
    for (let i = 0; i < LOGIN_LOCK.max - 1; i++) expect((await throttle.recordFailure(k, at(i * 1_000), LOGIN_LOCK)).lockedUntil).to.equal(null);
    const later = await throttle.recordFailure(k, at(LOGIN_LOCK.windowMs + 1_000), LOGIN_LOCK);
    expect(later).to.deep.equal({ failures: 1, lockedUntil: null });
    expect(await throttle.lockedUntil(k, at(LOGIN_LOCK.windowMs + 1_000), LOGIN_LOCK)).to.equal(null);
  });

  it('when a key is cleared, then its count and lock are gone', async () => {
    const k = key();
    for (let i = 0; i < LOGIN_LOCK.max; i++) await throttle.recordFailure(k, at(0), LOGIN_LOCK);
    expect(await throttle.lockedUntil(k, at(0), LOGIN_LOCK)).to.not.equal(null);
    await throttle.clear(k);
    expect(await throttle.lockedUntil(k, at(0), LOGIN_LOCK)).to.equal(null);
    expect((await throttle.recordFailure(k, at(0), LOGIN_LOCK)).failures).to.equal(1);
  });

  it('when a cooldown is taken twice, then the second answers when it opens; once the clock passes it, it is free again', async () => {
    const k = `otp:verify_phone:${++n}`;
    expect(await throttle.takeCooldown(k, at(0), 60_000)).to.deep.equal({ ok: true });
    const again = await throttle.takeCooldown(k, at(1_000), 60_000);
    expect(again.ok).to.equal(false);
    expect((again as { retryAt: Date }).retryAt.getTime()).to.be.closeTo(Date.now() + 60_000, 2_000);
    expect(await throttle.takeCooldown(k, at(61_000), 60_000)).to.deep.equal({ ok: true });
  });

  it('when Redis is unreachable, then recordFailure and lockedUntil reject instead of answering "not locked"', async () => {
    const down = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    down.on('error', () => undefined);
    const t = new RateLimiterThrottle(down, prefix);
    const outcome = async (p: Promise<unknown>) => p.then(() => 'answered', () => 'rejected');
    expect(await outcome(t.recordFailure(key(), at(0), LOGIN_LOCK))).to.equal('rejected');
    expect(await outcome(t.lockedUntil(key(), at(0), LOGIN_LOCK))).to.equal('rejected');
    down.disconnect();
  });
});
