import { AppError, type ErrorCode } from '../domain/shared/errors.js';

/**
 * Why a geo call failed. `code` on the error stays one of the AppError codes
 * (so the api/ middleware and socket acks map it without knowing geo); the
 * precise geo reason travels in `reason` and `details.reason`.
 */
export type GeoReason =
  | 'INVALID_COORDINATE'
  | 'INVALID_TIMESTAMP'
  | 'INVALID_INPUT'
  | 'UNKNOWN_VEHICLE'
  | 'UNKNOWN_STATUS'
  | 'UNKNOWN_COURIER'
  | 'INVALID_GEOFENCE'
  | 'STALE_FIX'
  | 'REDIS_UNAVAILABLE'
  | 'SCRIPT_ERROR'
  | 'ZONE_INVALID'
  | 'ZONE_SELF_INTERSECTS'
  | 'ZONE_TOO_LARGE';

const REASON_CODE: Record<GeoReason, ErrorCode> = {
  INVALID_COORDINATE: 'VALIDATION_ERROR',
  INVALID_TIMESTAMP: 'VALIDATION_ERROR',
  INVALID_INPUT: 'VALIDATION_ERROR',
  UNKNOWN_VEHICLE: 'VALIDATION_ERROR',
  UNKNOWN_STATUS: 'VALIDATION_ERROR',
  UNKNOWN_COURIER: 'NOT_FOUND',
  INVALID_GEOFENCE: 'VALIDATION_ERROR',
  STALE_FIX: 'CONFLICT',
  REDIS_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  SCRIPT_ERROR: 'INTERNAL_ERROR',
  // A well-formed zone the rules refuse: the reason names the rule.
  ZONE_INVALID: 'UNPROCESSABLE_ENTITY',
  ZONE_SELF_INTERSECTS: 'UNPROCESSABLE_ENTITY',
  ZONE_TOO_LARGE: 'UNPROCESSABLE_ENTITY',
};

export class GeoError extends AppError {
  readonly reason: GeoReason;

  constructor(reason: GeoReason, message: string, details: Record<string, unknown> = {}, cause?: unknown) {
    super(REASON_CODE[reason], message, { details: { reason, ...details }, cause });
    this.name = 'GeoError';
    this.reason = reason;
  }
}

export const isGeoError = (err: unknown): err is GeoError => err instanceof GeoError;

/**
 * Status codes returned as the first element of every geo Lua script's reply
 * (documented in each script header). Positive/zero codes are outcomes;
 * negative codes are failures.
 */
export const SCRIPT_CODE = {
  OK: 1,
  IGNORED_OLDER: 0,
  NOT_HOMED: -1,
  BAD_ARGUMENT: -2,
} as const;

/**
 * The one place that turns a Lua script's negative status code into a typed
 * error. `NOT_HOMED` means "no courier record in this region": the caller decides
 * whether that is a move between regions or an unknown courier.
 */
export function scriptError(script: string, code: number, context: Record<string, unknown> = {}): GeoError {
  switch (code) {
    case SCRIPT_CODE.NOT_HOMED:
      return new GeoError('UNKNOWN_COURIER', 'courier is not known to the index; set its state first', { script, ...context });
    case SCRIPT_CODE.BAD_ARGUMENT:
      return new GeoError('INVALID_INPUT', `script ${script} rejected its arguments`, { script, ...context });
    default:
      return new GeoError('SCRIPT_ERROR', `script ${script} returned unexpected code ${code}`, { script, code, ...context });
  }
}

/** Any failure talking to Redis becomes a REDIS_UNAVAILABLE GeoError (503); GeoErrors pass through. */
export function redisFailure(err: unknown, op: string): GeoError {
  if (err instanceof GeoError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/NOSCRIPT|ERR Error running script|user_script/.test(message)) {
    return new GeoError('SCRIPT_ERROR', `geo script failed during ${op}`, { op }, err);
  }
  return new GeoError('REDIS_UNAVAILABLE', `redis unavailable during ${op}`, { op }, err);
}
