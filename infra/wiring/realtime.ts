import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { asFunction, type AwilixContainer } from 'awilix';
import type { Logger } from 'pino';
import type { Server } from 'socket.io';
import type { OrderEventBus } from '../order-events.js';
import type { NotificationCreated, NotificationEventBus } from '../notification-events.js';
import type { OrderStatusChanged } from '../../domain/ordering/order-events.js';
import { CourierIndex, EtaService, SpeedLearner } from '../../geo/index.js';
import { KeySpace } from '../../geo/keys.js';
import { attachRealtime, type Realtime } from '../../server/realtime.js';
import { HubMetrics } from '../../server/metrics.js';
import { CourierPresence } from '../../server/presence.js';
import { DEFAULT_HUB_SETTINGS, type HubSettings } from '../../server/deps.js';
import type { CheckCourierEligibility } from '../../domain/identity/use-cases/check-courier-eligibility.js';
import type { DeliveryEvent } from '../../domain/delivery/model.js';
import type { IdentityEvent } from '../../domain/identity/model.js';
import type { AccessTokenVerifier } from '../../domain/identity/ports.js';
import type { Config } from '../config.js';
import type { Metrics } from '../metrics.js';
import type { IdentityEventBus } from '../identity-events.js';
import { createRedisClient, type RedisClient, type RedisTarget } from '../redis.js';
import type { CommerceCradle } from './commerce.js';
import type { AnswerOffer } from '../../domain/dispatch/use-cases/answer-offer.js';
import type { ControlDelivery } from '../../domain/dispatch/use-cases/control-delivery.js';
import type { OfferRepository } from '../../domain/dispatch/ports.js';
import type { OfferNotice } from '../../domain/dispatch/events.js';
import type { DispatchEventBus } from '../dispatch-events.js';

/** Geo keys of this deployment, under REDIS_KEY_PREFIX (one hash tag per H3 region, cluster-safe). */
const geoPrefix = (keyPrefix: string) => `${keyPrefix}geo:`;
export const REGION_RESOLUTION = 3;

/** The real-time hub: courier index, learned speeds, ETA, presence. */
export interface RealtimeCradle {
  courierIndex: CourierIndex;
  speedLearner: SpeedLearner;
  eta: EtaService;
  hubSettings: HubSettings;
  /** This process among the hubs (presence records which hub holds a courier's socket). */
  hubId: string;
  presence: CourierPresence;
  hubMetrics: HubMetrics;
}

interface Needs {
  config: Config;
  redis: RedisClient;
  keyPrefix: string;
  logger: Logger;
  metrics: Metrics;
}

export function registerRealtime(container: AwilixContainer<RealtimeCradle & Needs>): void {
  container.register({
    speedLearner: asFunction(({ redis, keyPrefix }: Needs) => new SpeedLearner({ redis, keys: new KeySpace(geoPrefix(keyPrefix), REGION_RESOLUTION) }))
      .singleton()
      .disposer((l) => l.flush().catch(() => undefined)),
    courierIndex: asFunction(
      ({ redis, keyPrefix, config, speedLearner }: Needs & { speedLearner: SpeedLearner }) =>
        new CourierIndex({ redis, prefix: geoPrefix(keyPrefix), regionResolution: REGION_RESOLUTION, maxAgeS: config.GEO_MAX_AGE_S, observer: speedLearner }),
    ).singleton(),
    eta: asFunction(
      ({ config, speedLearner }: Needs & { speedLearner: SpeedLearner }) =>
        new EtaService({
          learned: speedLearner,
          // Required only with a key: the Google client (axios and friends) stays out of processes without one.
          ...(config.GOOGLE_MAPS_API_KEY ? { road: new (require('../providers/google-distance-matrix.js') as typeof import('../providers/google-distance-matrix.js')).GoogleDistanceMatrixProvider({ apiKey: config.GOOGLE_MAPS_API_KEY }) } : {}),
        }),
    ).singleton(),
    hubSettings: asFunction(({ config }: Needs) => ({
      ...DEFAULT_HUB_SETTINGS,
      fixRatePerS: config.COURIER_FIX_RATE_PER_S,
      fixBurst: config.COURIER_FIX_BURST,
      maxPendingFixes: config.HUB_MAX_PENDING_FIXES,
      fixLingerMs: config.HUB_FIX_LINGER_MS,
      maxFixBatch: config.HUB_FIX_MAX_BATCH,
      ...(config.HUB_FIX_PROBE_FILE ? { fixProbeFile: config.HUB_FIX_PROBE_FILE } : {}),
    })).singleton(),
    hubId: asFunction(() => `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`).singleton(),
    presence: asFunction(({ redis, keyPrefix, hubId }: Needs & { hubId: string }) => new CourierPresence(redis, { prefix: keyPrefix, hubId })).singleton(),
    hubMetrics: asFunction(({ metrics }: Needs) => new HubMetrics(metrics.registry)).singleton(),
  });
}

