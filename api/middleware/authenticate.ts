import type { Middleware } from 'koa';
import { AppError } from '../../domain/shared/errors.js';
import type { AccessTokenVerifier } from '../../domain/identity/ports.js';

/**
 * Establishes ctx.state.principal from `Authorization: Bearer …` when present.
 * It runs before rate limiting (limits are per account) and never decides
 * access: each route's `access` does (route-kit `authorize`).
 *
 * A bad token is not refused here: the request goes on as anonymous so the
 * per-IP limiter counts it, and `rejectInvalidToken` refuses it right after.
 * Otherwise token guessing would never meet a rate limit.
 */
export const authenticate = (tokens: AccessTokenVerifier): Middleware => async (ctx, next) => {
  const header = ctx.get('authorization');
  if (header) {
    const m = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header);
    try {
      if (!m?.[1]) throw new AppError('INVALID_TOKEN', 'Authorization header must be "Bearer <token>"');
      ctx.state.principal = await tokens.verify(m[1]);
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'INVALID_TOKEN') throw err; // e.g. 503 when revocations cannot be read
      ctx.state.authError = err;
    }
  }
  await next();
};

/** Refuses a request whose token was bad, once the rate limiter has counted it. */
export const rejectInvalidToken = (): Middleware => async (ctx, next) => {
  if (ctx.state.authError) throw ctx.state.authError as AppError;
  await next();
};
