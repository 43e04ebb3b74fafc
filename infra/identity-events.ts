import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { IdentityEvent } from '../domain/identity/model.js';
import type { IdentityEventPublisher } from '../domain/identity/ports.js';

/**
 * Redis pub/sub channel carrying every IdentityEvent as JSON. Socket hubs (#5)
 * subscribe and disconnect the account's sockets (or the listed sessions').
 */
export const IDENTITY_EVENTS_CHANNEL = 'daraa:identity:events';

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
}
