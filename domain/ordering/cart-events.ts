import { z } from 'zod';
import { defineEvent, type NewEvent } from '../shared/events.js';
import type { Cart } from './cart.js';

const id = z.string().min(1).max(128);
const at = z.iso.datetime();

export const cartExpired = defineEvent({
  type: 'ordering.cart.expired',
  version: 1,
  aggregateType: 'cart',
  description: 'A cart stayed untouched past `cart.idleExpiryMinutes` and was closed; its lines are no longer offered for checkout.',
  payload: z.strictObject({
    cartId: id,
    /** Null for a guest cart. */
    customerId: id.nullable(),
    lineCount: z.number().int().min(0),
    /** Sum of quantity × price when added, minor units: what was abandoned, as the customer saw it. */
    valueAtAddMinor: z.number().int().min(0),
    lastActivityAt: at,
    at,
  }),
});

export const cartMerged = defineEvent({
  type: 'ordering.cart.merged',
  version: 1,
  aggregateType: 'cart',
  description: "A guest cart was merged into the customer's cart at login (or on request); the guest cart is closed.",
  payload: z.strictObject({ guestCartId: id, cartId: id, customerId: id, linesTaken: z.number().int().min(0), linesDropped: z.number().int().min(0), at }),
});

export const CART_EVENTS = [cartExpired, cartMerged] as const;

export function cartExpiredEvent(cart: Cart, at: Date): NewEvent {
  const p = cart.toProps();
  return {
    type: cartExpired.type,
    aggregateId: p.id,
    aggregateVersion: p.version,
    occurredAt: at.toISOString(),
    payload: { cartId: p.id, customerId: p.customerId, lineCount: p.lines.length, valueAtAddMinor: p.lines.reduce((s, l) => s + l.quantity * l.priceAtAddMinor, 0), lastActivityAt: p.lastActivityAt, at: at.toISOString() },
  };
}

export function cartMergedEvent(guest: Cart, into: Cart, dropped: number, at: Date): NewEvent {
  const p = into.toProps();
  return {
    type: cartMerged.type,
    aggregateId: guest.id,
    aggregateVersion: guest.version,
    occurredAt: at.toISOString(),
    payload: { guestCartId: guest.id, cartId: p.id, customerId: p.customerId!, linesTaken: guest.lines.length - dropped, linesDropped: dropped, at: at.toISOString() },
  };
}
