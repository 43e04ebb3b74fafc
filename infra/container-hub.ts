import http from 'node:http';
import { asClass, asFunction, asValue, createContainer, InjectionMode, type AwilixContainer } from 'awilix';
import type { Logger } from 'pino';
import { systemClock, uuidIds, type Clock, type IdGenerator } from '../domain/shared/ids.js';
import type { OutboxStore, UnitOfWork } from '../domain/shared/events.js';
import type { AccessRevocations, AccessTokenVerifier, AccountRepository } from '../domain/identity/ports.js';
import { withRevocationCheck } from '../domain/identity/session-tokens.js';
import { CheckCourierEligibility } from '../domain/identity/use-cases/check-courier-eligibility.js';
import type { DeliveryRepository } from '../domain/delivery/ports.js';
import type { StoreRepository } from '../domain/catalog/ports.js';
import { DeliveryAccess } from '../domain/delivery/use-cases/delivery-access.js';
import { RecordArrival } from '../domain/delivery/use-cases/record-arrival.js';
import { AnswerOffer } from '../domain/dispatch/use-cases/answer-offer.js';
import { ControlDelivery } from '../domain/dispatch/use-cases/control-delivery.js';
import type { OrderReadiness } from '../domain/delivery/ports.js';
import type { OrderRepository } from '../domain/ordering/ports.js';
import { OrderReadinessOfOrders } from '../domain/ordering/use-cases/order-readiness.js';
import { LiveSettings, settingsMetrics } from './live-settings.js';
import { liveCopyDeps } from './live-copy.js';
import type { CourierLocator, DispatchRepository, OfferRepository } from '../domain/dispatch/ports.js';
import { DispatchEventBus } from './dispatch-events.js';
import type { Config } from './config.js';
import type { Store } from './db/store.js';
import { hubRepositories, type HubRepositories } from './db/hub-store.js';
import { AccessTokens } from './jwt.js';
import { Metrics } from './metrics.js';
import { RedisAccessRevocations } from './redis-revocations.js';
import { IdentityEventBus } from './identity-events.js';
import { DeliveryEventBus } from './delivery-events.js';
import { OrderEventBus } from './order-events.js';
import { NotificationEventBus } from './notification-events.js';
import { OutboxNudges, outboxNudgeChannel } from './outbox-nudge.js';
import type { RedisClient, RedisTarget } from './redis.js';
import { notFound, probeHandler, readinessOf } from './probes.js';
import { registerRealtime, type RealtimeCradle } from './wiring/realtime.js';
import { attachHubSockets } from './wiring/hub-sockets.js';
import { drainableServer } from './drain.js';
import type { ProcessInfrastructure, ProcessParts } from './boot.js';
import type { Server as IoServer } from 'socket.io';

/**
 * Everything a hub-only process holds: the courier index and the sockets'
 * needs (tokens and revocations, courier eligibility, who may watch an order,
 * geofence arrivals with their outbox events, answers to offers, and
 * dispatchers' manual control on /ops with the settings and order readiness
 * it reads). No REST routes, no other commerce use cases, no queues: those run
 * in the api and worker roles.
 */
export interface HubCradle extends RealtimeCradle {
  config: Config;
  role: 'hub';
  logger: Logger;
  metrics: Metrics;
  redisTarget: RedisTarget;
  redis: RedisClient;
  keyPrefix: string;
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  hubRepositories: HubRepositories;
  deliveries: DeliveryRepository;
  stores: StoreRepository;
  accounts: AccountRepository;
  outboxNudges: OutboxNudges;
  outbox: OutboxStore;
  unitOfWork: UnitOfWork;
  accessTokens: AccessTokens;
  revocations: AccessRevocations;
  tokenVerifier: AccessTokenVerifier;
  identityEvents: IdentityEventBus;
  deliveryEvents: DeliveryEventBus;
  orderEvents: OrderEventBus;
  notificationEvents: NotificationEventBus;
  deliveryAccess: DeliveryAccess;
  recordArrival: RecordArrival;
  courierEligibility: CheckCourierEligibility;
  offers: OfferRepository;
  dispatches: DispatchRepository;
  answerOffer: AnswerOffer;
  /** Marketplace settings, followed live (manual control reads dispatch.* settings). */
  liveSettings: LiveSettings;
  orders: OrderRepository;
  orderReadiness: OrderReadiness;
  controlDelivery: ControlDelivery;
  courierLocator: CourierLocator;
  dispatchEvents: DispatchEventBus;
}

