import type { Page, PageRequest } from '../shared/pagination.js';
import type { Order, OrderStatus } from './order.js';

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
