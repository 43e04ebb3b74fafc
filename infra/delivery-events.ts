import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import { DELIVERY_STATUSES, type DeliveryEvent } from '../domain/delivery/model.js';
import type { DeliveryEventPublisher } from '../domain/delivery/ports.js';

/**
 * Redis pub/sub channel carrying every DeliveryEvent as JSON, one message per
 * event. Socket hubs subscribe (`DeliveryEventBus.subscribe`) and fan events
 * out to order rooms and the ops feed.
 */
export const DELIVERY_EVENTS_CHANNEL = 'daraa:delivery:events';

const id = z.string().min(1).max(128);
const at = z.iso.datetime();
const status = z.enum(DELIVERY_STATUSES);
const deliveryEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('delivery.created'), deliveryId: id, orderId: id, storeId: id, at }),
  z.object({ type: z.literal('delivery.courier_assigned'), deliveryId: id, orderId: id, courierId: id, at }),
  z.object({ type: z.literal('delivery.status_changed'), deliveryId: id, orderId: id, from: status, to: status, courierId: id.nullable(), reason: z.string().nullable(), at }),
]);

/** Parses one channel message; null for anything that is not a DeliveryEvent. */
export function parseDeliveryEvent(message: string): DeliveryEvent | null {
  try {
    const r = deliveryEventSchema.safeParse(JSON.parse(message));
    return r.success ? (r.data as DeliveryEvent) : null;
  } catch {
    return null;
  }
}

type Handler<T extends DeliveryEvent['type']> = (event: Extract<DeliveryEvent, { type: T }>) => void;

/** How many subscribe() calls share each connection's SUBSCRIBE, per channel. */
const subscriptions = new WeakMap<Redis, Map<string, number>>();
const countOf = (subscriber: Redis): Map<string, number> => {
  let counts = subscriptions.get(subscriber);
  if (!counts) subscriptions.set(subscriber, (counts = new Map()));
  return counts;
};

/**
 * In-process typed bus plus the Redis channel for other processes. Local
 * handlers see the events this process publishes; `subscribe` sees those of
 * every process (this one included, through Redis).
 */
export class DeliveryEventBus implements DeliveryEventPublisher {
  private readonly local = new EventEmitter();
  constructor(private readonly deps: { redis: Redis; logger: Logger; channel?: string }) {}

  private get channel(): string {
    return this.deps.channel ?? DELIVERY_EVENTS_CHANNEL;
  }

  on<T extends DeliveryEvent['type']>(type: T, handler: Handler<T>): () => void {
    const h = handler as (e: DeliveryEvent) => void;
    this.local.on(type, h);
    return () => this.local.off(type, h);
  }

  /** Never rejects: the change is already saved, so a failure is logged and the caller carries on. */
  async publish(events: DeliveryEvent[]): Promise<void> {
    for (const event of events) {
      for (const h of this.local.listeners(event.type)) {
        try {
          (h as (e: DeliveryEvent) => void)(event);
        } catch (err) {
          this.deps.logger.error({ err, type: event.type }, 'delivery event handler failed');
        }
      }
    }
    // One connection, commands in order: subscribers receive the events in the order they happened.
    await Promise.all(
      events.map((event) =>
        this.deps.redis.publish(this.channel, JSON.stringify(event)).catch((err: unknown) => {
          this.deps.logger.warn({ err, type: event.type, deliveryId: event.deliveryId }, 'could not publish delivery event to Redis');
        }),
      ),
    );
  }

  /**
   * Receives every delivery event published by any process. `subscriber` is a
   * connection dedicated to pub/sub (it enters subscriber mode); several
   * subscriptions may share it. Messages that are not valid DeliveryEvents are
   * logged and dropped. Resolves once Redis confirmed the subscription; the
   * returned function unsubscribes.
   */
  async subscribe(subscriber: Redis, handler: (event: DeliveryEvent) => void): Promise<() => Promise<void>> {
    const channel = this.channel;
    const onMessage = (from: string, message: string) => {
      if (from !== channel) return;
      const event = parseDeliveryEvent(message);
      if (!event) {
        this.deps.logger.warn({ channel, bytes: message.length }, 'ignored a malformed delivery event');
        return;
      }
      try {
        handler(event);
      } catch (err) {
        this.deps.logger.error({ err, type: event.type }, 'delivery event subscriber failed');
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
}