export function buildHubContainer(infra: ProcessInfrastructure<Store>): AwilixContainer<HubCradle> {
  const container = createContainer<HubCradle>({ injectionMode: InjectionMode.PROXY, strict: true });
  container.register({
    config: asValue(infra.config),
    role: asValue('hub' as const),
    logger: asValue(infra.logger.child({ role: 'hub' })),
    redisTarget: asValue(infra.redisTarget),
    redis: asValue(infra.redis),
    keyPrefix: asValue(infra.config.REDIS_KEY_PREFIX),
    store: asValue(infra.store),
    clock: asValue(systemClock),
    ids: asValue(uuidIds),
    metrics: asFunction(() => new Metrics('hub')).singleton(),
    hubRepositories: asFunction(({ store }: HubCradle) => hubRepositories(store)).singleton(),
    deliveries: asFunction(({ hubRepositories: r }: HubCradle) => r.deliveries).singleton(),
    stores: asFunction(({ hubRepositories: r }: HubCradle) => r.stores).singleton(),
    accounts: asFunction(({ hubRepositories: r }: HubCradle) => r.accounts).singleton(),
    offers: asFunction(({ hubRepositories: r }: HubCradle) => r.offers).singleton(),
    dispatches: asFunction(({ hubRepositories: r }: HubCradle) => r.dispatches).singleton(),
    // Arrivals commit with their events; the nudge wakes the relay (worker role) at once.
    outboxNudges: asFunction(({ hubRepositories: r, redis, keyPrefix }: HubCradle) => new OutboxNudges({ unitOfWork: r.unitOfWork, outbox: r.outbox, redis, channel: outboxNudgeChannel(keyPrefix) })).singleton(),
    outbox: asFunction(({ outboxNudges }: HubCradle) => outboxNudges.outbox).singleton(),
    unitOfWork: asFunction(({ outboxNudges }: HubCradle) => outboxNudges.unitOfWork).singleton(),
    accessTokens: asFunction(({ config }: HubCradle) => new AccessTokens(config)).singleton(),
    revocations: asFunction(({ redis, keyPrefix, config }: HubCradle) => new RedisAccessRevocations(redis, keyPrefix, config.ACCESS_TOKEN_TTL_S)).singleton(),
    tokenVerifier: asFunction(({ accessTokens, revocations }: HubCradle) => withRevocationCheck(accessTokens, revocations)).singleton(),
    identityEvents: asFunction(({ redis, logger, keyPrefix }: HubCradle) => new IdentityEventBus({ redis, logger, keyPrefix })).singleton(),
    deliveryEvents: asFunction(({ redis, logger, keyPrefix }: HubCradle) => new DeliveryEventBus({ redis, logger, keyPrefix })).singleton(),
    orderEvents: asFunction(({ redis, logger, keyPrefix }: HubCradle) => new OrderEventBus({ redis, logger, keyPrefix })).singleton(),
    notificationEvents: asFunction(({ redis, logger, keyPrefix }: HubCradle) => new NotificationEventBus({ redis, logger, keyPrefix })).singleton(),
    deliveryAccess: asClass(DeliveryAccess).singleton(),
    recordArrival: asClass(RecordArrival).singleton(),
    courierEligibility: asClass(CheckCourierEligibility).singleton(),
    answerOffer: asClass(AnswerOffer).singleton(),
    liveSettings: asFunction((c: HubCradle) => {
      const live = new LiveSettings({ settings: c.hubRepositories.settings, ...liveCopyDeps(c, 'settings', c.config.SETTINGS_REFRESH_MS) });
      settingsMetrics(live, c.metrics.registry);
      return live;
    })
      .singleton()
      .disposer((l) => l.stop()),
    orders: asFunction(({ hubRepositories: r }: HubCradle) => r.orders).singleton(),
    orderReadiness: asClass(OrderReadinessOfOrders).singleton(),
    // The same use case as the REST routes of manual control (infra/wiring/dispatch-control.ts), so /ops on a hub-only process keeps every rule.
    controlDelivery: asClass(ControlDelivery).singleton(),
    // The courier index, as dispatch reads it: an accept respects the courier's declared capacity.
    courierLocator: asFunction(({ courierIndex }: HubCradle) => courierIndex).singleton(),
    dispatchEvents: asFunction(({ redis, logger, keyPrefix }: HubCradle) => new DispatchEventBus({ redis, logger, keyPrefix })).singleton(),
  });
  registerRealtime(container);
  return container;
}

export interface HubComposed extends ProcessParts {
  container: AwilixContainer<HubCradle>;
  io: IoServer;
}

/**
 * The hub-only process: the Socket.IO hub on a bare HTTP server that answers
 * /health, /ready and /metrics itself (infra/probes.ts) and 404 to anything
 * else. Measured idle heap: under half of the all-in-one process
 * (`npm run bench:roles`, loadtest/results/roles.json).
 */
export function composeHubOnly(infra: ProcessInfrastructure<Store>): HubComposed {
  const container = buildHubContainer(infra);
  const c = container.cradle;
  const probes = probeHandler({ metrics: c.metrics, readiness: readinessOf(c.redis, c.store), metricsToken: c.config.METRICS_TOKEN });
  const server = http.createServer((req, res) => {
    if (!probes(req, res)) notFound(res);
  });
  const drain = drainableServer(server);
  const sockets = attachHubSockets(server, c);
  // Manual control reads settings: loaded before the hub is ready, then followed like every role does.
  const settingsReady = c.liveSettings.start();
  settingsReady.catch(() => undefined);
  return {
    container,
    server,
    io: sockets.io,
    ready: Promise.all([sockets.ready, settingsReady]).then(() => undefined),
    async stop(timeoutMs: number) {
      const { deadline } = await drain(timeoutMs);
      await sockets.close();
      await Promise.race([container.dispose(), deadline]);
    },
  };
}
