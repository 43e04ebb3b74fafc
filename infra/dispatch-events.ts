import type { Logger } from 'pino';
import { offerNoticeSchema, type OfferNotice } from '../domain/dispatch/events.js';
import type { RedisClient } from './redis.js';
import { channelMessageParser, RedisEventBus } from './redis-channels.js';

/** Redis pub/sub channel carrying offers made and ended; the outbox relay publishes, hubs push them to the courier's sockets. */
export const dispatchEventsChannel = (keyPrefix: string): string => `${keyPrefix}dispatch:events`;

export const parseOfferNotice = channelMessageParser<OfferNotice>(offerNoticeSchema);

/**
 * The hubs' side of offers on `<REDIS_KEY_PREFIX>dispatch:events`. Best effort,
 * like every hub channel: the offer is stored and the courier is also
 * notified by push; only the outbox relay publishes.
 */
export class DispatchEventBus extends RedisEventBus<OfferNotice> {
  constructor(deps: { redis: RedisClient; logger: Logger; keyPrefix: string }) {
    super(deps, dispatchEventsChannel(deps.keyPrefix), parseOfferNotice, 'dispatch');
  }

  publish(events: OfferNotice[]): Promise<void> {
    return this.publishAll(events);
  }
}