/** The clients of the position channel between hubs, made by the composition next to the adapter's. */
export interface PositionClients {
  publisher: RedisClient;
  subscriber: RedisClient;
}

export interface HubParts extends RealtimeCradle, Pick<CommerceCradle, 'deliveries' | 'deliveryAccess' | 'recordArrival' | 'deliveryEvents'> {
  config: Config;
  redisTarget: RedisTarget;
  keyPrefix: string;
  logger: Logger;
  identityEvents: IdentityEventBus;
  orderEvents: OrderEventBus;
  notificationEvents: NotificationEventBus;
  tokenVerifier: AccessTokenVerifier;
  courierEligibility: CheckCourierEligibility;
  /** Couriers answer offers on the hub: the database decides which accept wins. */
  answerOffer: Pick<AnswerOffer, 'accept' | 'decline' | 'expire'>;
  offers: Pick<OfferRepository, 'listPendingByCourier'>;
  /** Dispatchers assign, reassign and unassign on /ops through the REST routes' use case. */
  controlDelivery: Pick<ControlDelivery, 'assign' | 'reassign' | 'unassign' | 'bulk'>;
  dispatchEvents: DispatchEventBus;
}

/**
 * Mounts the namespaces on a hub and subscribes it to identity and delivery
 * events on its own pub/sub connection. Resolves when the subscriptions are
 * confirmed, so no revocation published after start can be missed, and
 * once the position channel listens, so positions from other hubs arrive.
 */
export async function startRealtime(io: Server, c: HubParts, positionClients: PositionClients): Promise<{ realtime: Realtime; close(): Promise<void> }> {
  const subscriber = createRedisClient(c.redisTarget, 'subscriber', 'hub-events');
  const identityHandlers: ((e: IdentityEvent) => void)[] = [];
  const deliveryHandlers: ((e: DeliveryEvent) => void)[] = [];
  const orderHandlers: ((e: OrderStatusChanged) => void)[] = [];
  const notificationHandlers: ((e: NotificationCreated) => void)[] = [];
  const offerHandlers: ((e: OfferNotice) => void)[] = [];
  const realtime = attachRealtime(io, {
    logger: c.logger.child({ component: 'hub' }),
    tokens: c.tokenVerifier,
    courierIndex: c.courierIndex,
    eta: c.eta,
    presence: c.presence,
    metrics: c.hubMetrics,
    courierEligibility: c.courierEligibility,
    activeDeliveries: c.deliveries,
    deliveryAccess: c.deliveryAccess,
    recordArrival: c.recordArrival,
    offers: {
      accept: (courierId, offerId) => c.answerOffer.accept(courierId, offerId),
      decline: (courierId, offerId, reason) => c.answerOffer.decline(courierId, offerId, reason),
      expire: (offerId, reason) => c.answerOffer.expire(offerId, reason),
      listPendingByCourier: (courierId) => c.offers.listPendingByCourier(courierId),
    },
    control: c.controlDelivery,
    events: { onIdentity: (h) => identityHandlers.push(h), onDelivery: (h) => deliveryHandlers.push(h), onOrder: (h) => orderHandlers.push(h), onNotification: (h) => notificationHandlers.push(h), onOffer: (h) => offerHandlers.push(h) },
    settings: c.hubSettings,
    positionBus: { ...positionClients, hubId: c.hubId, prefix: c.keyPrefix },
  });
  const sweeper = setInterval(() => void c.courierIndex.sweepStale().catch(() => undefined), 60_000);
  sweeper.unref();
  try {
    await subscriber.connect();
    await c.identityEvents.subscribe(subscriber, (e) => identityHandlers.forEach((h) => h(e)));
    await c.deliveryEvents.subscribe(subscriber, (e) => deliveryHandlers.forEach((h) => h(e)));
    await c.orderEvents.subscribe(subscriber, (e) => orderHandlers.forEach((h) => h(e)));
    await c.notificationEvents.subscribe(subscriber, (e) => notificationHandlers.forEach((h) => h(e)));
    await c.dispatchEvents.subscribe(subscriber, (e) => offerHandlers.forEach((h) => h(e)));
    await realtime.ready;
  } catch (err) {
    clearInterval(sweeper);
    await realtime.close();
    subscriber.disconnect();
    throw err;
  }
  return {
    realtime,
    async close() {
      clearInterval(sweeper);
      await realtime.close();
      subscriber.disconnect();
    },
  };
}
