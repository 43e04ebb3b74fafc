import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { AppError, detailList, isAppError, type ErrorCode } from '../../domain/shared/errors.js';
import { failure } from '../envelope.js';

/** Errors from Koa and its middleware (http-errors) carry a status; map them to our codes. */
function fromHttpStatus(status: number, err: { message?: string; type?: string }): AppError {
  const byStatus: Record<number, ErrorCode> = { 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 409: 'CONFLICT', 413: 'PAYLOAD_TOO_LARGE', 422: 'UNPROCESSABLE_ENTITY', 429: 'RATE_LIMIT_EXCEEDED', 503: 'SERVICE_UNAVAILABLE' };
  if (status === 413) return new AppError('PAYLOAD_TOO_LARGE', 'Request body is too large');
  if (status === 400 && err.type === 'entity.parse.failed') return new AppError('BAD_REQUEST', 'Malformed JSON body');
  if (status === 429) return new AppError('RATE_LIMIT_EXCEEDED', 'Too many requests');
  const code = byStatus[status];
  if (code) return new AppError(code, err.message || code);
  return new AppError('BAD_REQUEST', err.message || 'Bad request');
}

/**
 * A write conflict the database gave up retrying: MongoDB's TransientTransactionError
 * after the driver's 120 s of jittered retries, PostgreSQL's serialization failure or
 * deadlock. Nothing was written; the client may simply retry.
 */
function isTransientConflict(raw: unknown): boolean {
  const e = raw as { code?: unknown; hasErrorLabel?: (l: string) => boolean };
  if (typeof e?.hasErrorLabel === 'function' && e.hasErrorLabel('TransientTransactionError')) return true;
  return e?.code === '40001' || e?.code === '40P01';
}

/**
 * The only place an error becomes a response. Unexpected errors answer
 * INTERNAL_ERROR with no stack and no internals, and are logged in full.
 */
export const errorEnvelope = (logger: Logger): Middleware => async (ctx, next) => {
  try {
    await next();
    if (ctx.status === 404 && ctx.body === undefined) throw new AppError('NOT_FOUND', 'Route not found');
  } catch (raw) {
    const e = raw as { status?: number; statusCode?: number; expose?: boolean; headers?: Record<string, string>; message?: string; type?: string };
    const status = e.status ?? e.statusCode;
    let err: AppError;
    if (isAppError(raw)) err = raw;
    else if (typeof status === 'number' && status >= 400 && status < 500) err = fromHttpStatus(status, e);
    else if (isTransientConflict(raw)) {
      err = new AppError('SERVICE_UNAVAILABLE', 'Too many concurrent changes to the same records; retry shortly', { expose: true, headers: { 'Retry-After': '1' }, details: [{ reason: 'write_conflict', message: 'nothing was changed; retry', retryAfterS: 1 }] });
      ((ctx.state.log as Logger | undefined) ?? logger).warn({ err: raw }, 'write conflict not resolved by retries');
    } else {
      err = new AppError('INTERNAL_ERROR', 'Internal error');
      ((ctx.state.log as Logger | undefined) ?? logger).error({ err: raw }, 'unhandled error');
    }
    const headers = { ...(e.headers ?? {}), ...(err.headers ?? {}) };
    for (const [k, v] of Object.entries(headers)) ctx.set(k, String(v));
    ctx.status = err.status;
    ctx.state.errorCode = err.code;
    ctx.body = err.expose ? failure(err.code, err.message, detailList(err.details, err.message)) : failure(err.code, err.code === 'INTERNAL_ERROR' ? 'Internal error' : 'Service unavailable');
  }
};
