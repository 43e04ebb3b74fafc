import type { Cart } from './cart.js';
import type { Checkout } from './checkout.js';
import type { Principal } from '../shared/principal.js';
import type { Page, PageRequest } from '../shared/pagination.js';
import type { Order, OrderStatus } from './order.js';
import type { Payment, PaymentMethod } from './payment.js';

// ------------------------------------------------------------------------ Cart

/**
 * Carts. Implementations: SqlCartRepository and MongoCartRepository, judged by
 * test/contract/cart-repository.test.ts. Writes join the caller's UnitOfWork
 * transaction when there is one.
 */
export interface CartRepository {
  /**
   * Inserts a new cart. False (nothing stored) when its owner already has an
   * active cart: one active cart per customer, one cart per token hash, held
   * by unique indexes so two concurrent first adds make one cart.
   */
  create(cart: Cart): Promise<boolean>;
  findById(id: string): Promise<Cart | null>;
  /** The customer's active cart, or null. */
  findActiveByCustomer(customerId: string): Promise<Cart | null>;
  /** The guest cart with this token hash, whatever its status (a merged one answers a retried merge). */
  findByTokenHash(tokenHash: string): Promise<Cart | null>;
  /**
   * Writes the cart if the stored version is still `expectedVersion`; false
   * when someone else changed it first (the caller reads again and retries,
   * so two concurrent adds never lose a line).
   */
  save(cart: Cart, expectedVersion: number): Promise<boolean>;
  /** Ids of active carts whose last activity is before `before`, oldest first. */
  idleBefore(before: Date, limit: number): Promise<string[]>;
  /** Deletes up to `limit` carts closed (merged, converted, expired) before `before`, oldest first; answers how many went. */
  purgeClosedBefore(before: Date, limit: number): Promise<number>;
}

/** One line as the checkout prices it (prices re-read by the checkout; `priceAtAddMinor` is what the customer saw). */
export interface CheckoutCartLine {
  variantId: string;
  productId: string;
  storeId: string;
  quantity: number;
  priceAtAddMinor: number;
}

/** The caller's cart as the checkout reads it. */
export interface CheckoutCart {
  cartId: string;
  /** Give it back to `markConverted`: a cart changed since this read is not converted. */
  version: number;
  customerId: string;
  /** Possibly empty: refusing an empty cart is the checkout's rule. */
  lines: CheckoutCartLine[];
  /** The address the customer chose (addressId null for a bare point), or null when none was chosen. */
  destination: { addressId: string | null; point: { lat: number; lng: number } } | null;
}

/**
 * The cart's side of the checkout. Implementation: CartCheckout
 * (use-cases/cart-checkout.ts), registered as `cartCheckout`.
 */
export interface CartForCheckout {
  /** The customer's active cart (NOT_FOUND when they have none; FORBIDDEN for any other role). */
  forCheckout(principal: Principal): Promise<CheckoutCart>;
  /**
   * Closes the cart as converted by `checkoutId`. Call it inside the checkout's
   * UnitOfWork transaction (it joins it). Idempotent: the same checkout again is
   * a no-op. CONFLICT reason `cart_changed` when the cart's version is no longer
   * `expectedVersion` (the customer changed it meanwhile: price it again), reason
   * `cart_closed` when it was merged, expired or converted by another checkout.
   */
  markConverted(cartId: string, checkoutId: string, expectedVersion: number): Promise<void>;
}

// ---------------------------------------------------------------- orders

export interface OrderFilter {
  /** A store owner's stores (an empty list matches nothing). */
  storeIds?: readonly string[];
  customerId?: string;
  checkoutId?: string;
  statuses?: readonly OrderStatus[];
  /** Placed at or after. */
  placedFrom?: Date;
  /** Placed before. */
  placedTo?: Date;
  /** Orders whose number starts with this (case-insensitive), e.g. `D-260106` or a whole number. */
  numberPrefix?: string;
}

/**
 * Orders. Implementations: SqlOrderRepository and MongoOrderRepository, both
 * judged by test/contract/order-repository.test.ts. Every method joins the
 * caller's UnitOfWork transaction when called inside one.
 */
export interface OrderRepository {
  /**
   * The next order number of `at`'s UTC day, D-YYMMDD-NNNN, from an atomic
   * per-day counter: unique across processes. Like a database sequence it is
   * drawn OUTSIDE the business transaction (callers draw before they open it):
   * inside, every checkout of the day would serialise on the counter's row, and
   * on MongoDB write-conflict on its document. A number whose transaction rolls
   * back is a gap, never reused.
   */
  nextNumber(at: Date): Promise<string>;
  /** Inserts a new order; CONFLICT when its id or number exists. */
  create(order: Order): Promise<void>;
  findById(id: string): Promise<Order | null>;
  findByNumber(number: string): Promise<Order | null>;
  /** The orders of one checkout, by number. */
  listByCheckout(checkoutId: string): Promise<Order[]>;
  /** Writes the order if the stored version is still `expectedVersion`; false when someone else changed it first. */
  save(order: Order, expectedVersion: number): Promise<boolean>;
  /** Newest first (placed time, then id). */
  list(filter: OrderFilter, page: PageRequest): Promise<Page<Order>>;
}

/**
 * The stock an order holds: one reservation in the catalog, key `order:<orderId>`
 * (taken by the checkout). Both moves join the caller's transaction, are
 * idempotent, and do nothing for an order that holds no reservation.
 * Implementation: ReservedOrderStock (domain/ordering/use-cases/order-stock.ts).
 */
