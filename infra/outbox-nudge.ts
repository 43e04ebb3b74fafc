import { AsyncLocalStorage } from 'node:async_hooks';

import { createRedisClient, type RedisClient, type RedisTarget } from './redis.js';
import type { DomainEvent, NewEvent, OutboxStore, StoredEvent, UnitOfWork } from '../domain/shared/events.js';

/** Published after a transaction with events commits; the relay wakes on it. */
export const outboxNudgeChannel = (keyPrefix: string) => `${keyPrefix}outbox:committed`;

/**
 * Wakes the relay as soon as a transaction that wrote events commits, instead
 * of at its next poll: one PUBLISH on `channel`, fire and forget. A lost nudge
 * costs only latency; the relay still polls.
 */
export class OutboxNudges {
  private readonly current = new AsyncLocalStorage<{ added: boolean }>();
  readonly unitOfWork: UnitOfWork;
  readonly outbox: OutboxStore;

  constructor(private readonly deps: { unitOfWork: UnitOfWork; outbox: OutboxStore; redis: RedisClient; channel: string }) {
    const { unitOfWork, outbox } = deps;
    this.unitOfWork = {
      transaction: async <T>(fn: () => Promise<T>): Promise<T> => {
        if (this.current.getStore()) return unitOfWork.transaction(fn);
        const state = { added: false };
        const result = await this.current.run(state, () => unitOfWork.transaction(fn));
        if (state.added) this.nudge();
        return result;
      },
    };
    this.outbox = {
      add: async (events: readonly NewEvent[]): Promise<DomainEvent[]> => {
        const sealed = await outbox.add(events);
        const state = this.current.getStore();
        if (state) state.added = sealed.length > 0 || state.added;
        else if (sealed.length > 0) this.nudge(); // written outside a transaction: already committed
        return sealed;
      },
      unpublished: (limit: number): Promise<StoredEvent[]> => outbox.unpublished(limit),
      markPublished: (ids: readonly string[], at: Date) => outbox.markPublished(ids, at),
      purgePublished: (before: Date) => outbox.purgePublished(before),
    };
  }

  private nudge(): void {
    this.deps.redis.publish(this.deps.channel, '1').catch(() => undefined);
  }

  /**
   * For the relay: a dedicated subscriber connection that calls `wake` on every
   * nudge. Subscribes in the background (and again after a reconnect); the
   * returned function closes it.
   */
  static listener(target: RedisTarget, channel: string): (wake: () => void) => () => void {
    return (wake) => {
      const subscriber = createRedisClient(target, 'subscriber', 'outbox-nudges');
      subscriber.on('message', (from: string) => {
        if (from === channel) wake();
      });
      void subscriber.connect().catch(() => undefined);
      subscriber.subscribe(channel).catch(() => undefined);
      return () => subscriber.disconnect();
    };
  }
}
