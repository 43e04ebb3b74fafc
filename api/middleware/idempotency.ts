import { createHash, randomUUID } from 'node:crypto';
import type { Context } from 'koa';
import type { Logger } from 'pino';
import { AppError } from '../../domain/shared/errors.js';
import type { Clock } from '../../domain/shared/ids.js';
import type { Principal } from '../../domain/shared/principal.js';
import type { IdempotencyRepository } from '../../domain/platform/ports.js';
import type { StoredResponse } from '../../domain/platform/idempotency.js';

/**
 * Idempotency-Key for routes that opt in (`idempotency` in their RouteSpec), the way
 * Stripe and the IETF httpapi draft do it:
 * - the key is claimed (scope = caller + route) before the handler runs;
 * - a success (2xx) is stored and replayed to every retry with `Idempotent-Replayed: true`;
 * - the same key with another request (method, path, query or canonical body) → 422 IDEMPOTENCY_KEY_REUSED;
 * - a duplicate while the first is still running → 409 IDEMPOTENCY_KEY_IN_USE with Retry-After
 *   (answering at once keeps no connection parked on a lock; the client's retry then gets the replay);
 * - an error answer (4xx or 5xx) is never stored: our use cases leave nothing behind when they
 *   fail, so the key is released and a retry runs the request again.
 * A process that dies mid-request leaves its claim in flight; after `lockMs` the same request may
 * take it over. The work behind an idempotent route must still be safe to run twice for that case
 * (checkout, for one, is unique per customer and key in its own table).
 */
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';

/** Visible ASCII, no spaces: UUIDs, ULIDs and the like; long enough for any of them. */
const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;
/** Handler headers a replay repeats; rate-limit, request-id and CORS headers belong to the retry itself. */
const REPLAYED_HEADERS = ['location'];

export type IdempotencyMode = 'required' | 'optional';

export interface IdempotencyGuardDeps {
  keys: IdempotencyRepository;
  clock: Clock;
  logger: Logger;
  /** How long a claim holds before a retry of the same request may take it over. Default 60 s, far above a checkout's p99. */
  lockMs?: number;
}

/** JSON with object keys sorted at every depth, so `{a,b}` and `{b,a}` are the same request. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The request's identity: method, path, sorted query and canonical body. */
export function requestFingerprint(ctx: Context): string {
  const query = new URLSearchParams(ctx.querystring);
  query.sort();
  const body = (ctx.request as { body?: unknown }).body ?? null;
  return createHash('sha256').update(`${ctx.method} ${ctx.path}?${query.toString()}\n${canonicalJson(body)}`).digest('base64url');
}

/** The key from the request, checked; undefined when the route makes it optional and none was sent. */
export function idempotencyKeyOf(ctx: Context, mode: IdempotencyMode): string | undefined {
  const key = ctx.get(IDEMPOTENCY_HEADER);
  if (!key) {
    if (mode === 'optional') return undefined;
    throw new AppError('IDEMPOTENCY_KEY_REQUIRED', `This request needs an ${IDEMPOTENCY_HEADER} header`, { details: [{ field: 'headers.idempotency-key', reason: 'missing', message: 'send a unique key (a UUID) per intended operation, and the same key on retries' }] });
  }
  if (!KEY_FORMAT.test(key)) {
    throw new AppError('VALIDATION_ERROR', `Invalid ${IDEMPOTENCY_HEADER}`, { details: [{ field: 'headers.idempotency-key', reason: 'invalid', message: '1 to 255 visible ASCII characters' }] });
  }
  return key;
}

export type IdempotencyGuard = (ctx: Context, route: { method: string; path: string }, key: string, respond: () => Promise<void>) => Promise<void>;

export function idempotencyGuard(deps: IdempotencyGuardDeps): IdempotencyGuard {
  const lockMs = deps.lockMs ?? 60_000;
  return async (ctx, route, key, respond) => {
    const principal = ctx.state.principal as Principal | undefined;
    if (!principal) throw new AppError('UNAUTHORIZED', 'Authentication required'); // idempotent routes are never public: keys are scoped per caller
    const scope = `${principal.accountId} ${route.method.toUpperCase()} ${route.path}`;
    const fingerprint = requestFingerprint(ctx);
    const now = deps.clock.now();
    const claimToken = randomUUID();
    const claim = await deps.keys.claim({ scope, key, fingerprint, claimToken, lockedUntil: new Date(now.getTime() + lockMs), createdAt: now }, now);
    if (!claim.claimed) return answerFromRecord(ctx, claim.record, fingerprint);

    try {
      await respond();
    } catch (err) {
      await deps.keys.release(scope, key, claimToken).catch((e: unknown) => deps.logger.warn({ err: e, scope }, 'could not release an idempotency key; it frees itself when its lock expires'));
      throw err;
    }
    if (ctx.status >= 200 && ctx.status < 300 && ctx.body !== null && typeof ctx.body === 'object' && !Buffer.isBuffer(ctx.body)) {
      const headers = Object.fromEntries(REPLAYED_HEADERS.flatMap((h) => (ctx.response.get(h) ? [[h, String(ctx.response.get(h))]] : [])));
      const stored: StoredResponse = { status: ctx.status, body: ctx.body ?? null, headers };
      // The work is done; a lost write here only means a retry after lockMs runs again (see above).
      await deps.keys.complete(scope, key, claimToken, stored).catch((e: unknown) => deps.logger.error({ err: e, scope }, 'could not store an idempotent answer'));
    } else {
      await deps.keys.release(scope, key, claimToken).catch(() => undefined);
    }
  };
}

function answerFromRecord(ctx: Context, record: { fingerprint: string; state: string; response: StoredResponse | null }, fingerprint: string): void {
  if (record.fingerprint !== fingerprint) {
    throw new AppError('IDEMPOTENCY_KEY_REUSED', `This ${IDEMPOTENCY_HEADER} was already used for a different request`, { details: [{ field: 'headers.idempotency-key', reason: 'key_reused', message: 'use a new key for a new request' }] });
  }
  if (record.state !== 'completed' || !record.response) {
    throw new AppError('IDEMPOTENCY_KEY_IN_USE', `A request with this ${IDEMPOTENCY_HEADER} is still in progress; retry shortly for its answer`, { headers: { 'Retry-After': '1' }, details: [{ field: 'headers.idempotency-key', reason: 'in_flight', message: 'the first request has not finished', retryAfterS: 1 }] });
  }
  const r = record.response;
  for (const [h, v] of Object.entries(r.headers)) ctx.set(h, v);
  ctx.set(REPLAYED_HEADER, 'true');
  ctx.status = r.status;
  ctx.body = r.body;
}
