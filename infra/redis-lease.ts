import { randomBytes } from 'node:crypto';
import type { RedisClient } from './redis.js';

// KEYS[1] lease key; ARGV[1] holder token, ARGV[2] ttl ms. 1 when this holder still has it (now renewed), else 0.
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
// KEYS[1] lease key; ARGV[1] holder token. Deletes only this holder's lease.
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * One holder at a time among every process (SET NX PX). The holder renews it
 * before each batch; a holder that stalls past the ttl loses it, and a fencing
 * token (a counter bumped on each acquisition) tells a late holder it was
 * replaced, so it stops before marking anything.
 */
export class RedisLease {
  private readonly token = `${process.pid}:${randomBytes(6).toString('hex')}`;
  private fence: number | null = null;

  constructor(private readonly redis: RedisClient, private readonly key: string, private readonly ttlMs: number) {}

  /** Takes the lease or renews it; true while this process holds it. */
  async hold(): Promise<boolean> {
    if (this.fence !== null && (await this.redis.eval(RENEW, 1, this.key, this.token, this.ttlMs)) === 1) return true;
    this.fence = null;
    const got = await this.redis.set(this.key, this.token, 'PX', this.ttlMs, 'NX');
    if (got !== 'OK') return false;
    this.fence = await this.redis.incr(`${this.key}:fence`);
    return true;
  }

  /** True when no one took the lease since this holder's `hold()`, i.e. its fence is still the latest. */
  async stillHeld(): Promise<boolean> {
    if (this.fence === null) return false;
    const [owner, fence] = await Promise.all([this.redis.get(this.key), this.redis.get(`${this.key}:fence`)]);
    return owner === this.token && Number(fence) === this.fence;
  }

  async release(): Promise<void> {
    this.fence = null;
    await this.redis.eval(RELEASE, 1, this.key, this.token).catch(() => undefined);
  }
}
