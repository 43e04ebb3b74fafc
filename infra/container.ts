import path from 'node:path';
import http from 'node:http';
import { asClass, asFunction, asValue, createContainer, InjectionMode, type AwilixContainer } from 'awilix';
import type { Server as IoServer } from 'socket.io';
import type { Logger } from 'pino';
import { systemClock, uuidIds, type Clock, type IdGenerator } from '../domain/shared/ids.js';
import { RecordAuditEntry } from '../domain/platform/use-cases/record-audit-entry.js';
import { AuditLogQueries } from '../domain/platform/use-cases/queries.js';
import { createApp } from '../api/app.js';
import type { RouteSpec } from '../api/route-kit.js';
import { platformRoutes } from '../api/routes/platform.js';
import { authRoutes, type AuthRouteDeps } from '../api/routes/auth.js';
import { accountRoutes } from '../api/routes/accounts.js';
import { adminAccountRoutes } from '../api/routes/admin-accounts.js';
import { courierRoutes } from '../api/routes/couriers.js';
import { createHmac } from 'node:crypto';
import type { AccountRepository, DocumentRepository, OtpRepository, SessionRepository, SmsSender, PasswordHasher, Throttle, AccessRevocations, AccessTokenVerifier, DocumentStorage } from '../domain/identity/ports.js';
import { OtpCodes } from '../domain/identity/otp-codes.js';
import { SessionTokens, withRevocationCheck } from '../domain/identity/session-tokens.js';
import { RegisterAccount } from '../domain/identity/use-cases/register-account.js';
import { VerifyPhone } from '../domain/identity/use-cases/verify-phone.js';
import { ResendOtp } from '../domain/identity/use-cases/resend-otp.js';
import { LogIn } from '../domain/identity/use-cases/log-in.js';
import { RefreshSession } from '../domain/identity/use-cases/refresh-session.js';
import { LogOut } from '../domain/identity/use-cases/log-out.js';
import { ForgotPassword } from '../domain/identity/use-cases/forgot-password.js';
import { ResetPassword } from '../domain/identity/use-cases/reset-password.js';
import { UpdateProfile } from '../domain/identity/use-cases/update-profile.js';
import { SubmitDocument } from '../domain/identity/use-cases/submit-document.js';
import { DecideVerification } from '../domain/identity/use-cases/decide-verification.js';
import { SuspendAccount, UnsuspendAccount } from '../domain/identity/use-cases/suspend-account.js';
import { CreateAdmin } from '../domain/identity/use-cases/create-admin.js';
import { CheckCourierEligibility } from '../domain/identity/use-cases/check-courier-eligibility.js';
import { IdentityQueries } from '../domain/identity/use-cases/queries.js';
import { Argon2PasswordHasher } from './passwords.js';
import { RedisAccessRevocations, RateLimiterThrottle } from './redis-identity.js';
import { IdentityEventBus } from './identity-events.js';
import { DEV_SMS_FILE, DevSmsSender } from './providers/sms-dev.js';
import { HttpSmsSender } from './providers/sms-http.js';
import { LocalDiskDocumentStorage, DOCUMENT_TYPES } from './storage/local-disk.js';
import type { Config } from './config.js';
import { createRepositories, type Repositories, type Store } from './db/index.js';
import { AccessTokens } from './jwt.js';
import { Metrics } from './metrics.js';
import { Queues } from './queues.js';
import type { RedisClient, RedisTarget } from './redis.js';
import { readinessOf } from './probes.js';
import { attachHubSockets } from './wiring/hub-sockets.js';
import { drainableServer } from './drain.js';
import { Tracing } from './tracing.js';
import { originPolicy } from './origins.js';
import { commerceRoutes, registerCommerce, type CommerceCradle } from './wiring/commerce.js';
import { registerRealtime, type RealtimeCradle } from './wiring/realtime.js';
import { registerEvents, startEventWorkers, type EventsCradle } from './wiring/events.js';
import { catalogProductRoutes, registerCatalogProducts, startCatalogWorkers, type CatalogProductsCradle } from './wiring/catalog-products.js';
import { registerAddresses, addressRoutesOf, type AddressesCradle } from './wiring/addresses.js';
import { registerStoreZones, startStoreZones, storeZoneRoutesOf, storesNearRoutesOf, type StoreZonesCradle } from './wiring/store-zones.js';
import { registerSettings, settingsRoutesOf, startSettings, type SettingsCradle } from './wiring/settings.js';
import { registerPayments, paymentRoutesOf, startPaymentWorkers, type PaymentsCradle } from './wiring/payments.js';
import { financeRoutesOf, registerFinance, startFinanceWorkers, type FinanceCradle } from './wiring/finance.js';
import { cartRoutesOf, registerCarts, startCartWorkers, type CartsCradle } from './wiring/carts.js';
import { registerOrders, orderRoutesOf, startOrderWorkers, type OrdersCradle } from './wiring/orders.js';
import { registerCheckout, checkoutRoutesOf, type CheckoutCradle } from './wiring/checkout.js';
import { registerWebhooks, startWebhookWorkers, webhookRoutesOf, type WebhooksCradle } from './wiring/webhooks.js';
import { registerNotifications, notificationRoutesOf, startNotificationWorkers, type NotificationsCradle } from './wiring/notifications.js';
import { payoutRoutesOf, registerPayouts, startPayoutWorkers, type PayoutsCradle } from './wiring/payouts.js';
import { commissionRoutesOf, registerCommission, type CommissionCradle } from './wiring/commission.js';
import { registerDispatch, startDispatchWorkers, type DispatchCradle } from './wiring/dispatch.js';
import { dispatchControlRoutesOf, registerDispatchControl, startDispatchBatch, startDispatchMetrics, type DispatchControlCradle } from './wiring/dispatch-control.js';

