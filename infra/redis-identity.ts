import type { RedisClient } from './redis.js';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Throttle } from '../domain/identity/ports.js';

// Revocations have their own module: the hub checks them, and needs nothing else of this file.
export { RedisAccessRevocations } from './redis-revocations.js';

/**
 * Failure windows, locks and cooldowns, counted by rate-limiter-flexible in
 * Redis (one fixed window per key, opened by its first failure). The library
 * measures time with Redis TTLs while the port speaks in the caller's clock
 * (`now`, which tests move ahead): a remaining TTL becomes an instant on this
 * process's wall clock, and a window that the caller's clock has already left
 * is discarded before counting. With the system clock that never triggers;
 * Redis has expired the key first.
 */
export class RateLimiterThrottle implements Throttle {
  private readonly limiters = new Map<string, RateLimiterRedis>();

  constructor(private readonly redis: RedisClient, private readonly prefix: string) {}

  /** One limiter per policy; policies are constants of the domain, so this stays a handful. */
  private limiter(kind: 'fail' | 'cooldown', points: number, durationMs: number, blockMs = 0): RateLimiterRedis {
    const id = `${kind}:${points}:${durationMs}:${blockMs}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      limiter = new RateLimiterRedis({ storeClient: this.redis, keyPrefix: `${this.prefix}throttle:${kind}`, points, duration: seconds(durationMs), blockDuration: seconds(blockMs) });
      this.limiters.set(id, limiter);
    }
    return limiter;
  }

  async recordFailure(key: string, now: Date, o: { windowMs: number; max: number; lockMs: number }): Promise<{ failures: number; lockedUntil: Date | null }> {
    // The library refuses once more than `points` are consumed: the max-th failure is the one that locks.
    const limiter = this.limiter('fail', o.max - 1, o.windowMs, o.lockMs);
    await discardIfOver(limiter, key, now);
    const r = await consume(limiter, key);
    return { failures: r.res.consumedPoints, lockedUntil: r.ok ? null : endOf(r.res) };
  }

  async lockedUntil(key: string, now: Date, o: { max: number }): Promise<Date | null> {
    const res = await this.limiter('fail', o.max - 1, 0).get(key);
    if (!res || res.consumedPoints < o.max) return null;
    const until = endOf(res);
    return until > now ? until : null;
  }

  async clear(key: string): Promise<void> {
    await this.limiter('fail', 1, 0).delete(key);
  }

  async takeCooldown(key: string, now: Date, ms: number): Promise<{ ok: true } | { ok: false; retryAt: Date }> {
    const limiter = this.limiter('cooldown', 1, ms);
    await discardIfOver(limiter, key, now);
    const r = await consume(limiter, key);
    return r.ok ? { ok: true } : { ok: false, retryAt: endOf(r.res) };
  }
}

const seconds = (ms: number) => Math.ceil(ms / 1000);
const endOf = (res: RateLimiterRes) => new Date(Date.now() + res.msBeforeNext);

/** The library rejects with a RateLimiterRes when over the limit, and with an Error when Redis fails. */
async function consume(limiter: RateLimiterRedis, key: string): Promise<{ ok: boolean; res: RateLimiterRes }> {
  try {
    return { ok: true, res: await limiter.consume(key) };
  } catch (err) {
    if (err instanceof RateLimiterRes) return { ok: false, res: err };
    throw err;
  }
}

async function discardIfOver(limiter: RateLimiterRedis, key: string, now: Date): Promise<void> {
  const held = await limiter.get(key);
  if (held && endOf(held) <= now) await limiter.delete(key);
}
