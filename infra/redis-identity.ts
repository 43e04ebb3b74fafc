import type { Redis } from 'ioredis';
import { serviceUnavailable } from '../domain/shared/errors.js';
import type { AccessRevocations, Throttle } from '../domain/identity/ports.js';

/**
 * Revoked sessions and blocked accounts, checked on every authenticated request.
 * A revoked session is remembered as long as an access token of it can live;
 * a blocked (suspended) account stays blocked until unblocked.
 */
export class RedisAccessRevocations implements AccessRevocations {
  constructor(private readonly redis: Redis, private readonly prefix: string, private readonly accessTokenTtlS: number) {}

  private sid = (id: string) => `${this.prefix}revoked:session:${id}`;
  private acct = (id: string) => `${this.prefix}revoked:account:${id}`;

  async revokeSessions(sessionIds: string[]): Promise<void> {
    if (!sessionIds.length) return;
    const m = this.redis.multi();
    for (const id of sessionIds) m.set(this.sid(id), '1', 'EX', this.accessTokenTtlS + 60);
    await m.exec();
  }
  async blockAccount(accountId: string): Promise<void> {
    await this.redis.set(this.acct(accountId), '1');
  }
  async unblockAccount(accountId: string): Promise<void> {
    await this.redis.del(this.acct(accountId));
  }
  async isRevoked(accountId: string, sessionId: string): Promise<boolean> {
    let values: (string | null)[];
    try {
      values = await this.redis.mget(this.sid(sessionId), this.acct(accountId));
    } catch (err) {
      // Fail closed: without the revocation store we cannot tell a revoked token from a live one.
      throw serviceUnavailable('Session store unavailable', err);
    }
    return values.some((v) => v !== null);
  }
}

// KEYS[1] cooldown key; ARGV now-ms, until-ms, ttl-ms. Returns nil when taken now, else the current until-ms.
const TAKE_COOLDOWN = `
local v = redis.call('GET', KEYS[1])
if v and tonumber(v) > tonumber(ARGV[1]) then return v end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return false`;

/**
 * Failure windows, locks and cooldowns in Redis. Decisions compare stored
 * timestamps with the injected clock (so tests control time); Redis TTLs only
 * clean up.
 */
export class RedisThrottle implements Throttle {
  constructor(private readonly redis: Redis, private readonly prefix: string) {}

  private k = (key: string, part: string) => `${this.prefix}throttle:${part}:${key}`;

  async recordFailure(key: string, now: Date, o: { windowMs: number; max: number; lockMs: number }): Promise<{ failures: number; lockedUntil: Date | null }> {
    const t = now.getTime();
    const fk = this.k(key, 'fail');
    const r = await this.redis
      .multi()
      .zremrangebyscore(fk, '-inf', t - o.windowMs)
      .zadd(fk, t, `${t}:${Math.random().toString(36).slice(2)}`)
      .zcard(fk)
      .pexpire(fk, o.windowMs)
      .exec();
    const failures = Number(r?.[2]?.[1] ?? 0);
    if (failures < o.max) return { failures, lockedUntil: null };
    const until = t + o.lockMs;
    await this.redis.multi().set(this.k(key, 'lock'), String(until), 'PX', o.lockMs).del(fk).exec();
    return { failures, lockedUntil: new Date(until) };
  }

  async lockedUntil(key: string, now: Date): Promise<Date | null> {
    const v = await this.redis.get(this.k(key, 'lock'));
    return v !== null && Number(v) > now.getTime() ? new Date(Number(v)) : null;
  }

  async clear(key: string): Promise<void> {
    await this.redis.del(this.k(key, 'fail'), this.k(key, 'lock'));
  }

  async takeCooldown(key: string, now: Date, ms: number): Promise<{ ok: true } | { ok: false; retryAt: Date }> {
    const t = now.getTime();
    const v = (await this.redis.eval(TAKE_COOLDOWN, 1, this.k(key, 'cooldown'), t, t + ms, ms)) as string | null;
    return v === null ? { ok: true } : { ok: false, retryAt: new Date(Number(v)) };
  }
}
