import type { IncomingMessage } from 'node:http';
import Koa from 'koa';
import Router from '@koa/router';
import helmet from 'koa-helmet';
import cors from '@koa/cors';
import { bodyParser } from '@koa/bodyparser';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import { requestId } from './middleware/request-id.js';
import { decodedBody } from './middleware/body.js';
import { observe, type HttpMetrics, type RequestTracing } from './middleware/observe.js';
import { errorEnvelope } from './middleware/errors.js';
import type { AccessTokenVerifier } from '../domain/identity/ports.js';
import { authenticate, rejectInvalidToken } from './middleware/authenticate.js';
import { globalRateLimit, strictRateLimit, type RateLimitSettings } from './middleware/rate-limit.js';
import { mountRoutes, type RouteSpec } from './route-kit.js';
import { newRegistry, buildOpenApiDocument } from './openapi.js';
import { systemRouter, type SystemDeps } from './routes/system.js';
import { idempotencyGuard, REPLAYED_HEADER } from './middleware/idempotency.js';
import type { IdempotencyRepository } from '../domain/platform/ports.js';
import type { Clock } from '../domain/shared/ids.js';
import { webPages, WEB_BUILD_DIR } from './web.js';

export interface ApiSettings extends RateLimitSettings {
  CORS_ORIGINS: string[];
  BODY_LIMIT_KB: number;
  TRUST_PROXY: boolean;
  PUBLIC_URL?: string | undefined;
  METRICS_TOKEN?: string | undefined;
  /** MapLibre style of the web pages' maps; without one they draw an offline style. */
  MAP_STYLE_URL?: string | undefined;
}

export interface ApiDeps {
  config: ApiSettings;
  logger: Logger;
  metrics: HttpMetrics & SystemDeps['metrics'];
  tracing: RequestTracing;
  redis: Redis | Cluster;
  /** Key prefix for this deployment's rate-limit buckets. */
  keyPrefix: string;
  accessTokens: AccessTokenVerifier;
  readiness(): Promise<Record<string, 'up' | 'down'>>;
  /** Browser origins allowed by CORS (CORS_ORIGINS, plus the app's own URL in development). */
  originAllowed(origin: string, req: IncomingMessage): boolean;
  routes: RouteSpec[];
  /** Where routes that honour an Idempotency-Key claim keys and keep their answers. */
  idempotencyKeys: IdempotencyRepository;
  clock: Clock;
}

/** The Koa app. Middleware is listed in the order a request meets it. */
export function createApp(deps: ApiDeps): { app: Koa; routes: RouteSpec[]; openapi: object } {
  const app = new Koa({ proxy: deps.config.TRUST_PROXY });
  const registry = newRegistry();
  const api = new Router();
  mountRoutes(api, registry, deps.routes, {
    strict: strictRateLimit(deps.redis, deps.config, deps.keyPrefix),
    idempotency: idempotencyGuard({ keys: deps.idempotencyKeys, clock: deps.clock, logger: deps.logger }),
  });
  const openapi = buildOpenApiDocument(registry, deps.config.PUBLIC_URL);

  app.use(requestId());
  app.use(observe(deps));
  app.use(errorEnvelope(deps.logger));
  // upgrade-insecure-requests would break /docs over plain HTTP on a LAN address; TLS terminates in front in production.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  app.use(cors({ origin: (ctx) => (deps.originAllowed(ctx.get('origin'), ctx.req) ? ctx.get('origin') : ''), exposeHeaders: ['X-Request-Id', REPLAYED_HEADER, 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Retry-After'], maxAge: 600 }));
  app.use(decodedBody(bodyParser({ enableTypes: ['json'], jsonLimit: `${deps.config.BODY_LIMIT_KB}kb`, encoding: 'utf-8' })));
  app.use(authenticate(deps.accessTokens));
  // Probes, metrics and docs answer before the rate limiter so load balancers are never throttled.
  const system = systemRouter({ metrics: deps.metrics, readiness: deps.readiness, openapi: () => openapi, metricsToken: deps.config.METRICS_TOKEN });
  app.use(system.routes());
  // The browser pages (ops board, tracking, store console) are static files: never rate limited.
  app.use(webPages({ dir: WEB_BUILD_DIR, mapStyleUrl: deps.config.MAP_STYLE_URL }));
  app.use(globalRateLimit(deps.redis, deps.config, deps.keyPrefix));
  app.use(rejectInvalidToken());
  app.use(api.routes());
  app.on('error', (err: unknown) => deps.logger.debug({ err }, 'koa error event'));
  return { app, routes: deps.routes, openapi };
}
