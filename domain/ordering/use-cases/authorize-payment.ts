import { AppError } from '../../shared/errors.js';
import { Payment, type PaymentMethod } from '../payment.js';
import { paymentEvent } from '../payment-events.js';
import type { WalletFunds } from '../ports.js';
import { stepKey, type PaymentIds, type PaymentLog, type PaymentProvider, type PaymentWriter } from './payment-support.js';

export interface AuthorizePaymentInput {
  orderId: string;
  checkoutId: string;
  customerId: string;
  storeId: string;
  method: PaymentMethod;
  amountMinor: number;
  currency: string;
  paymentMethodToken?: string | null;
  /** Derive it from the checkout's Idempotency-Key and the store id: a retried checkout then holds the card once. */
  idempotencyKey: string;
}

/**
 * The checkout's payment step, in three moves around its transaction:
 * `hold` asks the provider before the transaction (card: a PaymentIntent holds
 * the funds, capture_method manual; cash: accepted, nothing held); `record`
 * writes the payment and its event inside the checkout's transaction; `release`
 * voids the hold when that transaction fails. A declined card leaves nothing:
 * `hold` throws PAYMENT_DECLINED and stores nothing. `execute` does all three for one order.
 */
export class AuthorizePayment {
  constructor(private readonly deps: PaymentWriter & PaymentProvider & PaymentIds & { logger: PaymentLog; walletFunds: WalletFunds }) {}

  async hold(input: AuthorizePaymentInput): Promise<Payment> {
    const payment = Payment.create({ id: this.deps.ids.next(), ...input, at: this.deps.clock.now() });
    const r = await this.deps.paymentGateway.authorize({
      paymentId: payment.id, orderId: input.orderId, amountMinor: input.amountMinor, currency: input.currency, method: input.method,
      paymentMethodToken: input.paymentMethodToken ?? null, idempotencyKey: input.idempotencyKey,
    });
    if (r.status === 'requires_action') {
      // No 3-D Secure round trip is offered yet: release the intent so nothing stays pending at the provider.
      await this.deps.paymentGateway.void(r.providerRef, `${input.idempotencyKey}:release`).catch(() => undefined);
      throw declined('authentication_required', 'The card needs 3-D Secure, which is not offered yet');
    }
    if (r.status === 'declined') throw declined(r.declineCode ?? 'declined', 'The card was declined');
    const at = this.deps.clock.now();
    // Card: the provider holds the funds; wallet: `record` reserves them in the ledger, in the checkout's transaction.
    if (input.method === 'cash') payment.attachReference(r.providerRef, at);
    else payment.authorize(r.providerRef, at);
    return payment;
  }

  /** Inside the checkout's transaction: the payment row, (wallet) the money reserved in the wallet, and (card, wallet) its authorized event. */
  async record(held: Payment): Promise<Payment> {
    const { payment, created } = await this.deps.payments.create(held);
    if (created && held.method === 'wallet') {
      const p = held.toProps();
      await this.deps.walletFunds.reserve({ orderId: p.orderId, customerId: p.customerId, storeId: p.storeId, amountMinor: p.amountMinor, currency: p.currency });
    }
    if (created && held.status === 'authorized') await this.deps.outbox.add([paymentEvent('authorized', held, this.deps.clock.now())]);
    return payment;
  }

  /** After the checkout's transaction failed: the hold goes back (its own idempotency key). */
  async release(held: Payment): Promise<void> {
    if (held.status !== 'authorized' || !held.providerRef) return;
    try {
      await this.deps.paymentGateway.void(held.providerRef, stepKey(held, 'release'));
    } catch (err) {
      // The provider drops uncaptured holds by itself after some days; the log lets someone release it sooner.
      this.deps.logger.warn({ err, paymentId: held.id, providerRef: held.providerRef }, 'could not release a card hold after the checkout failed');
    }
  }

  async execute(input: AuthorizePaymentInput): Promise<Payment> {
    const held = await this.hold(input);
    try {
      return await this.deps.unitOfWork.transaction(() => this.record(held));
    } catch (err) {
      await this.release(held);
      throw err;
    }
  }
}

const declined = (code: string, message: string) =>
  new AppError('PAYMENT_DECLINED', message, { details: [{ field: 'paymentMethodToken', reason: code, message }] });
