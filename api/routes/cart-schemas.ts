import { id, z } from '../zod.js';
import { CART_STATUSES, MAX_LINE_QUANTITY } from '../../domain/ordering/cart.js';
import { point } from './store-schemas.js';

const EXAMPLE_LINE = {
  variantId: '6b1d2c3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e',
  productId: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
  name: { ar: 'خبز صاج', en: 'Saj bread' },
  sku: 'SAJ-6',
  quantity: 2,
  priceAtAddMinor: 150_000,
  unitPriceMinor: 175_000,
  lineTotalMinor: 350_000,
  priceChanged: true,
  problem: null,
  addedAt: '2026-01-01T12:00:00.000Z',
};
const EXAMPLE_GROUP = {
  store: { id: '0f9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e6f', name: 'Al-Sham Bakery' },
  openNow: true,
  nextOpeningAt: null,
  lines: [EXAMPLE_LINE],
  subtotalMinor: 350_000,
  delivery: { deliversHere: true, distanceM: 1_840, feeMinor: 50_000, reason: null },
  minimumOrderMinor: 500_000,
  shortfallMinor: 150_000,
};
export const CART_EXAMPLE = {
  id: '7c6b5a49-3827-4160-9f8e-7d6c5b4a3928',
  kind: 'customer',
  status: 'active',
  version: 4,
  currency: 'SYP',
  destination: { addressId: '3f1c2a9e-5b7d-4c1e-9a2f-6d8e0b4c7a11', point: { lat: 33.5183, lng: 36.2946 } },
  groups: [EXAMPLE_GROUP],
  itemsSubtotalMinor: 350_000,
  deliveryFeesMinor: 50_000,
  totalMinor: 400_000,
  checkoutReady: false,
  lastActivityAt: '2026-01-01T12:00:00.000Z',
  expiresAt: '2026-01-04T12:00:00.000Z',
};

const lineSchema = z.object({
  variantId: z.string(),
  productId: z.string(),
  name: z.object({ ar: z.string(), en: z.string() }).nullable(),
  sku: z.string().nullable(),
  quantity: z.number().int(),
  priceAtAddMinor: z.number().int().openapi({ description: 'Unit price when the line was added, minor units' }),
  unitPriceMinor: z.number().int().nullable().openapi({ description: "Today's unit price; null when the product is gone" }),
  lineTotalMinor: z.number().int(),
  priceChanged: z.boolean().openapi({ description: "Today's price differs from priceAtAddMinor" }),
  problem: z.enum(['product_unavailable', 'store_closed', 'insufficient_stock']).nullable().openapi({ description: 'Why the line cannot be checked out now' }),
  addedAt: z.string(),
}).openapi('CartLine', { example: EXAMPLE_LINE });

const groupSchema = z.object({
  store: z.object({ id: z.string(), name: z.string().nullable() }),
  openNow: z.boolean(),
  nextOpeningAt: z.string().nullable(),
  lines: z.array(lineSchema),
  subtotalMinor: z.number().int(),
  delivery: z.object({
    deliversHere: z.boolean(),
    distanceM: z.number().int(),
    feeMinor: z.number().int().nullable(),
    reason: z.enum(['store_not_listed', 'outside_zone', 'beyond_fee_bands']).nullable(),
  }).nullable().openapi({ description: 'Null until the cart has a destination' }),
  minimumOrderMinor: z.number().int(),
  shortfallMinor: z.number().int().openapi({ description: 'How much more this store needs before it accepts the order' }),
}).openapi('CartStoreGroup', { example: EXAMPLE_GROUP });

export const cartSchema = z.object({
  id: z.string().nullable().openapi({ description: 'Null: no cart yet (the first add makes one)' }),
  kind: z.enum(['customer', 'guest']),
  status: z.enum(CART_STATUSES),
  version: z.number().int(),
  currency: z.string(),
  destination: z.object({ addressId: z.string().nullable(), point: z.object({ lat: z.number(), lng: z.number() }) }).nullable(),
  groups: z.array(groupSchema),
  itemsSubtotalMinor: z.number().int(),
  deliveryFeesMinor: z.number().int(),
  totalMinor: z.number().int().openapi({ description: 'Items plus delivery fees, before VAT' }),
  checkoutReady: z.boolean(),
  lastActivityAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
}).openapi('Cart', { example: CART_EXAMPLE });

export const guestCartSchema = z.object({
  cartToken: z.string().openapi({ description: 'Shown once: send it as X-Cart-Token, and as cartToken when logging in', example: 'kq3V0m2pX9c8rT1yQe6LzA4bN7dG5hJ0sW2uF8oI3xY' }),
  cart: cartSchema,
}).openapi('GuestCart');

const mergeNote = z.object({ variantId: z.string(), reason: z.enum(['unavailable', 'cart_full', 'capped']) }).openapi({ example: { variantId: EXAMPLE_LINE.variantId, reason: 'capped' } });
export const mergeSchema = z.object({
  merged: z.boolean().openapi({ description: 'False when this guest cart was already merged into yours (a retry)' }),
  notes: z.array(mergeNote),
  cart: cartSchema,
}).openapi('CartMerge', { example: { merged: true, notes: [{ variantId: EXAMPLE_LINE.variantId, reason: 'capped' }], cart: CART_EXAMPLE } });

/** What a login reports about the guest cart token it was given. */
export const loginMergeSchema = z.union([
  z.object({ merged: z.boolean(), cartId: z.string(), notes: z.array(mergeNote) }),
  z.object({ merged: z.literal(false), error: z.string().openapi({ description: 'The error code merging met (NOT_FOUND, CONFLICT…); the login itself succeeded' }) }),
]).openapi({ example: { merged: true, cartId: CART_EXAMPLE.id, notes: [] } });

const quantity = z.number().int().min(1).max(MAX_LINE_QUANTITY);
export const addLineBody = z.strictObject({ variantId: id, quantity }).openapi('NewCartLine', { example: { variantId: EXAMPLE_LINE.variantId, quantity: 2 } });
export const setQuantityBody = z.strictObject({ quantity }).openapi({ example: { quantity: 3 } });
export const destinationBody = z.union([z.strictObject({ addressId: id }), z.strictObject({ point })]).openapi('CartDestination', { example: { addressId: CART_EXAMPLE.destination.addressId } });
export const mergeBody = z.strictObject({ cartToken: z.string().max(64).optional().openapi({ description: 'Or send it as the X-Cart-Token header' }) }).openapi({ example: {} });
export const lineParams = z.strictObject({ variantId: id });
