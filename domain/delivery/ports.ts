import type { Page, PageRequest } from '../shared/pagination.js';
import type { Delivery, DeliveryStatus } from './model.js';

export interface DeliveryFilter {
  storeId?: string;
  customerId?: string;
  courierId?: string;
  statuses?: DeliveryStatus[];
}

/**
 * Whether the order behind a delivery may go to a courier, as the ordering
 * context sees it (the rule lives there: `isReadyForCourier`). Null when
 * ordering knows no such order: a delivery made by hand (POST
 * /api/v1/deliveries for an order outside this marketplace) is not held back.
 * Implemented by domain/ordering/use-cases/order-readiness.ts.
 */
export interface OrderReadiness {
  of(orderId: string): Promise<{ ready: boolean; status: string } | null>;
}

/**
 * Deliveries. Implementations: MongoDeliveryRepository and SqlDeliveryRepository,
 * both judged by test/contract/delivery-repository.test.ts.
 */
export interface DeliveryRepository {
  /**
   * Inserts a new delivery. One order has at most one delivery: when one exists
   * for the same orderId, nothing is written and the existing one is returned.
   */
  create(delivery: Delivery): Promise<{ delivery: Delivery; created: boolean }>;
  findById(id: string): Promise<Delivery | null>;
  findByOrderId(orderId: string): Promise<Delivery | null>;
  /** Writes the delivery if the stored version is still `expectedVersion`; false when someone else changed it first. */
  save(delivery: Delivery, expectedVersion: number): Promise<boolean>;
  /** The courier's deliveries that are assigned and not final (the hub fans fixes out to these). */
  listActiveByCourier(courierId: string): Promise<Delivery[]>;
  /** Newest first. */
  list(filter: DeliveryFilter, page: PageRequest): Promise<Page<Delivery>>;
}
