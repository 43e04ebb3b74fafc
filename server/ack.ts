import type { Logger } from 'pino';
import type { z } from 'zod';
import { detailList, isAppError } from '../domain/shared/errors.js';
import type { AckCode, AckError } from './protocol.js';


/**
 * Maps any error to an ack: an AppError keeps its code (every error code is an
 * ack code; RATE_LIMIT_EXCEEDED reads RATE_LIMITED) and its details in the one
 * list shape; anything else is INTERNAL_ERROR with no detail.
 */
export function toAckError(err: unknown, logger: Logger): AckError {
  if (isAppError(err) && err.expose) {
    const code: AckCode = err.code === 'RATE_LIMIT_EXCEEDED' ? 'RATE_LIMITED' : err.code;
    const details = detailList(err.details, err.message);
    return { ok: false, code, message: err.message, ...(details === undefined ? {} : { details }) };
  }
  if (isAppError(err) && err.code === 'SERVICE_UNAVAILABLE') {
    return { ok: false, code: 'SERVICE_UNAVAILABLE', message: 'Temporarily unavailable, retry shortly' };
  }
  logger.error({ err }, 'socket handler failed');
  return { ok: false, code: 'INTERNAL_ERROR', message: 'Internal error' };
}

export function validationAck(error: z.ZodError): AckError {
  return {
    ok: false,
    code: 'VALIDATION_ERROR',
    message: 'Invalid payload',
    details: error.issues.slice(0, 10).map((i) => ({ field: i.path.join('.'), message: i.message })),
  };
}

/**
 * Wraps an event handler: the payload is parsed with its zod schema, the
 * handler's result is the ack, and a thrown error becomes `{ok:false, code}`.
 * A client that sends no ack callback gets nothing back (the work still runs).
 * Nothing here throws, so a bad message never disconnects or crashes.
 */
export function handle<S extends z.ZodType, R>(
  schema: S,
  logger: Logger,
  fn: (payload: z.output<S>) => Promise<R> | R,
): (...args: unknown[]) => void {
  return (...args: unknown[]) => {
    const { payload, ack } = messageOf<unknown>(args);
    const parsed = schema.safeParse(payload);
    if (!parsed.success) {
      ack(validationAck(parsed.error));
      return;
    }
    let result: Promise<R> | R;
    try {
      result = fn(parsed.data);
    } catch (err) {
      return ack(toAckError(err, logger));
    }
    // A handler that answers at once needs no promise.
    if (result instanceof Promise) result.then(ack, (err: unknown) => ack(toAckError(err, logger)));
    else ack(result);
  };
}

/**
 * A message's payload and ack callback. The ack is the last argument when it
 * is a function, whatever came before it (a client may send extra arguments).
 */
export function messageOf<R>(args: unknown[]): { payload: unknown; ack: (reply: R) => void } {
  const last = args[args.length - 1];
  if (typeof last !== 'function') return { payload: args[0], ack: () => undefined };
  return { payload: args.length > 1 ? args[0] : undefined, ack: last as (reply: R) => void };
}

/** `{ok:true, data}`. */
export const ok = <T>(data: T) => ({ ok: true as const, data });
