/**
 * The one error hierarchy. Code branches on `code`, never on message text.
 * `expose` says whether `message` and `details` may reach a client; the error
 * middleware in api/ and the socket ack mapper in server/ are the only places
 * that format an AppError for the outside world.
 */
export const ERROR_STATUS = {
  VALIDATION_ERROR: 400,
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  INVALID_TOKEN: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  /** A route that changes state once per request was called without an Idempotency-Key header. */
  IDEMPOTENCY_KEY_REQUIRED: 400,
  /** The Idempotency-Key was already used for a different request (another body or path). */
  IDEMPOTENCY_KEY_REUSED: 422,
  /** The first request with this Idempotency-Key is still running; retry after a moment to get its answer. */
  IDEMPOTENCY_KEY_IN_USE: 409,
  /** Checking out a cart with no lines. */
  CART_EMPTY: 422,
  /** A store's part of the checkout is under its minimum order (details name each store and its shortfall). */
  BELOW_MINIMUM_ORDER: 422,
  /** The delivery address is outside a store's zone or past the fee bands (details name each store). */
  OUTSIDE_DELIVERY_ZONE: 422,
  /** A courier was assigned to the delivery of an order its store has not marked ready_for_pickup (details carry the order's status). */
  ORDER_NOT_READY: 409,
  /** A price the customer confirmed (or saw when adding) is not the price now: show the new one and ask again. */
  PRICE_CHANGED: 409,
  /** A setting change named a version that is no longer the current one (someone changed it meanwhile). */
  SETTING_VERSION_CONFLICT: 409,
  /** A reservation or stock change asked for more than is available. */
  INSUFFICIENT_STOCK: 409,
  /** A product that is not for sale (draft, archived or gone) was put in a cart. */
  PRODUCT_UNAVAILABLE: 422,
  /** A store that is not open now, or not listed (closed by its owner, not approved), was bought from. */
  STORE_CLOSED: 422,
  /** A category move under itself or one of its descendants. */
  CATEGORY_CYCLE: 422,
  /** Deleting a category that still has children or products (without asking to re-parent them). */
  CATEGORY_NOT_EMPTY: 409,
  /** The card was declined by the payment provider (details carry the provider's decline code). */
  PAYMENT_DECLINED: 402,
  /** The payment method is not offered here (wallet until Finance adds it; card without a configured provider). */
  PAYMENT_METHOD_UNAVAILABLE: 422,
  /** A refund asked for more than was captured and not yet refunded. */
  REFUND_EXCEEDS_CAPTURED: 422,
  /** A ledger transfer amount that is not a positive whole number of minor units (negative, zero, fractional, unsafe). */
  LEDGER_AMOUNT_INVALID: 422,
  /** A transfer's currency differs from an account's ledger currency, or the two accounts' currencies differ. */
  LEDGER_CURRENCY_MISMATCH: 422,
  /** A transfer names an account that does not exist. */
  LEDGER_ACCOUNT_NOT_FOUND: 422,
  /** A transfer debits and credits the same account. */
  LEDGER_SAME_ACCOUNT: 422,
  /** The debit would take an account flagged "debits must not exceed credits" past its posted credits (an overdraft). */
  LEDGER_EXCEEDS_CREDITS: 422,
  /** The credit would take an account flagged "credits must not exceed debits" past its posted debits. */
  LEDGER_EXCEEDS_DEBITS: 422,
  /** A transfer id already used with other fields (the id is the idempotency key). */
  LEDGER_TRANSFER_EXISTS: 409,
  /** Posting or voiding a pending transfer that does not exist (or is not pending). */
  LEDGER_PENDING_NOT_FOUND: 422,
  /** The pending transfer was already posted. */
  LEDGER_PENDING_ALREADY_POSTED: 409,
  /** The pending transfer was already voided. */
  LEDGER_PENDING_ALREADY_VOIDED: 409,
  /** The pending transfer timed out (it is, or is about to be, voided by expiry). */
  LEDGER_PENDING_EXPIRED: 409,
  /** Posting more than the pending transfer reserved. */
  LEDGER_POST_EXCEEDS_PENDING: 422,
  /** A remittance larger than the cash the courier holds. */
  REMITTANCE_EXCEEDS_CASH_IN_HAND: 422,
  /** A payout request below the `finance.payoutMinimumMinor` setting. */
  PAYOUT_BELOW_MINIMUM: 422,
  /** A payout request larger than the owner's available balance (posted, less reserved, less cash not yet remitted). */
  PAYOUT_EXCEEDS_AVAILABLE: 422,
  /** A payout asked to move on from a status it cannot (approve a rejected one, reject a paid one). */
  PAYOUT_STATUS_CONFLICT: 409,
  /** A payout requested without a bank account on file. */
  PAYOUT_NO_BANK_ACCOUNT: 422,
  /** A wallet checkout whose orders cost more than the wallet's available balance (posted, less what other orders reserve): nothing is placed. */
  WALLET_INSUFFICIENT_FUNDS: 422,
  /** A wallet top-up below `finance.walletTopUpMinMinor` or above `finance.walletTopUpMaxMinor`. */
  WALLET_TOP_UP_OUT_OF_RANGE: 422,
  /** A wallet top-up that would take the wallet past `finance.walletMaxBalanceMinor`. */
  WALLET_BALANCE_LIMIT: 422,
  /** A bank account whose IBAN fails validation (country format or check digits). */
  IBAN_INVALID: 400,
  /** A webhook whose signature does not verify: logged and ignored. */
  WEBHOOK_SIGNATURE_INVALID: 400,
  /** A webhook endpoint URL the platform will not call: not HTTPS, or resolving to a loopback, private or link-local address. */
  WEBHOOK_URL_REFUSED: 422,
  /** A notification template names a variable its event does not carry (details list each, with the allowed ones). */
  TEMPLATE_VARIABLE_UNKNOWN: 422,
  /** Answering an offer whose time ran out (or that dispatch withdrew): it changes nothing. */
  OFFER_EXPIRED: 409,
  /** Accepting an offer that was already accepted (a double tap), or declining it afterwards. */
  OFFER_ALREADY_ACCEPTED: 409,
  /** Answering an offer that was already declined. */
  OFFER_ALREADY_DECLINED: 409,
  PAYLOAD_TOO_LARGE: 413,
  /** The bytes are not of a type the route accepts (detected from the content, not the name). */
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNPROCESSABLE_ENTITY: 422,
  RATE_LIMIT_EXCEEDED: 429,
  INTERNAL_ERROR: 500,
  /** A use case raised an event that fails its schema: a defect, refused before it is stored. */
  INVALID_EVENT: 500,
  /** The payment provider failed or answered something we cannot use; the request may be retried (its idempotency key makes that safe). */
  PAYMENT_PROVIDER_ERROR: 502,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface AppErrorOptions {
  details?: unknown;
  expose?: boolean;
  cause?: unknown;
  /** Extra response headers, e.g. Retry-After on 429. */
  headers?: Record<string, string>;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly expose: boolean;
  readonly details: unknown;
  readonly headers: Record<string, string> | undefined;

  constructor(code: ErrorCode, message: string, opts: AppErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.expose = opts.expose ?? this.status < 500;
    this.details = opts.details;
    this.headers = opts.headers;
  }
}

export const isAppError = (err: unknown): err is AppError => err instanceof AppError;

export const validationError = (message: string, details?: unknown): AppError =>
  new AppError('VALIDATION_ERROR', message, { details });
export const notFound = (what: string): AppError => new AppError('NOT_FOUND', `${what} not found`);
export const conflict = (message: string, details?: unknown): AppError =>
  new AppError('CONFLICT', message, { details });
export const serviceUnavailable = (message: string, cause?: unknown): AppError =>
  new AppError('SERVICE_UNAVAILABLE', message, { cause, expose: true });

/**
 * The one shape of `details` that reaches a client, REST and socket acks alike:
 * a list of problems, each with a message, the input at fault (`field`, e.g.
 * `body.phone`) when there is one, a machine-readable `reason` when there is
 * one, and named context values (`retryAfterS`, `allowed`).
 */
export interface ErrorDetail {
  field?: string;
  reason?: string;
  message: string;
  [context: string]: unknown;
}

/**
 * Brings whatever an error carries as details into the one list shape: a
 * single object becomes a one-item list, a zod-style `path` becomes `field`,
 * and an item without a message takes the error's own message.
 */
export function detailList(details: unknown, message: string): ErrorDetail[] | undefined {
  if (details === undefined || details === null) return undefined;
  const items: unknown[] = Array.isArray(details) ? details : [details];
  return items.map((d): ErrorDetail => {
    if (d === null || typeof d !== 'object' || Array.isArray(d)) return { message, value: d };
    const { path, ...rest } = d as Record<string, unknown>;
    const out: ErrorDetail = { ...rest, message: typeof rest.message === 'string' ? rest.message : message };
    if (typeof out.field !== 'string' && path !== undefined) out.field = Array.isArray(path) ? path.join('.') : String(path);
    return out;
  });
}

/**
 * An outside provider (SMTP, FCM, an SMS gateway) did not take a message. `retry` says whether
 * trying again may work (down, throttled) or not (a dead device token, a refused address);
 * `reason` is a short machine-readable word for logs and delivery records.
 */
export class ProviderError extends Error {
  constructor(message: string, readonly retry: boolean, readonly reason: string) {
    super(message);
    this.name = 'ProviderError';
  }
}
