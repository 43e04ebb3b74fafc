import { z } from 'zod';
import { defineEvent, type EventDefinition, type NewEvent } from '../shared/events.js';
import { ROLES } from '../shared/principal.js';
import { ORDER_STATUSES, PAYMENT_METHODS, type Order, type OrderChange, type OrderStatus } from './order.js';

const id = z.string().min(1).max(128);
const status = z.enum(ORDER_STATUSES);

/**
 * Every order event carries the same payload: enough for payments (capture,
 * void, refund), notifications and the hubs to act without reading the order back.
 */
export const orderEventPayload = z.strictObject({
  orderId: id,
  orderNumber: z.string().min(1).max(32),
  checkoutId: id,
  storeId: id,
  customerId: id,
  from: status.nullable(),
  to: status,
  totalMinor: z.number().int().min(0),
  currency: z.string().regex(/^[A-Z]{3}$/),
  paymentMethod: z.enum(PAYMENT_METHODS),
  reason: z.string().max(500).nullable(),
  actor: z.strictObject({ id, role: z.enum(ROLES) }).nullable(),
  at: z.iso.datetime(),
});
export type OrderEventPayload = z.infer<typeof orderEventPayload>;

const define = (type: string, description: string) => defineEvent({ type, version: 1, aggregateType: 'order', description, payload: orderEventPayload });

/** The event each status is entered with: one per transition. */
export const ORDER_EVENT_BY_STATUS: Readonly<Record<OrderStatus, EventDefinition>> = {
  placed: define('ordering.order.placed', 'A checkout created this order for one store (cash: now the store\'s to accept; card: authorisation in flight).'),
  awaiting_payment: define('ordering.order.payment_authorized', 'The card payment of the order was authorised (held, not captured); the store may now accept it.'),
  confirmed: define('ordering.order.confirmed', 'The store accepted the order; its delivery was created in the same transaction (card: capture now).'),
  rejected: define('ordering.order.rejected', 'The store (or the auto-reject job, reason store_timeout) declined the order (card: void the authorisation).'),
  cancelled: define('ordering.order.cancelled', 'The customer cancelled before the store confirmed, or the store or an admin cancelled with a reason (refund if captured).'),
  preparing: define('ordering.order.preparation_started', 'The store started preparing the order.'),
  ready_for_pickup: define('ordering.order.marked_ready', 'The order is ready for pickup; its delivery is open for courier assignment.'),
  picked_up: define('ordering.order.picked_up', 'The courier picked the order up (driven by the delivery).'),
  delivered: define('ordering.order.delivered', 'The courier delivered the order (driven by the delivery).'),
  completed: define('ordering.order.completed', 'The order is done: delivered, nothing left to settle with the customer.'),
};

export const ORDER_EVENTS = ORDER_STATUSES.map((s) => ORDER_EVENT_BY_STATUS[s]);
const ORDER_EVENT_TYPES = new Set(ORDER_EVENTS.map((e) => e.type));
export const isOrderEventType = (type: string): boolean => ORDER_EVENT_TYPES.has(type);

/** The order's raised changes as outbox events, each stamped with the version it produced. */
export function toOrderEvents(order: Order, changes: readonly OrderChange[]): NewEvent<OrderEventPayload>[] {
  const p = order.toProps();
  return changes.map((c) => ({
    type: ORDER_EVENT_BY_STATUS[c.to].type,
    aggregateId: p.id,
    aggregateVersion: c.version,
    occurredAt: c.at,
    payload: {
      orderId: p.id,
      orderNumber: p.number,
      checkoutId: p.checkoutId,
      storeId: p.storeId,
      customerId: p.customerId,
      from: c.from,
      to: c.to,
      totalMinor: p.totals.totalMinor,
      currency: p.currency,
      paymentMethod: p.paymentMethod,
      reason: c.reason,
      actor: c.actor,
      at: c.at,
    },
  }));
}

/** An order's status change as the hubs carry it to watchers (best effort, from the relay). */
export interface OrderStatusChanged {
  type: 'order.status_changed';
  orderId: string;
  orderNumber: string;
  storeId: string;
  customerId: string;
  from: OrderStatus | null;
  to: OrderStatus;
  reason: string | null;
  at: string;
}

/** The hubs' shape of an outbox order event; null for any other type. */
export function orderStatusFromOutbox(event: { type: string; payload: unknown }): OrderStatusChanged | null {
  if (!isOrderEventType(event.type)) return null;
  const p = event.payload as OrderEventPayload;
  return { type: 'order.status_changed', orderId: p.orderId, orderNumber: p.orderNumber, storeId: p.storeId, customerId: p.customerId, from: p.from, to: p.to, reason: p.reason, at: p.at };
}