export type ProcessRole = 'api' | 'hub' | 'worker' | 'all';
/** The roles composed here; `hub` has its own, smaller composition (container-hub.ts). */
export type ContainerRole = Exclude<ProcessRole, 'hub'>;

/** Everything the container holds. Use cases take a slice of this as their `deps`; routes too (AuthRouteDeps: the auth use cases). */
export interface Cradle extends CommerceCradle, RealtimeCradle, AuthRouteDeps, EventsCradle, CatalogProductsCradle, AddressesCradle, SettingsCradle, StoreZonesCradle, CartsCradle, OrdersCradle, CheckoutCradle, PaymentsCradle, WebhooksCradle, NotificationsCradle, FinanceCradle, PayoutsCradle, DispatchCradle, DispatchControlCradle, CommissionCradle {
  config: Config;
  role: ProcessRole;
  logger: Logger;
  metrics: Metrics;
  tracing: Tracing;
  /** A standalone Redis (REDIS_URL or the embedded one) or a Redis Cluster (REDIS_CLUSTER_NODES). */
  redisTarget: RedisTarget;
  redis: RedisClient;
  /** REDIS_KEY_PREFIX: every Redis key and channel of this deployment starts with it. */
  keyPrefix: string;
  store: Store;
  repositories: Repositories;
  auditLog: Repositories['auditLog'];
  /** Idempotency-Key claims and stored answers (the API's guard, the housekeeping purge). */
  idempotencyKeys: Repositories['idempotencyKeys'];
  clock: Clock;
  ids: IdGenerator;
  accessTokens: AccessTokens;
  queues: Queues;
  recordAuditEntry: RecordAuditEntry;
  auditLogQueries: AuditLogQueries;
  // identity
  accounts: AccountRepository;
  sessions: SessionRepository;
  otps: OtpRepository;
  documents: DocumentRepository;
  passwords: PasswordHasher;
  sms: SmsSender;
  throttle: Throttle;
  revocations: AccessRevocations;
  /** Access tokens as the API and the hub check them: signature, expiry, then revocation. */
  tokenVerifier: AccessTokenVerifier;
  identityEvents: IdentityEventBus;
  documentStorage: DocumentStorage;
  documentUpload: { contentTypes: string[]; maxBytes: number };
  otpSecret: string;
  sessionSettings: { refreshTokenTtlS: number };
  otpCodes: OtpCodes;
  sessionTokens: SessionTokens;
  updateProfile: UpdateProfile;
  submitDocument: SubmitDocument;
  decideVerification: DecideVerification;
  suspendAccount: SuspendAccount;
  unsuspendAccount: UnsuspendAccount;
  createAdmin: CreateAdmin;
  /** For the hub: whether a courier may go online (`execute` / `assertEligible`). */
  courierEligibility: CheckCourierEligibility;
}

export interface Infrastructure {
  config: Config;
  logger: Logger;
  redisTarget: RedisTarget;
  /** A connected command client; the container owns it from here on. */
  redis: RedisClient;
  store: Store;
}

/**
 * The one place where things are wired. Lifetimes are explicit: infrastructure
 * values are owned by main.ts; everything else is a singleton of this container,
 * disposed in reverse order by `container.dispose()`.
 */
