import { z } from 'zod';
import { defineEvent, type NewEvent } from '../shared/events.js';
import { PAYMENT_METHODS, PAYMENT_STATUSES, type Actor, type Payment } from './payment.js';

const id = z.string().min(1).max(128);
const minor = z.number().int().min(0);
/** Every payment event carries the payment's state after the change, so a consumer (orders, finance) never reads it back. */
const payment = {
  paymentId: id,
  orderId: id,
  checkoutId: id,
  customerId: id,
  storeId: id,
  method: z.enum(PAYMENT_METHODS),
  status: z.enum(PAYMENT_STATUSES),
  amountMinor: minor,
  capturedMinor: minor,
  refundedMinor: minor,
  currency: z.string().regex(/^[A-Z]{3}$/),
  providerRef: z.string().max(255).nullable(),
  reason: z.string().max(500).nullable(),
  actor: z.strictObject({ id, role: z.string().min(1).max(32) }).nullable(),
  at: z.iso.datetime(),
};

export const paymentAuthorized = defineEvent({
  type: 'ordering.payment.authorized', version: 1, aggregateType: 'payment',
  description: "The card's funds are held for the order (capture_method manual): nothing is taken until the store confirms.",
  payload: z.strictObject(payment),
});
export const paymentCaptured = defineEvent({
  type: 'ordering.payment.captured', version: 1, aggregateType: 'payment',
  description: "The money is taken: the card's hold was captured when the store confirmed, or the courier collected the cash.",
  payload: z.strictObject(payment),
});
export const paymentVoided = defineEvent({
  type: 'ordering.payment.voided', version: 1, aggregateType: 'payment',
  description: 'The hold was released (order rejected or cancelled before capture), or an unpaid cash order ended.',
  payload: z.strictObject(payment),
});
export const paymentFailed = defineEvent({
  type: 'ordering.payment.failed', version: 1, aggregateType: 'payment',
  description: 'The provider refused or dropped the authorisation (reason: the decline code).',
  payload: z.strictObject(payment),
});
export const paymentRefunded = defineEvent({
  type: 'ordering.payment.refunded', version: 1, aggregateType: 'payment',
  description: 'Money went back to the customer, in full or in part, with a reason; refund names this refund.',
  payload: z.strictObject({ ...payment, refund: z.strictObject({ id, amountMinor: minor, providerRef: z.string().max(255).nullable() }) }),
});

export const PAYMENT_EVENTS = [paymentAuthorized, paymentCaptured, paymentVoided, paymentFailed, paymentRefunded] as const;

type PaymentEventName = 'authorized' | 'captured' | 'voided' | 'failed' | 'refunded';
const TYPES: Record<PaymentEventName, string> = {
  authorized: paymentAuthorized.type, captured: paymentCaptured.type, voided: paymentVoided.type, failed: paymentFailed.type, refunded: paymentRefunded.type,
};

/** The outbox event for a change just made to `p` (written in the same transaction as the payment). */
export function paymentEvent(name: PaymentEventName, p: Payment, at: Date, extra: { reason?: string | null; actor?: Actor | null; refundId?: string } = {}): NewEvent {
  const s = p.toProps();
  const refund = extra.refundId ? s.refunds.find((r) => r.id === extra.refundId) : undefined;
  return {
    type: TYPES[name],
    aggregateId: s.id,
    aggregateVersion: s.version,
    occurredAt: at.toISOString(),
    payload: {
      paymentId: s.id, orderId: s.orderId, checkoutId: s.checkoutId, customerId: s.customerId, storeId: s.storeId, method: s.method, status: s.status,
      amountMinor: s.amountMinor, capturedMinor: s.capturedMinor, refundedMinor: s.refundedMinor, currency: s.currency, providerRef: s.providerRef,
      reason: extra.reason ?? refund?.reason ?? (name === 'failed' ? s.declineCode : null), actor: extra.actor ?? refund?.actor ?? null, at: at.toISOString(),
      ...(refund ? { refund: { id: refund.id, amountMinor: refund.amountMinor, providerRef: refund.providerRef } } : {}),
    },
  };
}
