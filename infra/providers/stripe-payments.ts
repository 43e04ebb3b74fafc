import Stripe from 'stripe';
import type { Logger } from 'pino';
import { AppError } from '../../domain/shared/errors.js';
import type { AuthorizeRequest, AuthorizeResult, PaymentGateway, PaymentWebhooks, ProviderEvent } from '../../domain/ordering/ports.js';

export interface StripeSettings {
  secretKey: string;
  webhookSecret: string;
  /** Where the SDK sends its calls; unset: api.stripe.com over https. */
  host?: string | undefined;
  port?: number | undefined;
  protocol?: 'http' | 'https' | undefined;
  timeoutMs: number;
}

/** The SDK retries a dropped connection itself, with the same idempotency key, so a retry never charges twice. */
const NETWORK_RETRIES = 2;

/**
 * Card payments through Stripe PaymentIntents with capture_method manual:
 * authorise holds the funds at checkout, capture takes them when the store
 * confirms, cancel releases them when it rejects. Every call carries our
 * idempotency key; amounts are minor units as Stripe takes them.
 */
export class StripePayments implements PaymentGateway, PaymentWebhooks {
  private readonly stripe: Stripe;

  constructor(private readonly s: StripeSettings, private readonly logger: Logger) {
    this.stripe = new Stripe(s.secretKey, {
      ...(s.host ? { host: s.host } : {}),
      ...(s.port ? { port: s.port } : {}),
      ...(s.protocol ? { protocol: s.protocol } : {}),
      timeout: s.timeoutMs,
      maxNetworkRetries: NETWORK_RETRIES,
      telemetry: false,
      appInfo: { name: 'daraa' },
    });
  }

  async authorize(req: AuthorizeRequest): Promise<AuthorizeResult> {
    if (!req.paymentMethodToken) {
      throw new AppError('VALIDATION_ERROR', 'A card payment needs a payment method token', { details: [{ field: 'paymentMethodToken', message: 'required for card' }] });
    }
    try {
      const pi = await this.stripe.paymentIntents.create(
        {
          amount: req.amountMinor,
          currency: req.currency.toLowerCase(),
          capture_method: 'manual',
          confirm: true,
          payment_method: req.paymentMethodToken,
          // Confirmed server-side without a return URL: only methods that never redirect.
          automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
          metadata: { paymentId: req.paymentId, orderId: req.orderId },
        },
        { idempotencyKey: req.idempotencyKey },
      );
      // A replayed answer is the first answer, not the intent as it is now: a hold released since (the first
      // checkout's transaction failed) would read as held. Read it again, and refuse a released one.
      const now = pi.lastResponse?.headers?.['idempotent-replayed'] === 'true' ? await this.stripe.paymentIntents.retrieve(pi.id) : pi;
      if (now.status === 'canceled') return { providerRef: pi.id, status: 'declined', declineCode: 'hold_released' };
      if (now.status === 'requires_capture') return { providerRef: pi.id, status: 'authorized' };
      if (now.status === 'requires_action') return { providerRef: pi.id, status: 'requires_action' };
      return { providerRef: pi.id, status: 'declined', declineCode: now.last_payment_error?.decline_code ?? now.last_payment_error?.code ?? now.status };
    } catch (err) {
      if (err instanceof Stripe.errors.StripeCardError) {
        return { providerRef: err.payment_intent?.id ?? '', status: 'declined', declineCode: err.decline_code ?? err.code ?? 'card_declined' };
      }
      throw this.providerError('authorize', err);
    }
  }

  async capture(providerRef: string, amountMinor: number, idempotencyKey: string): Promise<void> {
    try {
      await this.stripe.paymentIntents.capture(providerRef, { amount_to_capture: amountMinor }, { idempotencyKey });
    } catch (err) {
      // Captured earlier under another key (a webhook raced us, or a manual capture): the goal is reached.
      if (await this.alreadyIn(providerRef, err, 'succeeded')) return;
      throw this.providerError('capture', err);
    }
  }

  async void(providerRef: string, idempotencyKey: string): Promise<void> {
    try {
      await this.stripe.paymentIntents.cancel(providerRef, {}, { idempotencyKey });
    } catch (err) {
      if (await this.alreadyIn(providerRef, err, 'canceled')) return;
      throw this.providerError('void', err);
    }
  }

  async refund(providerRef: string, amountMinor: number, reason: string, idempotencyKey: string): Promise<{ refundRef: string | null }> {
    try {
      const r = await this.stripe.refunds.create(
        { payment_intent: providerRef, amount: amountMinor, reason: 'requested_by_customer', metadata: { reason: reason.slice(0, 500) } },
        { idempotencyKey },
      );
      return { refundRef: r.id };
    } catch (err) {
      throw this.providerError('refund', err);
    }
  }

  /** Verifies the signature with the SDK (the v1 HMAC scheme, 300 s tolerance) and reads the event in our words. */
  verify(rawBody: string, signature: string | undefined): ProviderEvent {
    let event: Stripe.Event;
    try {
      event = this.stripe.webhooks.constructEvent(rawBody, signature ?? '', this.s.webhookSecret);
    } catch (err) {
      throw new AppError('WEBHOOK_SIGNATURE_INVALID', 'The webhook signature does not verify', { cause: err, details: [{ field: 'headers.stripe-signature', reason: 'bad_signature', message: 'not signed with our webhook secret, or too old' }] });
    }
    return readEvent(event);
  }

  /** True when the PaymentIntent already is where the failed call wanted it (an "unexpected state" answer). */
  private async alreadyIn(providerRef: string, err: unknown, status: Stripe.PaymentIntent.Status): Promise<boolean> {
    if (!(err instanceof Stripe.errors.StripeInvalidRequestError)) return false;
    const pi = await this.stripe.paymentIntents.retrieve(providerRef).catch(() => null);
    return pi?.status === status;
  }

  private providerError(call: string, err: unknown): AppError {
    const e = err as { type?: string; code?: string; statusCode?: number; requestId?: string; message?: string };
    this.logger.error({ call, type: e.type, code: e.code, statusCode: e.statusCode, requestId: e.requestId, message: e.message }, 'Stripe call failed');
    return new AppError('PAYMENT_PROVIDER_ERROR', `The payment provider failed (${call})`, { cause: err, expose: true, details: [{ reason: e.code ?? e.type ?? 'provider_error', message: 'retry later' }] });
  }
}

function readEvent(event: Stripe.Event): ProviderEvent {
  const base = { id: event.id, type: event.type, providerRef: null, amountMinor: null, declineCode: null };
  switch (event.type) {
    case 'payment_intent.amount_capturable_updated':
      return { ...base, kind: 'authorized', providerRef: event.data.object.id, amountMinor: event.data.object.amount_capturable };
    case 'payment_intent.succeeded':
      return { ...base, kind: 'captured', providerRef: event.data.object.id, amountMinor: event.data.object.amount_received };
    case 'payment_intent.canceled':
      return { ...base, kind: 'voided', providerRef: event.data.object.id };
    case 'payment_intent.payment_failed': {
      const pi = event.data.object;
      return { ...base, kind: 'failed', providerRef: pi.id, declineCode: pi.last_payment_error?.decline_code ?? pi.last_payment_error?.code ?? null };
    }
    case 'charge.refunded': {
      const pi = event.data.object.payment_intent;
      return { ...base, kind: 'refunded', providerRef: typeof pi === 'string' ? pi : (pi?.id ?? null), amountMinor: event.data.object.amount_refunded };
    }
    default:
      return { ...base, kind: 'other' };
  }
}
