import type { Cart } from './cart.js';
import type { Principal } from '../shared/principal.js';
import type { Page, PageRequest } from '../shared/pagination.js';
import type { Order, OrderStatus } from './order.js';

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
   * per-day counter: unique across processes. Inside a transaction the
   * counter's row is held until commit (checkouts of one day serialise on it,
   * as outbox sequences already do); a rolled-back number is never reused.
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
