import { text, z } from '../zod.js';
import { PAYMENT_METHODS, PAYMENT_STATUSES, REFUND_DESTINATIONS } from '../../domain/ordering/payment.js';
import type { PaymentQueries } from '../../domain/ordering/use-cases/payment-queries.js';
import type { RefundPayment } from '../../domain/ordering/use-cases/refund-payment.js';
import type { CollectCashPayment } from '../../domain/ordering/use-cases/collect-cash-payment.js';
import type { HandlePaymentWebhook } from '../../domain/ordering/use-cases/handle-payment-webhook.js';
import { AppError } from '../../domain/shared/errors.js';
import { admin, defineRoute, PUBLIC, roles, type RouteSpec } from '../route-kit.js';
import { id } from './stores.js';
import { EXAMPLE_ID } from './example-ids.js';

export interface PaymentRouteDeps {
  paymentQueries: PaymentQueries;
  refundPayment: RefundPayment;
  collectCashPayment: CollectCashPayment;
  handlePaymentWebhook: HandlePaymentWebhook;
}

const PAYMENT_ID = '5d1e0c7b-3f2a-4b8e-9c6d-1a2b3c4d5e6f';
const at = (m: number) => `2026-01-10T09:${String(m).padStart(2, '0')}:00.000Z`;

const status = z.enum(PAYMENT_STATUSES);
const refundSchema = z.object({
  id: z.string(), amountMinor: z.number().int(), reason: z.string(), providerRef: z.string().nullable(), key: z.string(),
  actor: z.object({ id: z.string(), role: z.string() }).nullable(), at: z.string(),
  destination: z.enum(REFUND_DESTINATIONS).optional().openapi({ description: 'original: back the way it was paid; wallet: into the customer\'s wallet.' }),
});
export const paymentSchema = z
  .object({
    id: z.string(), orderId: z.string(), checkoutId: z.string(), customerId: z.string(), storeId: z.string(),
    method: z.enum(PAYMENT_METHODS), status, amountMinor: z.number().int().openapi({ description: 'Integer minor units of `currency`.' }), currency: z.string(),
    providerRef: z.string().nullable().openapi({ description: "The provider's reference (a Stripe PaymentIntent id), or cash_<paymentId>." }),
    declineCode: z.string().nullable(), capturedMinor: z.number().int(), refundedMinor: z.number().int(), refunds: z.array(refundSchema),
    timeline: z.partialRecord(status, z.string()).openapi({ description: 'When each status was entered (ISO-8601).' }),
    version: z.number().int(), createdAt: z.string(), updatedAt: z.string(),
  })
  .openapi('Payment', {
    example: {
      id: PAYMENT_ID, orderId: EXAMPLE_ID.order, checkoutId: 'f3c1b2a4-6d5e-4f7a-8b9c-0d1e2f3a4b5c', customerId: EXAMPLE_ID.customer, storeId: EXAMPLE_ID.store,
      method: 'card', status: 'partially_refunded', amountMinor: 45_000, currency: 'SYP', providerRef: 'pi_3QfZ8u2eZvKYlo2C0x1y2z3a', declineCode: null,
      capturedMinor: 45_000, refundedMinor: 5_000,
      refunds: [{ id: '0b9a8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d', amountMinor: 5_000, reason: 'One bread bag was missing', providerRef: 're_3QfZ9a2eZvKYlo2C1a2b3c4d', key: 'refund:n1', actor: { id: EXAMPLE_ID.admin, role: 'admin' }, at: at(40) }],
      timeline: { pending: at(5), authorized: at(5), captured: at(7), partially_refunded: at(40) },
      version: 4, createdAt: at(5), updatedAt: at(40),
    },
  });

const minor = z.number().int('must be a whole number of minor units').positive('must be more than 0').max(Number.MAX_SAFE_INTEGER);
const refundBody = z
  .strictObject({
    amountMinor: minor.optional().openapi({ description: 'Omitted: everything captured and not yet refunded.' }),
    reason: text(500, 3),
    destination: z.enum(REFUND_DESTINATIONS).optional().openapi({ description: "original (default): back to the card (a wallet payment: to the wallet); wallet: into the customer's wallet instead, at their wish, with no card refund. Cash collected can only be refunded to the wallet." }),
  })
  .openapi({ example: { amountMinor: 5_000, reason: 'One bread bag was missing' } });
