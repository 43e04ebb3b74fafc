import { z } from 'zod';
import { defineEvent, type NewEvent } from '../shared/events.js';
import { PAYMENT_METHODS } from './payment.js';
import type { Checkout } from './checkout.js';

const id = z.string().min(1).max(128);
const minor = z.number().int().min(0);

export const checkoutPlaced = defineEvent({
  type: 'ordering.checkout.placed',
  version: 1,
  aggregateType: 'checkout',
  description: 'A customer checked out: one order per store was placed, stock reserved and payments recorded, in one transaction.',
  payload: z.strictObject({
    checkoutId: id,
    customerId: id,
    currency: z.string().regex(/^[A-Z]{3}$/),
    paymentMethod: z.enum(PAYMENT_METHODS),
    orders: z.array(z.strictObject({ orderId: id, orderNumber: z.string().min(1).max(32), storeId: id, totalMinor: minor })).min(1),
    totals: z.strictObject({ subtotalMinor: minor, deliveryFeesMinor: minor, vatMinor: minor, totalMinor: minor }),
    at: z.iso.datetime(),
  }),
});

export const CHECKOUT_EVENTS = [checkoutPlaced];

export function checkoutPlacedEvent(checkout: Checkout): NewEvent<z.infer<typeof checkoutPlaced.payload>> {
  const p = checkout.toProps();
  return {
    type: checkoutPlaced.type,
    aggregateId: p.id,
    aggregateVersion: 1,
    occurredAt: p.createdAt,
    payload: {
      checkoutId: p.id, customerId: p.customerId, currency: p.currency, paymentMethod: p.paymentMethod,
      orders: p.orders.map((o) => ({ orderId: o.orderId, orderNumber: o.number, storeId: o.storeId, totalMinor: o.totalMinor })),
      totals: { ...p.totals }, at: p.createdAt,
    },
  };
}
