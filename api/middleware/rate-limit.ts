import type { Middleware } from 'koa';
import ratelimit from 'koa-ratelimit';
import type { Cluster, Redis } from 'ioredis';
import type { Principal } from '../../domain/shared/principal.js';
import { serviceUnavailable } from '../../domain/shared/errors.js';

export interface RateLimitSettings {
  RATE_LIMIT_ANON_PER_MIN: number;
  RATE_LIMIT_AUTH_PER_MIN: number;
  RATE_LIMIT_STRICT_PER_15MIN: number;
}

const headers = { remaining: 'RateLimit-Remaining', reset: 'RateLimit-Reset', total: 'RateLimit-Limit' };
const principalOf = (ctx: { state: Record<string, unknown> }) => ctx.state.principal as Principal | undefined;

/**
 * Global limits with koa-ratelimit on Redis: per IP for anonymous requests,
 * per account for authenticated ones. Every response carries RateLimit-* headers;
 * an exceeded limit throws 429, which the error middleware turns into
 * RATE_LIMIT_EXCEEDED with Retry-After.
 */
export function globalRateLimit(redis: Redis | Cluster, s: RateLimitSettings, prefix: string): Middleware {
  const anon = ratelimit({
    driver: 'redis', db: redis, duration: 60_000, max: s.RATE_LIMIT_ANON_PER_MIN, headers, throw: true,
    namespace: `${prefix}rl:ip`, id: (ctx) => (principalOf(ctx) ? false : ctx.ip),
  } as ratelimit.MiddlewareOptions);
  const authed = ratelimit({
    driver: 'redis', db: redis, duration: 60_000, max: s.RATE_LIMIT_AUTH_PER_MIN, headers, throw: true,
    namespace: `${prefix}rl:acct`, id: (ctx) => principalOf(ctx)?.accountId ?? false,
  } as ratelimit.MiddlewareOptions);
  return storeFailureIs503(async (ctx, next) => (principalOf(ctx) ? authed(ctx, next) : anon(ctx, next)));
}

/**
 * A limiter whose store (Redis) is down answers 503 SERVICE_UNAVAILABLE: it fails
 * closed, and never as an INTERNAL_ERROR. Errors from downstream pass untouched.
 */
function storeFailureIs503(limiter: Middleware): Middleware {
  return async (ctx, next) => {
    let downstream = false;
    try {
      await limiter(ctx, async () => {
        downstream = true;
        resetFromNow(ctx.response.headers as Record<string, unknown>, (k, v) => ctx.set(k, v));
        await next();
      });
    } catch (err) {
      const refused = err as { status?: unknown; headers?: Record<string, unknown> };
      if (!downstream && refused.status === 429) {
        resetFromNow(ctx.response.headers as Record<string, unknown>, (k, v) => ctx.set(k, v));
        if (refused.headers) resetFromNow(refused.headers, (k, v) => void (refused.headers![k] = v));
      }
      if (downstream || typeof refused.status === 'number') throw err;
      throw serviceUnavailable('Rate limiter unavailable', err);
    }
  };
}

/**
 * koa-ratelimit writes the window's end as an epoch time; the IETF RateLimit
 * header fields say `RateLimit-Reset` is the seconds left until it, as
 * Retry-After is.
 */
function resetFromNow(headers: Record<string, unknown>, set: (key: string, value: string) => void): void {
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() !== 'ratelimit-reset') continue;
    const epochS = Number(headers[key]);
    // Already relative (a second pass over the same headers) when it is not an epoch time.
    if (Number.isFinite(epochS) && epochS > 1_000_000_000) set(key, String(Math.max(0, Math.ceil(epochS - Date.now() / 1000))));
  }
}

/** A strict limit per IP for credential endpoints (login, OTP, password reset). */
export function strictRateLimit(redis: Redis | Cluster, s: RateLimitSettings, prefix: string): Middleware {
  return storeFailureIs503(ratelimit({
    driver: 'redis', db: redis, duration: 15 * 60_000, max: s.RATE_LIMIT_STRICT_PER_15MIN, headers, throw: true,
    namespace: `${prefix}rl:strict`, id: (ctx) => `${ctx.ip}:${ctx.path}`,
  } as ratelimit.MiddlewareOptions));
}