export function buildContainer(infra: Infrastructure, role: ProcessRole): AwilixContainer<Cradle> {
  const container = createContainer<Cradle>({ injectionMode: InjectionMode.PROXY, strict: true });
  container.register({
    config: asValue(infra.config),
    role: asValue(role),
    logger: asValue(infra.logger.child({ role })),
    redisTarget: asValue(infra.redisTarget),
    redis: asValue(infra.redis),
    keyPrefix: asValue(infra.config.REDIS_KEY_PREFIX),
    store: asValue(infra.store),
    clock: asValue(systemClock),
    ids: asValue(uuidIds),
    metrics: asFunction(() => new Metrics(role)).singleton(),
    tracing: asFunction(({ config }: Cradle) => new Tracing(`${config.OTEL_SERVICE_NAME}-${role}`, config.OTEL_EXPORTER_OTLP_ENDPOINT))
      .singleton()
      .disposer((t) => t.shutdown()),
    repositories: asFunction(({ store }: Cradle) => createRepositories(store)).singleton(),
    auditLog: asFunction(({ repositories }: Cradle) => repositories.auditLog).singleton(),
    idempotencyKeys: asFunction(({ repositories }: Cradle) => repositories.idempotencyKeys).singleton(),
    accessTokens: asFunction(({ config }: Cradle) => new AccessTokens(config)).singleton(),
    queues: asFunction(({ redisTarget, logger, metrics, keyPrefix }: Cradle) => new Queues({ redis: redisTarget, logger, metrics, keyPrefix }))
      .singleton()
      .disposer((q) => q.close()),
    recordAuditEntry: asClass(RecordAuditEntry).singleton(),
    auditLogQueries: asClass(AuditLogQueries).singleton(),
  });
  registerIdentity(container);
  registerCommerce(container);
  registerRealtime(container);
  registerEvents(container);
  registerCatalogProducts(container);
  registerAddresses(container);
  registerSettings(container);
  registerStoreZones(container);
  registerPayments(container);
  registerFinance(container);
  registerPayouts(container);
  registerCommission(container);
  registerCarts(container);
  registerOrders(container);
  registerCheckout(container);
  registerWebhooks(container);
  registerNotifications(container);
  registerDispatch(container);
  registerDispatchControl(container);
  return container;
}

/** Identity: repositories, adapters and use cases. */
function registerIdentity(container: AwilixContainer<Cradle>): void {
  container.register({
    accounts: asFunction(({ repositories }: Cradle) => repositories.accounts).singleton(),
    sessions: asFunction(({ repositories }: Cradle) => repositories.sessions).singleton(),
    otps: asFunction(({ repositories }: Cradle) => repositories.otps).singleton(),
    documents: asFunction(({ repositories }: Cradle) => repositories.documents).singleton(),
    passwords: asFunction(() => new Argon2PasswordHasher()).singleton(),
    sms: asFunction(({ config, logger }: Cradle) =>
      config.SMS_PROVIDER === 'http'
        ? new HttpSmsSender({ url: config.SMS_PROVIDER_URL!, token: config.SMS_PROVIDER_TOKEN!, from: config.SMS_FROM! }, logger)
        // Development keeps a file outbox beside the data, for `npm run demo` (tests read the in-memory one).
        : new DevSmsSender(logger, 1_000, config.NODE_ENV === 'development' ? path.join(config.dataDir, DEV_SMS_FILE) : undefined),
    ).singleton(),
    throttle: asFunction(({ redis, keyPrefix }: Cradle) => new RateLimiterThrottle(redis, keyPrefix)).singleton(),
    revocations: asFunction(({ redis, keyPrefix, config }: Cradle) => new RedisAccessRevocations(redis, keyPrefix, config.ACCESS_TOKEN_TTL_S)).singleton(),
    tokenVerifier: asFunction(({ accessTokens, revocations }: Cradle) => withRevocationCheck(accessTokens, revocations)).singleton(),
    identityEvents: asFunction(({ redis, logger, keyPrefix }: Cradle) => new IdentityEventBus({ redis, logger, keyPrefix })).singleton(),
    documentStorage: asFunction(({ config }: Cradle) => new LocalDiskDocumentStorage(config.documentsDir, config.DOCUMENT_MAX_BYTES)).singleton(),
    documentUpload: asFunction(({ config }: Cradle) => ({ contentTypes: Object.keys(DOCUMENT_TYPES), maxBytes: config.DOCUMENT_MAX_BYTES })).singleton(),
    // OTP codes are keyed with a secret derived from the JWT secret (one secret to rotate).
    otpSecret: asFunction(({ config }: Cradle) => createHmac('sha256', config.JWT_SECRET).update('daraa:otp').digest('hex')).singleton(),
    sessionSettings: asFunction(({ config }: Cradle) => ({ refreshTokenTtlS: config.REFRESH_TOKEN_TTL_S })).singleton(),
    otpCodes: asClass(OtpCodes).singleton(),
    sessionTokens: asClass(SessionTokens).singleton(),
    registerAccount: asClass(RegisterAccount).singleton(),
    verifyPhone: asClass(VerifyPhone).singleton(),
    resendOtp: asClass(ResendOtp).singleton(),
    logIn: asClass(LogIn).singleton(),
    refreshSession: asClass(RefreshSession).singleton(),
    logOut: asClass(LogOut).singleton(),
    forgotPassword: asClass(ForgotPassword).singleton(),
    resetPassword: asClass(ResetPassword).singleton(),
    updateProfile: asClass(UpdateProfile).singleton(),
    submitDocument: asClass(SubmitDocument).singleton(),
    decideVerification: asClass(DecideVerification).singleton(),
    suspendAccount: asClass(SuspendAccount).singleton(),
    unsuspendAccount: asClass(UnsuspendAccount).singleton(),
    createAdmin: asClass(CreateAdmin).singleton(),
    courierEligibility: asClass(CheckCourierEligibility).singleton(),
    identityQueries: asClass(IdentityQueries).singleton(),
  });
}

