import { id, z } from '../zod.js';
import { MAX_CART_LINES, MAX_LINE_QUANTITY } from '../../domain/ordering/cart.js';
import { PAYMENT_METHODS } from '../../domain/ordering/payment.js';
import type { PlaceCheckout } from '../../domain/ordering/use-cases/place-checkout.js';
import { defineRoute, roles, type RouteSpec } from '../route-kit.js';
import { IDEMPOTENCY_HEADER } from '../middleware/idempotency.js';

export interface CheckoutRouteDeps {
  placeCheckout: PlaceCheckout;
}

const minor = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const EXAMPLE = {
  id: '5d0c8f7e-2a41-4b8e-9c3d-1f6a7b8c9d0e',
  customerId: '8a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d',
  idempotencyKey: '0b9f3c1e-7d2a-4e5f-8a6b-9c0d1e2f3a4b',
  cartId: 'c2a1b3d4-e5f6-4789-9abc-def012345678',
  currency: 'SYP',
  paymentMethod: 'card',
  vatRateBps: 1_100,
  orders: [
    { orderId: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d', number: 'D-260106-0042', storeId: 'b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e', subtotalMinor: 28_000, deliveryFeeMinor: 50_000, vatMinor: 8_580, totalMinor: 86_580 },
    { orderId: '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e', number: 'D-260106-0043', storeId: 'c2d3e4f5-a6b7-4c8d-9e0f-1a2b3c4d5e6f', subtotalMinor: 299_997, deliveryFeeMinor: 100_000, vatMinor: 44_000, totalMinor: 443_997 },
  ],
  totals: { subtotalMinor: 327_997, deliveryFeesMinor: 150_000, vatMinor: 52_580, totalMinor: 530_577 },
  createdAt: '2026-01-06T12:00:00.000Z',
};

const totals = z.object({ subtotalMinor: minor, deliveryFeesMinor: minor, vatMinor: minor, totalMinor: minor });
export const checkoutSchema = z
  .object({
    id: z.string(),
    customerId: z.string(),
    idempotencyKey: z.string(),
    cartId: z.string(),
    currency: z.string(),
    paymentMethod: z.enum(PAYMENT_METHODS),
    vatRateBps: z.number().int(),
    orders: z.array(z.object({ orderId: z.string(), number: z.string(), storeId: z.string(), subtotalMinor: minor, deliveryFeeMinor: minor, vatMinor: minor, totalMinor: minor })),
    totals: totals.openapi({ description: 'Sums of the orders\' figures: they always add up, in integer minor units' }),
    createdAt: z.string(),
  })
  .openapi('Checkout', { example: EXAMPLE });

const confirmedLine = z.strictObject({
  variantId: id,
  quantity: z.number().int().min(1).max(MAX_LINE_QUANTITY),
  unitPriceMinor: minor.openapi({ description: 'The unit price the customer was shown' }),
});

const checkoutBody = z
  .strictObject({
    paymentMethod: z.enum(PAYMENT_METHODS),
    paymentMethodToken: z.string().min(1).max(255).optional().openapi({ description: 'card: the provider\'s payment method (e.g. pm_card_visa)' }),
    addressId: id.optional().openapi({ description: 'One of your addresses; defaults to the address chosen on the cart' }),
    expectedTotalMinor: minor.optional().openapi({ description: 'The total you were shown: 409 PRICE_CHANGED when it is not the total now' }),
    lines: z.array(confirmedLine).min(1).max(MAX_CART_LINES).optional().openapi({ description: 'The lines you were shown: they must be the cart\'s lines at these prices' }),
  })
  .refine((b) => b.paymentMethod !== 'card' || b.paymentMethodToken !== undefined, { message: 'a card checkout needs paymentMethodToken', path: ['paymentMethodToken'] })
  .openapi('CheckoutRequest', { example: { paymentMethod: 'card', paymentMethodToken: 'pm_card_visa', addressId: '3f1c2a9e-5b7d-4c1e-9a2f-6d8e0b4c7a11', expectedTotalMinor: 530_577 } });

/** /api/v1/checkout: the customer's cart becomes one checkout and one order per store, once per Idempotency-Key. */
export function checkoutRoutes(d: CheckoutRouteDeps): RouteSpec[] {
  return [
    defineRoute({
      method: 'post', path: '/api/v1/checkout', tags: ['checkout'], access: roles('customer'), status: 201, idempotency: 'required',
      summary: 'Check out your cart: re-checks prices, stock, opening and delivery zones, holds the card, then reserves stock and places one order per store in one transaction',
      body: checkoutBody, response: checkoutSchema,
      errors: ['CART_EMPTY', 'PRODUCT_UNAVAILABLE', 'STORE_CLOSED', 'OUTSIDE_DELIVERY_ZONE', 'BELOW_MINIMUM_ORDER', 'PRICE_CHANGED', 'INSUFFICIENT_STOCK', 'CONFLICT', 'NOT_FOUND', 'PAYMENT_DECLINED', 'PAYMENT_METHOD_UNAVAILABLE', 'PAYMENT_PROVIDER_ERROR'],
      handler: async ({ auth, body, ctx }) => (await d.placeCheckout.execute(auth, { ...body, idempotencyKey: ctx.get(IDEMPOTENCY_HEADER) })).checkout,
    }),
  ];
}
