import type { RedisClient } from './redis.js';
import { serviceUnavailable } from '../domain/shared/errors.js';
import type { AccessRevocations } from '../domain/identity/ports.js';

/**
 * Revoked sessions and blocked accounts, checked on every authenticated request.
 * A revoked session is remembered as long as an access token of it can live;
 * a blocked (suspended) account stays blocked until unblocked.
 */
export class RedisAccessRevocations implements AccessRevocations {
  constructor(private readonly redis: RedisClient, private readonly prefix: string, private readonly accessTokenTtlS: number) {}

  private sid = (id: string) => `${this.prefix}revoked:session:${id}`;
  private acct = (id: string) => `${this.prefix}revoked:account:${id}`;

  async revokeSessions(sessionIds: string[]): Promise<void> {
    if (!sessionIds.length) return;
    // One SET per key, not a MULTI: on a Redis Cluster the sessions' keys live in different slots.
    await Promise.all(sessionIds.map((id) => this.redis.set(this.sid(id), '1', 'EX', this.accessTokenTtlS + 60)));
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
      // Two GETs sent together rather than one MGET: the keys hash to different Cluster slots.
      values = await Promise.all([this.redis.get(this.sid(sessionId)), this.redis.get(this.acct(accountId))]);
    } catch (err) {
      // Fail closed: without the revocation store we cannot tell a revoked token from a live one.
      throw serviceUnavailable('Session store unavailable', err);
    }
    return values.some((v) => v !== null);
  }
}
