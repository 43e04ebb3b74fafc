import type { Payment } from '../payment.js';
import { paymentEvent } from '../payment-events.js';
import { changePayment, stepKey, type PaymentProvider, type PaymentWriter } from './payment-support.js';

/**
 * Takes the held money when the store confirms the order (ordering.order.confirmed).
 * The provider call runs before the database transaction (a slow provider must
 * not hold one open) under the payment's capture key, so a redelivered event
 * repeats the same call and the provider charges once. A wallet payment is
 * captured without moving money (the ledger posts its hold on delivery). Anything but an
 * authorised card or wallet payment is left as it is: cash is captured when the courier collects it,
 * and a payment a webhook already moved on stays where it is.
 */
export class CapturePayment {
  constructor(private readonly deps: PaymentWriter & PaymentProvider) {}

  async execute(orderId: string): Promise<Payment | null> {
    const p = await this.deps.payments.findByOrderId(orderId);
    if (!p || p.method === 'cash' || p.status !== 'authorized' || !p.providerRef) return p;
    await this.deps.paymentGateway.capture(p.providerRef, p.amountMinor, stepKey(p, 'capture'));
    return changePayment(this.deps, () => this.deps.payments.findByOrderId(orderId), (fresh, at) =>
      fresh.status === 'authorized' && fresh.capture(fresh.amountMinor, at) ? [paymentEvent('captured', fresh, at)] : []);
  }
}
