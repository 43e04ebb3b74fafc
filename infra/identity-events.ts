import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Logger } from 'pino';
import type { IdentityEvent } from '../domain/identity/model.js';
import type { IdentityEventPublisher } from '../domain/identity/ports.js';

/**
 * Redis pub/sub channel carrying every IdentityEvent as JSON. Socket hubs (#5)
 * subscribe and disconnect the account's sockets (or the listed sessions').
 */
export const IDENTITY_EVENTS_CHANNEL = 'daraa:identity:events';

const eventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('identity.sessions_revoked'), accountId: z.string().min(1), sessionIds: z.array(z.string()), reason: z.enum(['logout', 'password_reset', 'refresh_reuse', 'suspended']), at: z.string() }),
  z.object({ type: z.literal('identity.account_suspended'), accountId: z.string().min(1), reason: z.string(), at: z.string() }),
  z.object({ type: z.literal('identity.account_unsuspended'), accountId: z.string().min(1), at: z.string() }),
]);

/** Parses one channel message; null for anything that is not an IdentityEvent. */
export function parseIdentityEvent(message: string): IdentityEvent | null {
  try {
    const r = eventSchema.safeParse(JSON.parse(message));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

type Handler<T extends IdentityEvent['type']> = (event: Extract<IdentityEvent, { type: T }>) => void;

/** In-process typed bus plus the Redis channel for other processes. */
export class IdentityEventBus implements IdentityEventPublisher {
  private readonly local = new EventEmitter();
  constructor(private readonly deps: { redis: Redis; logger: Logger; channel?: string }) {}

  on<T extends IdentityEvent['type']>(type: T, handler: Handler<T>): () => void {
    const h = handler as (e: IdentityEvent) => void;
    this.local.on(type, h);
    return () => this.local.off(type, h);
  }

  async publish(event: IdentityEvent): Promise<void> {
    for (const h of this.local.listeners(event.type)) {
      try {
        (h as (e: IdentityEvent) => void)(event);
      } catch (err) {
        this.deps.logger.error({ err, type: event.type }, 'identity event handler failed');
      }
    }
    try {
      await this.deps.redis.publish(this.deps.channel ?? IDENTITY_EVENTS_CHANNEL, JSON.stringify(event));
    } catch (err) {
      // Revocation is already stored; sockets of this account close when their token is next checked.
      this.deps.logger.warn({ err, type: event.type }, 'could not publish identity event to Redis');
    }
  }

  /**
   * Receives every identity event published by any process (this one too),
   * on a connection dedicated to pub/sub. Malformed messages are logged and dropped.
   */
  async subscribe(subscriber: Redis, handler: (event: IdentityEvent) => void): Promise<void> {
    const channel = this.deps.channel ?? IDENTITY_EVENTS_CHANNEL;
    subscriber.on('message', (from: string, message: string) => {
      if (from !== channel) return;
      const event = parseIdentityEvent(message);
      if (!event) return this.deps.logger.warn({ channel }, 'ignored a malformed identity event');
      try {
        handler(event);
      } catch (err) {
        this.deps.logger.error({ err, type: event.type }, 'identity event subscriber failed');
      }
    });
    await subscriber.subscribe(channel);
  }
}
