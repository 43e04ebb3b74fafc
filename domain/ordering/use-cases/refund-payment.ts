import { notFound } from '../../shared/errors.js';
import { hasPermission, type Principal } from '../../shared/principal.js';
import type { Actor, Payment, PaymentView, RefundDestination } from '../payment.js';
import { paymentEvent } from '../payment-events.js';
import { changePayment, stepKey, type PaymentIds, type PaymentProvider, type PaymentWriter } from './payment-support.js';

export interface RefundInput {
  /** Omitted: everything captured and not yet refunded. */
  amountMinor?: number;
  reason: string;
  /** The request's Idempotency-Key: the same key again answers the first refund instead of making a second. */
  key?: string;
  /** `wallet`: into the customer's wallet instead of the card (or the courier's cash); default `original`. */
  destination?: RefundDestination;
}

/**
 * Gives money back, in full or in part, with a reason: an admin with
 * `payments:refund` for any order, and the order-ended consumer (VoidPayment)
 * for an order cancelled after capture. The amount is checked against what was
 * captured and not yet refunded before the provider is asked; the provider's
 * refund is keyed by the payment and the refund's key, so a retry refunds once.
 */
export class RefundPayment {
  constructor(private readonly deps: PaymentWriter & PaymentProvider & PaymentIds) {}

  async execute(principal: Principal, orderId: string, input: RefundInput): Promise<PaymentView> {
    if (!hasPermission(principal, 'payments:refund')) throw notFound('Payment');
    const p = await this.deps.payments.findByOrderId(orderId);
    if (!p) throw notFound('Payment');
    const key = `refund:${input.key ?? `n${p.toProps().refunds.length + 1}`}`;
    if (p.refundByKey(key)) return p.toView();
    const amount = input.amountMinor ?? p.refundableMinor;
    return (await this.refund(p, amount, input.reason, { id: principal.accountId, role: principal.role }, key, input.destination ?? 'original')).toView();
  }

  /** Refunds everything still refundable (an order cancelled after capture). */
  async refundRest(p: Payment, reason: string, actor: Actor | null, key: string): Promise<Payment> {
    if (p.refundByKey(key) || p.refundableMinor === 0) return p;
    return this.refund(p, p.refundableMinor, reason, actor, key);
  }

  private async refund(p: Payment, amountMinor: number, reason: string, actor: Actor | null, key: string, destination: RefundDestination = 'original'): Promise<Payment> {
    p.assertRefundable(amountMinor);
    // Into the wallet: no provider call; the finance consumer's reversal leaves the money in the wallet.
    const toWallet = destination === 'wallet' || p.method === 'wallet';
    const { refundRef } = toWallet ? { refundRef: null } : await this.deps.paymentGateway.refund(p.providerRef ?? '', amountMinor, reason, stepKey(p, key));
    const refundId = this.deps.ids.next();
    const saved = await changePayment(this.deps, () => this.deps.payments.findById(p.id), (fresh, at) =>
      fresh.refund({ id: refundId, amountMinor, reason, providerRef: refundRef, key, actor, destination: toWallet ? 'wallet' : 'original' }, at) ? [paymentEvent('refunded', fresh, at, { refundId })] : []);
    return saved ?? p;
  }
}
