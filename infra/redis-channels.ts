import { EventEmitter } from 'node:events';
import type { RedisClient } from './redis.js';
import type { Logger } from 'pino';
import type { ZodType } from 'zod';

/** One channel message read with its schema: the event, or null for anything else (bad JSON, another shape). */
export const channelMessageParser = <T>(schema: ZodType<unknown>) => (message: string): T | null => {
  try {
    const r = schema.safeParse(JSON.parse(message));
    return r.success ? (r.data as T) : null;
  } catch {
    return null;
  }
};

/** How many subscriptions share each connection's SUBSCRIBE, per channel. */
const subscriptions = new WeakMap<RedisClient, Map<string, number>>();
const countOf = (subscriber: RedisClient): Map<string, number> => {
  let counts = subscriptions.get(subscriber);
  if (!counts) subscriptions.set(subscriber, (counts = new Map()));
  return counts;
};

/**
 * Receives every message of one pub/sub channel as a typed event. `subscriber`
 * is a connection dedicated to pub/sub; several subscriptions may share it.
 * Messages `parse` refuses (null) are logged and dropped; a throwing handler is
 * logged. Resolves once Redis confirmed the subscription; the returned
 * function unsubscribes (Redis is told when the last one on the channel goes).
 */
export async function subscribeChannel<T extends { type: string }>(
  subscriber: RedisClient,
  channel: string,
  parse: (message: string) => T | null,
  handler: (event: T) => void,
  logger: Logger,
): Promise<() => Promise<void>> {
  const onMessage = (from: string, message: string) => {
    if (from !== channel) return;
    const event = parse(message);
    if (!event) {
      logger.warn({ channel, bytes: message.length }, 'ignored a malformed event');
      return;
    }
    try {
      handler(event);
    } catch (err) {
      logger.error({ err, channel, type: event.type }, 'event subscriber failed');
    }
  };
  const counts = countOf(subscriber);
  subscriber.on('message', onMessage);
  counts.set(channel, (counts.get(channel) ?? 0) + 1);
  try {
    await subscriber.subscribe(channel);
  } catch (err) {
    subscriber.off('message', onMessage);
    counts.set(channel, (counts.get(channel) ?? 1) - 1);
    throw err;
  }
  let active = true;
  return async () => {
    if (!active) return;
    active = false;
    subscriber.off('message', onMessage);
    const left = (counts.get(channel) ?? 1) - 1;
    counts.set(channel, left);
    if (left === 0) await subscriber.unsubscribe(channel);
  };
}

type Handler<E, T> = (event: Extract<E, { type: T }>) => void;

/**
 * In-process typed handlers plus one Redis pub/sub channel for other
 * processes. Local handlers see the events this process publishes; `subscribe`
 * sees those of every process (this one included, through Redis). Publishing
 * never rejects: the change behind an event is already saved, so a failure is
 * logged and the caller carries on.
 */
export class RedisEventBus<E extends { type: string }> {
  private readonly local = new EventEmitter();

  constructor(
    protected readonly deps: { redis: RedisClient; logger: Logger; channel?: string },
    private readonly defaultChannel: string,
    private readonly parse: (message: string) => E | null,
    /** Names the events in log lines ("delivery", "identity"). */
    private readonly label: string,
  ) {}

  protected get channel(): string {
    return this.deps.channel ?? this.defaultChannel;
  }

  on<T extends E['type']>(type: T, handler: Handler<E, T>): () => void {
    const h = handler as (e: E) => void;
    this.local.on(type, h);
    return () => this.local.off(type, h);
  }

  /** Local handlers first, then one PUBLISH per event on one connection (subscribers get them in order). */
  protected async publishAll(events: readonly E[]): Promise<void> {
    for (const event of events) {
      for (const h of this.local.listeners(event.type)) {
        try {
          (h as (e: E) => void)(event);
        } catch (err) {
          this.deps.logger.error({ err, type: event.type }, `${this.label} event handler failed`);
        }
      }
    }
    await Promise.all(
      events.map((event) =>
        this.deps.redis.publish(this.channel, JSON.stringify(event)).catch((err: unknown) => {
          this.deps.logger.warn({ ...(event as Record<string, unknown>), err, channel: this.channel }, `could not publish ${this.label} event to Redis`);
        }),
      ),
    );
  }

  subscribe(subscriber: RedisClient, handler: (event: E) => void): Promise<() => Promise<void>> {
    return subscribeChannel(subscriber, this.channel, this.parse, handler, this.deps.logger);
  }
}