const params = z.strictObject({ orderId: id });
const webhookAck = z.object({ eventId: z.string(), type: z.string(), outcome: z.enum(['applied', 'duplicate', 'ignored']) })
  .openapi({ example: { eventId: 'evt_3QfZ8u2eZvKYlo2C1q2w3e4r', type: 'payment_intent.succeeded', outcome: 'applied' } });

/** Idempotency keys as clients send them (a UUID or similar); anything else is refused rather than stored. */
const idempotencyKey = z.string().regex(/^[A-Za-z0-9_:.-]{8,100}$/, '8–100 letters, digits, _ : . or -');

/**
 * An order's payment: read it (customer, store owner, assigned courier, admins
 * with payments:read), refund it in full or in part (admins with
 * payments:refund), mark cash collected (the courier assigned to the delivery),
 * and the provider's webhook (public, verified by its signature).
 */
export function paymentRoutes(d: PaymentRouteDeps): RouteSpec[] {
  const tags = ['payments'];
  return [
    defineRoute({
      method: 'get', path: '/api/v1/orders/:orderId/payment', tags, access: roles('customer', 'store_owner', 'courier', 'admin'), hidesForeign: true,
      summary: "Read an order's payment: its method, status, amounts in minor units and refunds",
      params, response: paymentSchema, errors: ['NOT_FOUND'],
      handler: ({ auth, params: p }) => d.paymentQueries.byOrder(auth, p.orderId),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/orders/:orderId/payment/refunds', tags, access: admin('payments:refund'), rateLimit: 'strict', status: 201,
      summary: 'Refund a captured payment, in full (no amount) or in part, with a reason. Send an Idempotency-Key header to make a retry answer the first refund instead of making a second',
      params, body: refundBody, response: paymentSchema, errors: ['NOT_FOUND', 'CONFLICT', 'REFUND_EXCEEDS_CAPTURED', 'PAYMENT_METHOD_UNAVAILABLE', 'PAYMENT_PROVIDER_ERROR'],
      handler: ({ auth, params: p, body, ctx }) => {
        const raw = ctx.get('idempotency-key');
        const key = raw ? idempotencyKey.safeParse(raw) : undefined;
        if (key && !key.success) throw refusedKey();
        return d.refundPayment.execute(auth, p.orderId, { reason: body.reason, ...(body.amountMinor !== undefined ? { amountMinor: body.amountMinor } : {}), ...(key?.success ? { key: key.data } : {}), ...(body.destination ? { destination: body.destination } : {}) });
      },
    }),
    defineRoute({
      method: 'post', path: '/api/v1/orders/:orderId/payment/cash-collected', tags, access: roles('courier'), hidesForeign: true,
      summary: 'Cash on delivery: the courier assigned to the delivery marks the cash collected (the payment is captured). Again: the payment as it is',
      params, response: paymentSchema, errors: ['NOT_FOUND', 'CONFLICT'],
      handler: ({ auth, params: p }) => d.collectCashPayment.execute(auth, p.orderId),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/payments/webhooks/stripe', tags, access: PUBLIC,
      summary: "Stripe's webhook: the raw body verified against the Stripe-Signature header (bad: 400, logged, ignored); deduplicated by event id; only ever moves a payment forward",
      response: webhookAck, errors: ['WEBHOOK_SIGNATURE_INVALID'],
      handler: ({ ctx }) => {
        // The signature covers the exact bytes sent: the parser's raw text, never a re-serialised body.
        const raw = (ctx.request as { rawBody?: string }).rawBody ?? '';
        return d.handlePaymentWebhook.execute(raw, ctx.get('stripe-signature') || undefined);
      },
    }),
  ];
}

const refusedKey = () => new AppError('VALIDATION_ERROR', 'Invalid headers', { details: [{ field: 'headers.idempotency-key', message: '8–100 letters, digits, _ : . or -' }] });
