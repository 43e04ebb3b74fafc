import type { Logger } from 'pino';
import { z } from 'zod';
import type { InboxPublisher } from '../domain/notification/ports.js';
import type { RedisClient } from './redis.js';
import { channelMessageParser, RedisEventBus } from './redis-channels.js';

/** Redis pub/sub channel carrying new inbox messages; notification workers publish, hubs push them to the account's sockets. */
export const notificationEventsChannel = (keyPrefix: string): string => `${keyPrefix}notification:events`;

const id = z.string().min(1).max(128);
export const inboxMessageSchema = z.object({
  id, eventType: z.string().max(128), category: z.string().max(32), title: z.string().max(200), body: z.string().max(10_000),
  data: z.record(z.string(), z.string()), createdAt: z.iso.datetime(), readAt: z.iso.datetime().nullable(),
});
const schema = z.object({ type: z.literal('notification.created'), accountId: id, unread: z.number().int().min(0), message: inboxMessageSchema });
export type NotificationCreated = z.infer<typeof schema>;

const parse = channelMessageParser<NotificationCreated>(schema);

/** Inbox messages on `<REDIS_KEY_PREFIX>notification:events`: best effort (the inbox is stored; apps re-read the count on connect). */
export class NotificationEventBus extends RedisEventBus<NotificationCreated> implements InboxPublisher {
  constructor(deps: { redis: RedisClient; logger: Logger; keyPrefix: string }) {
    super(deps, notificationEventsChannel(deps.keyPrefix), parse, 'notification');
  }

  publish(event: NotificationCreated): Promise<void> {
    return this.publishAll([event]);
  }
}
