import type { RedisClient } from './redis.js';
import type { Logger } from 'pino';
import { z } from 'zod';
import { DELIVERY_STATUSES, type DeliveryEvent } from '../domain/delivery/model.js';
import { channelMessageParser, RedisEventBus } from './redis-channels.js';

/**
 * Redis pub/sub channel carrying every DeliveryEvent as JSON, one message per
 * event, in the model's shape. The outbox relay publishes committed events
 * here (best effort); socket hubs subscribe (`DeliveryEventBus.subscribe`) and
 * fan them out to order rooms and the ops feed.
 */
export const deliveryEventsChannel = (keyPrefix: string): string => `${keyPrefix}delivery:events`;

const id = z.string().min(1).max(128);
const at = z.iso.datetime();
const status = z.enum(DELIVERY_STATUSES);
const deliveryEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('delivery.created'), deliveryId: id, orderId: id, storeId: id, at }),
  z.object({ type: z.literal('delivery.courier_assigned'), deliveryId: id, orderId: id, courierId: id, at }),
  z.object({ type: z.literal('delivery.status_changed'), deliveryId: id, orderId: id, from: status, to: status, courierId: id.nullable(), reason: z.string().nullable(), at }),
]);

/** Parses one channel message; null for anything that is not a DeliveryEvent. */
export const parseDeliveryEvent = channelMessageParser<DeliveryEvent>(deliveryEventSchema);

/**
 * The hubs' side of delivery events on the channel `<REDIS_KEY_PREFIX>delivery:events`.
 * Only the outbox relay publishes: use cases write events to the outbox.
 */
export class DeliveryEventBus extends RedisEventBus<DeliveryEvent> {
  constructor(deps: { redis: RedisClient; logger: Logger; keyPrefix: string }) {
    super(deps, deliveryEventsChannel(deps.keyPrefix), parseDeliveryEvent, 'delivery');
  }

  publish(events: DeliveryEvent[]): Promise<void> {
    return this.publishAll(events);
  }
}
