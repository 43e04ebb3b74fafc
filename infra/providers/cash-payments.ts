import { AppError } from '../../domain/shared/errors.js';
import type { AuthorizeRequest, AuthorizeResult, PaymentGateway } from '../../domain/ordering/ports.js';

/** Cash references start with this, so the routed gateway knows a cash payment by its reference. */
export const CASH_REF_PREFIX = 'cash_';
/** Wallet references start with this: the routed gateway sends their later calls to the wallet. */
export const WALLET_REF_PREFIX = 'wallet_';

/**
 * Cash on delivery: there is no provider. Authorising accepts the order with
 * a reference and holds nothing; the courier marks the cash collected at
 * delivery (CollectCashPayment); cancelling an unpaid cash order needs no call.
 */
export class CashPayments implements PaymentGateway {
  async authorize(req: AuthorizeRequest): Promise<AuthorizeResult> {
    return { providerRef: `${CASH_REF_PREFIX}${req.paymentId}`, status: 'authorized' };
  }
  async capture(): Promise<void> {}
  async void(): Promise<void> {}
  async refund(): Promise<{ refundRef: string | null }> {
    throw new AppError('PAYMENT_METHOD_UNAVAILABLE', 'Collected cash is returned by hand, not through the platform', { details: [{ field: 'method', reason: 'cash_refund', message: 'cash' }] });
  }
}

/**
 * Paying from the wallet: no provider either. The money is reserved in the ledger by the
 * checkout's transaction (WalletFunds), posted on delivery and voided on cancellation by the
 * finance consumer from the order's events; so capturing, voiding and refunding here move
 * nothing (a refund's money goes back into the wallet when the consumer reverses the order).
 */
export class WalletPaymentGateway implements PaymentGateway {
  async authorize(req: AuthorizeRequest): Promise<AuthorizeResult> {
    return { providerRef: `${WALLET_REF_PREFIX}${req.paymentId}`, status: 'authorized' };
  }
  async capture(): Promise<void> {}
  async void(): Promise<void> {}
  async refund(): Promise<{ refundRef: string | null }> {
    return { refundRef: null };
  }
}

/** A method that is not offered here: card without a Stripe key. */
export class UnavailablePayments implements PaymentGateway {
  constructor(private readonly method: string, private readonly why: string) {}
  private refuse(): never {
    throw new AppError('PAYMENT_METHOD_UNAVAILABLE', `Paying by ${this.method} is not available: ${this.why}`, { details: [{ field: 'paymentMethod', reason: 'unavailable', message: this.why }] });
  }
  async authorize(): Promise<AuthorizeResult> { return this.refuse(); }
  async capture(): Promise<void> { this.refuse(); }
  async void(): Promise<void> { this.refuse(); }
  async refund(): Promise<{ refundRef: string | null }> { return this.refuse(); }
}

/**
 * The one PaymentGateway the use cases see: authorise goes to the method's
 * gateway; later calls go by the reference (cash and wallet references are ours, the rest the card provider's).
 */
export class RoutedPaymentGateway implements PaymentGateway {
  constructor(private readonly by: { card: PaymentGateway; cash: PaymentGateway; wallet: PaymentGateway }) {}

  authorize(req: AuthorizeRequest): Promise<AuthorizeResult> {
    return this.by[req.method].authorize(req);
  }
  capture(ref: string, amountMinor: number, key: string): Promise<void> {
    return this.of(ref).capture(ref, amountMinor, key);
  }
  void(ref: string, key: string): Promise<void> {
    return this.of(ref).void(ref, key);
  }
  refund(ref: string, amountMinor: number, reason: string, key: string): Promise<{ refundRef: string | null }> {
    return this.of(ref).refund(ref, amountMinor, reason, key);
  }
  private of(ref: string): PaymentGateway {
    if (ref.startsWith(CASH_REF_PREFIX)) return this.by.cash;
    return ref.startsWith(WALLET_REF_PREFIX) ? this.by.wallet : this.by.card;
  }
}