/** Every REST route of the product, from each bounded context. */
export function apiRoutes(c: Cradle): RouteSpec[] {
  return [...authRoutes(c), ...accountRoutes(c), ...adminAccountRoutes(c), ...storesNearRoutesOf(c), ...commerceRoutes(c), ...storeZoneRoutesOf(c), ...catalogProductRoutes(c), ...courierRoutes(c), ...platformRoutes(c), ...addressRoutesOf(c), ...settingsRoutesOf(c), ...cartRoutesOf(c), ...paymentRoutesOf(c), ...checkoutRoutesOf(c), ...orderRoutesOf(c), ...webhookRoutesOf(c), ...notificationRoutesOf(c), ...financeRoutesOf(c), ...payoutRoutesOf(c), ...dispatchControlRoutesOf(c), ...commissionRoutesOf(c)];
}

export interface Composed {
  container: AwilixContainer<Cradle>;
  server: http.Server;
  io?: IoServer;
  routes: RouteSpec[];
  openapi: object;
  /** Resolves when the role's background parts are ready (the hub's event subscriptions). */
  ready: Promise<void>;
  /** Stop in order: stop accepting, drain, close sockets, queues, container. */
  stop(timeoutMs: number): Promise<void>;
}

/**
 * One composition per role. Each role serves /health, /ready and /metrics on its
 * port; `api` adds the REST routes, `worker` the queue workers, and `all` both
 * plus the Socket.IO hub. A hub-only process is composed by container-hub.ts,
 * which loads none of the REST or commerce modules.
 */
function compose(infra: Infrastructure, role: ContainerRole): Composed {
  const container = buildContainer(infra, role);
  const c = container.cradle;
  const withApi = role === 'api' || role === 'all';
  const withHub = role === 'all';
  const withWorkers = role === 'worker' || role === 'all';

  const routes = withApi ? apiRoutes(c) : [];
  if (withApi) startDispatchMetrics(c);
  const { app, openapi } = createApp({
    config: c.config,
    logger: c.logger,
    metrics: c.metrics,
    tracing: c.tracing,
    redis: c.redis,
    keyPrefix: c.keyPrefix,
    accessTokens: c.tokenVerifier,
    readiness: readinessOf(c.redis, c.store),
    originAllowed: originPolicy(c.config),
    routes,
    idempotencyKeys: c.idempotencyKeys,
    clock: c.clock,
  });
  const server = http.createServer(app.callback());
  const drain = drainableServer(server);
  // Every role reads settings (fees, limits, weights): each loads them before it serves and follows changes.
  const settingsReady = startSettings(c);
  settingsReady.catch(() => undefined);
  // The API answers "who delivers to me" from memory: it loads every zone before it serves and follows changes.
  const zonesReady = withApi ? startStoreZones(c) : Promise.resolve();
  zonesReady.catch(() => undefined);
  const sockets = withHub ? attachHubSockets(server, c) : undefined;
  if (withWorkers) {
    startEventWorkers(c);
    startCatalogWorkers(c);
    startCartWorkers(c);
    startPaymentWorkers(c);
    startOrderWorkers(c);
    startWebhookWorkers(c);
    startNotificationWorkers(c);
    startFinanceWorkers(c);
    startDispatchWorkers(c);
    startDispatchBatch(c);
    startPayoutWorkers(c);
  }

  return {
    container,
    server,
    ...(sockets ? { io: sockets.io } : {}),
    routes,
    openapi,
    ready: Promise.all([settingsReady, zonesReady, sockets?.ready]).then(() => undefined),
    async stop(timeoutMs: number) {
      const { deadline } = await drain(timeoutMs);
      await sockets?.close();
      await Promise.race([container.dispose(), deadline]); // queues: workers finish active jobs
    },
  };
}

export const composeApi = (infra: Infrastructure) => compose(infra, 'api');
export const composeWorker = (infra: Infrastructure) => compose(infra, 'worker');
export const composeAllInOne = (infra: Infrastructure) => compose(infra, 'all');
export const composeFor = (role: ContainerRole) => ({ api: composeApi, worker: composeWorker, all: composeAllInOne })[role];
