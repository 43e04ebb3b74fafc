import type { Payment, PaymentMethod } from './payment.js';

// ── Payments ────────────────────────────────────────────────────────────────

export interface AuthorizeRequest {
  paymentId: string;
  orderId: string;
  amountMinor: number;
  currency: string;
  method: PaymentMethod;
  /** The client's token for the card (a PaymentMethod id such as pm_card_visa); ignored for cash. */
  paymentMethodToken?: string | null;
  /** Derived from the checkout's key and the store: a retried checkout holds the card once. */
  idempotencyKey: string;
}

export interface AuthorizeResult {
  providerRef: string;
  status: 'authorized' | 'declined' | 'requires_action';
  declineCode?: string;
}

/**
 * The payment provider. Card: Stripe PaymentIntents with capture_method manual
 * (infra/providers/stripe-payments.ts); cash: no provider call (infra/providers/cash-payments.ts);
 * wallet: PAYMENT_METHOD_UNAVAILABLE until Finance adds it. Every call carries an
 * idempotency key, so a retry after a timeout never charges twice. Amounts are minor units.
 * Provider failures are AppError PAYMENT_PROVIDER_ERROR; an unoffered method PAYMENT_METHOD_UNAVAILABLE.
 */
export interface PaymentGateway {
  authorize(req: AuthorizeRequest): Promise<AuthorizeResult>;
  capture(providerRef: string, amountMinor: number, idempotencyKey: string): Promise<void>;
  void(providerRef: string, idempotencyKey: string): Promise<void>;
  refund(providerRef: string, amountMinor: number, reason: string, idempotencyKey: string): Promise<{ refundRef: string | null }>;
}

/** A provider's webhook after its signature verified, in our words. */
export interface ProviderEvent {
  /** The provider's event id: the deduplication key. */
  id: string;
  /** What it says happened to the payment; `other` is acknowledged and ignored. */
  kind: 'authorized' | 'captured' | 'voided' | 'failed' | 'refunded' | 'other';
  /** The provider's type, e.g. payment_intent.succeeded (for logs). */
  type: string;
  providerRef: string | null;
  /** captured: the amount received; refunded: the total refunded so far. */
  amountMinor: number | null;
  declineCode: string | null;
}

/** Verifies and reads a provider's webhook; a bad signature throws WEBHOOK_SIGNATURE_INVALID. */
export interface PaymentWebhooks {
  verify(rawBody: string, signature: string | undefined): ProviderEvent;
}

/**
 * Payments, one per order. Implementations: SqlPaymentRepository and MongoPaymentRepository,
 * judged by test/contract/payment-repository.test.ts.
 */
export interface PaymentRepository {
  /** Inserts a payment. When the order already has one, nothing is written and the existing one is returned. */
  create(payment: Payment): Promise<{ payment: Payment; created: boolean }>;
  findById(id: string): Promise<Payment | null>;
  findByOrderId(orderId: string): Promise<Payment | null>;
  findByProviderRef(providerRef: string): Promise<Payment | null>;
  /** The checkout's payments, one per store, oldest first. */
  listByCheckout(checkoutId: string): Promise<Payment[]>;
  /** Writes the payment if the stored version is still `expectedVersion`; false when someone else changed it first. */
  save(payment: Payment, expectedVersion: number): Promise<boolean>;
}
