import type { RedisClient } from './redis.js';
import { z } from 'zod';
import { channelMessageParser, RedisEventBus } from './redis-channels.js';
import type { Logger } from 'pino';
import type { IdentityEvent } from '../domain/identity/model.js';
import type { IdentityEventPublisher } from '../domain/identity/ports.js';

/**
 * Redis pub/sub channel carrying every IdentityEvent as JSON. Socket hubs (#5)
 * subscribe and disconnect the account's sockets (or the listed sessions').
 */
export const identityEventsChannel = (keyPrefix: string): string => `${keyPrefix}identity:events`;

const eventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('identity.sessions_revoked'), accountId: z.string().min(1), sessionIds: z.array(z.string()), reason: z.enum(['logout', 'password_reset', 'refresh_reuse', 'suspended']), at: z.string() }),
  z.object({ type: z.literal('identity.account_suspended'), accountId: z.string().min(1), reason: z.string(), at: z.string() }),
  z.object({ type: z.literal('identity.account_unsuspended'), accountId: z.string().min(1), at: z.string() }),
]);

/** Parses one channel message; null for anything that is not an IdentityEvent. */
export const parseIdentityEvent = channelMessageParser<IdentityEvent>(eventSchema);

/** Identity events: in-process handlers plus the Redis channel `<REDIS_KEY_PREFIX>identity:events`. */
export class IdentityEventBus extends RedisEventBus<IdentityEvent> implements IdentityEventPublisher {
  constructor(deps: { redis: RedisClient; logger: Logger; keyPrefix: string }) {
    super(deps, identityEventsChannel(deps.keyPrefix), parseIdentityEvent, 'identity');
  }

  /** Never rejects: the revocation is already stored; sockets of the account close when their token is next checked. */
  publish(event: IdentityEvent): Promise<void> {
    return this.publishAll([event]);
  }
}
