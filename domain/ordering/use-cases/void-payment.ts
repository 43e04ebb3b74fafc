import type { Actor, Payment } from '../payment.js';
import { paymentEvent } from '../payment-events.js';
import type { RefundPayment } from './refund-payment.js';
import { changePayment, stepKey, type PaymentProvider, type PaymentWriter } from './payment-support.js';

/**
 * Settles the payment of an order that ended without being delivered
 * (ordering.order.rejected, ordering.order.cancelled): a hold is voided, an
 * unpaid cash order is closed, and money already captured is refunded in full
 * with the order's reason. A payment already settled is left as it is, so a
 * redelivered event changes nothing.
 */
export class VoidPayment {
  constructor(private readonly deps: PaymentWriter & PaymentProvider & { refundPayment: RefundPayment }) {}

  async execute(orderId: string, reason: string | null, actor: Actor | null = null): Promise<Payment | null> {
    const p = await this.deps.payments.findByOrderId(orderId);
    if (!p) return null;
    if (p.status === 'captured' || p.status === 'partially_refunded') {
      return this.deps.refundPayment.refundRest(p, reason ?? 'order cancelled', actor, 'order-ended');
    }
    if (p.status !== 'pending' && p.status !== 'authorized') return p;
    if (p.providerRef) await this.deps.paymentGateway.void(p.providerRef, stepKey(p, 'void'));
    return changePayment(this.deps, () => this.deps.payments.findByOrderId(orderId), (fresh, at) =>
      (fresh.status === 'pending' || fresh.status === 'authorized') && fresh.void(at) ? [paymentEvent('voided', fresh, at, { reason, actor })] : []);
  }
}