export interface OrderStock {
  /** The order is confirmed: the held units leave on hand as a sale. CONFLICT when the hold has expired. */
  commit(orderId: string): Promise<void>;
  /** The order will not be fulfilled: the held units are available again at once. A hold no longer active is left as it is. */
  release(orderId: string): Promise<void>;
}

// ── Payments ────────────────────────────────────────────────────────────────

export interface AuthorizeRequest {
  paymentId: string;
  orderId: string;
  amountMinor: number;
  currency: string;
  method: PaymentMethod;
  /** The client's token for the card (a PaymentMethod id such as pm_card_visa); ignored for cash. */
  paymentMethodToken?: string | null;
  /** Derived from the checkout's key and the store: a retried checkout holds the card once. */
  idempotencyKey: string;
}

export interface AuthorizeResult {
  providerRef: string;
  status: 'authorized' | 'declined' | 'requires_action';
  declineCode?: string;
}

/**
 * The payment provider. Card: Stripe PaymentIntents with capture_method manual
 * (infra/providers/stripe-payments.ts); cash: no provider call (infra/providers/cash-payments.ts);
 * wallet: no provider call, the money is reserved in the ledger (WalletFunds). Every call carries an
 * idempotency key, so a retry after a timeout never charges twice. Amounts are minor units.
 * Provider failures are AppError PAYMENT_PROVIDER_ERROR; an unoffered method PAYMENT_METHOD_UNAVAILABLE.
 */
export interface PaymentGateway {
  authorize(req: AuthorizeRequest): Promise<AuthorizeResult>;
  capture(providerRef: string, amountMinor: number, idempotencyKey: string): Promise<void>;
  void(providerRef: string, idempotencyKey: string): Promise<void>;
  refund(providerRef: string, amountMinor: number, reason: string, idempotencyKey: string): Promise<{ refundRef: string | null }>;
}

/**
 * The wallet's side of a wallet checkout. Finance implements it (WalletPayments,
 * domain/finance/use-cases/wallet-payments.ts): the order's total is reserved in the
 * customer's wallet as a pending ledger transfer. Call `reserve` inside the checkout's
 * transaction (it joins it), so the reservation and the order commit or roll back together.
 * Throws WALLET_INSUFFICIENT_FUNDS, writing nothing, when the wallet's available balance is short.
 */
export interface WalletFunds {
  reserve(req: { orderId: string; customerId: string; storeId: string; amountMinor: number; currency: string }): Promise<void>;
}

/** A provider's webhook after its signature verified, in our words. */
export interface ProviderEvent {
  /** The provider's event id: the deduplication key. */
  id: string;
  /** What it says happened to the payment; `other` is acknowledged and ignored. */
  kind: 'authorized' | 'captured' | 'voided' | 'failed' | 'refunded' | 'other';
  /** The provider's type, e.g. payment_intent.succeeded (for logs). */
  type: string;
  providerRef: string | null;
  /** captured: the amount received; refunded: the total refunded so far. */
  amountMinor: number | null;
  declineCode: string | null;
}

/**
 * Card payments that are not an order's: a wallet top-up (Finance's WalletTopUps). The webhook
 * handler hands it a verified event that names no order payment, inside the transaction in which
 * it records the event id. True when something moved.
 */
export interface ProviderPaymentFollower {
  followProviderEvent(ev: ProviderEvent): Promise<boolean>;
}

/** Verifies and reads a provider's webhook; a bad signature throws WEBHOOK_SIGNATURE_INVALID. */
export interface PaymentWebhooks {
  verify(rawBody: string, signature: string | undefined): ProviderEvent;
}

/**
 * Payments, one per order. Implementations: SqlPaymentRepository and MongoPaymentRepository,
 * judged by test/contract/payment-repository.test.ts.
 */
export interface PaymentRepository {
  /** Inserts a payment. When the order already has one, nothing is written and the existing one is returned. */
  create(payment: Payment): Promise<{ payment: Payment; created: boolean }>;
  findById(id: string): Promise<Payment | null>;
  findByOrderId(orderId: string): Promise<Payment | null>;
  findByProviderRef(providerRef: string): Promise<Payment | null>;
  /** The checkout's payments, one per store, oldest first. */
  listByCheckout(checkoutId: string): Promise<Payment[]>;
  /** Writes the payment if the stored version is still `expectedVersion`; false when someone else changed it first. */
  save(payment: Payment, expectedVersion: number): Promise<boolean>;
}

// ── Checkout ────────────────────────────────────────────────────────────────

/**
 * Checkouts. Implementations: SqlCheckoutRepository and MongoCheckoutRepository, judged by
 * test/contract/checkout-repository.test.ts. `create` joins the caller's UnitOfWork transaction.
 */
export interface CheckoutRepository {
  /**
   * Inserts the checkout. When the customer already has one with the same idempotency key
   * (a retry that got past the HTTP guard, say after a crash), nothing is written and the
   * existing one is answered with created false.
   */
  create(checkout: Checkout): Promise<{ checkout: Checkout; created: boolean }>;
  findById(id: string): Promise<Checkout | null>;
  findByKey(customerId: string, idempotencyKey: string): Promise<Checkout | null>;
}

/**
 * Runs one change at a time per key in this process: checkouts of the same variant queue here
 * instead of racing into the database. On MongoDB the second transaction to write a document
 * gets a WriteConflict and the driver retries the whole transaction with backoff, so 200
 * customers after the last units of one variant would otherwise spend their time retrying
 * against each other (and, past the driver's 120 s, fail). Across processes the database
 * still decides: this only keeps each process from competing with itself.
 */
export interface KeyedQueue {
  run<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T>;
}
