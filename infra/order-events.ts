import type { Logger } from 'pino';
import { z } from 'zod';
import { ORDER_STATUSES } from '../domain/ordering/order.js';
import type { OrderStatusChanged } from '../domain/ordering/order-events.js';
import type { RedisClient } from './redis.js';
import { channelMessageParser, RedisEventBus } from './redis-channels.js';

/** Redis pub/sub channel carrying every order status change as JSON; the relay publishes, hubs subscribe. */
export const orderEventsChannel = (keyPrefix: string): string => `${keyPrefix}order:events`;

const id = z.string().min(1).max(128);
const status = z.enum(ORDER_STATUSES);
const schema = z.object({ type: z.literal('order.status_changed'), orderId: id, orderNumber: z.string().max(32), storeId: id, customerId: id, from: status.nullable(), to: status, reason: z.string().nullable(), at: z.iso.datetime() });

export const parseOrderEvent = channelMessageParser<OrderStatusChanged>(schema);

/** The hubs' side of order status changes on `<REDIS_KEY_PREFIX>order:events`. Only the outbox relay publishes. */
export class OrderEventBus extends RedisEventBus<OrderStatusChanged> {
  constructor(deps: { redis: RedisClient; logger: Logger; keyPrefix: string }) {
    super(deps, orderEventsChannel(deps.keyPrefix), parseOrderEvent, 'order');
  }

  publish(events: OrderStatusChanged[]): Promise<void> {
    return this.publishAll(events);
  }
}
