import { AppError, notFound, validationError } from '../../shared/errors.js';
import type { Principal } from '../../shared/principal.js';
import { openingState } from '../../catalog/opening-hours.js';
import { quoteDelivery } from '../../catalog/delivery-quote.js';
import type { AddressRepository, InventoryRepository, ProductRepository, StoreRepository, ZoneLookup } from '../../catalog/ports.js';
import type { SettingsReader } from '../../platform/ports.js';
import type { CartForCheckout, CheckoutCart } from '../ports.js';
import type { StoreGroup } from '../checkout-pricing.js';
import type { PlaceOrdersInput } from './place-orders.js';

/**
 * The checkout's read-only half: the cart, the address and everything priced from
 * it, re-read now and checked, each refusal a coded error. Nothing here writes, so
 * a refusal leaves nothing behind.
 */
export interface CheckoutReadDeps {
  cartCheckout: CartForCheckout;
  products: ProductRepository;
  stores: StoreRepository;
  inventory: InventoryRepository;
  addresses: AddressRepository;
  zoneLookup: ZoneLookup;
  liveSettings: SettingsReader;
}

/** What the customer confirmed on screen; optional, but when sent it must match exactly. */
export interface ConfirmedLine {
  variantId: string;
  quantity: number;
  unitPriceMinor: number;
}

export interface CheckoutRequest {
  addressId?: string | undefined;
  lines?: ConfirmedLine[] | undefined;
  expectedTotalMinor?: number | undefined;
}

/** The customer's cart; no cart at all is an empty cart. */
export async function readCart(deps: CheckoutReadDeps, principal: Principal): Promise<CheckoutCart> {
  const cart = await deps.cartCheckout.forCheckout(principal).catch((err: { code?: string }) => {
    if (err.code === 'NOT_FOUND') return null;
    throw err;
  });
  if (!cart || cart.lines.length === 0) throw new AppError('CART_EMPTY', 'The cart is empty', { details: [{ field: 'cart', reason: 'cart_empty', message: 'add something first' }] });
  return cart;
}

/** The lines the customer confirmed are the cart's lines, same variants and quantities; otherwise the cart changed under them. */
export function assertSameLines(cart: CheckoutCart, confirmed: ConfirmedLine[] | undefined): void {
  if (!confirmed) return;
  const inCart = new Map(cart.lines.map((l) => [l.variantId, l.quantity]));
  const mismatch = confirmed.length !== cart.lines.length || confirmed.some((l) => inCart.get(l.variantId) !== l.quantity);
  if (mismatch) {
    throw new AppError('CONFLICT', 'The lines sent are not the cart\'s lines; review the cart and check out again', { details: [{ field: 'body.lines', reason: 'cart_changed', message: 'variants or quantities differ from the cart' }] });
  }
}

/** The dropoff: the address named in the request, else the cart's; one of the customer's own, live addresses. */
export async function readDropoff(deps: CheckoutReadDeps, cart: CheckoutCart, addressId: string | undefined): Promise<PlaceOrdersInput['dropoff']> {
  const id = addressId ?? cart.destination?.addressId ?? null;
  if (!id) throw validationError('Choose a delivery address', [{ field: 'body.addressId', reason: 'address_required', message: 'send addressId, or choose an address on the cart' }]);
  const address = await deps.addresses.findById(id);
  if (!address || address.isDeleted || address.customerId !== cart.customerId) throw notFound('Address');
  const a = address.toProps();
  return { point: { lat: a.point.lat, lng: a.point.lng }, addressId: a.id, label: a.label, line: a.line, building: a.building, floor: a.floor, notes: a.notes };
}

/**
 * One group per store, priced from what is true now: each product active, each store
 * listed and open, the dropoff in its zone and fee bands, the stock there, and each
 * unit price what the customer saw (their confirmed price, else the price when added).
 */
export async function readStoreGroups(deps: CheckoutReadDeps, cart: CheckoutCart, point: { lat: number; lng: number }, confirmed: ConfirmedLine[] | undefined, now: Date): Promise<StoreGroup[]> {
  const seen = new Map((confirmed ?? []).map((l) => [l.variantId, l.unitPriceMinor]));
  const byStore = new Map<string, StoreGroup>();
  const changed: Record<string, unknown>[] = [];
  const covering = new Set(deps.zoneLookup.storesCovering(point));
  const bands = deps.liveSettings.get('delivery.feeBands');
  for (const line of cart.lines) {
    const product = await deps.products.findByVariantId(line.variantId);
    const variant = product?.toProps().variants.find((v) => v.id === line.variantId);
    if (!product || !variant || product.toProps().status !== 'active') {
      throw new AppError('PRODUCT_UNAVAILABLE', 'A product in the cart is no longer for sale', { details: [{ field: 'cart', reason: 'product_unavailable', variantId: line.variantId, message: 'remove it from the cart' }] });
    }
    const storeId = product.toProps().storeId;
    let group = byStore.get(storeId);
    if (!group) {
      group = await storeGroup(deps, storeId, point, covering.has(storeId), bands, now);
      byStore.set(storeId, group);
    }
    const level = await deps.inventory.findLevel(line.variantId);
    if (!level?.allowBackorder && (level?.available ?? 0) < line.quantity) {
      throw new AppError('INSUFFICIENT_STOCK', 'Not enough stock', { details: [{ field: 'cart', reason: 'insufficient_stock', variantId: line.variantId, requested: line.quantity, available: Math.max(0, level?.available ?? 0), message: 'more than is available' }] });
    }
    const expected = seen.get(line.variantId) ?? line.priceAtAddMinor;
    if (expected !== variant.price) changed.push({ field: 'cart', reason: 'price_changed', variantId: line.variantId, expectedMinor: expected, currentMinor: variant.price, message: 'the price is not the one confirmed' });
    group.lines.push({ variantId: line.variantId, productId: product.id, name: product.toProps().name, unitPriceMinor: variant.price, quantity: line.quantity });
  }
  if (changed.length > 0) throw new AppError('PRICE_CHANGED', 'A price changed; review the cart and confirm the new prices', { details: changed });
  return [...byStore.values()];
}

async function storeGroup(deps: CheckoutReadDeps, storeId: string, point: { lat: number; lng: number }, inZone: boolean, bands: ReturnType<SettingsReader['get']>, now: Date): Promise<StoreGroup> {
  const store = await deps.stores.findById(storeId);
  if (!store) throw notFound('Store');
  const s = store.toProps();
  const state = openingState(s.hours, now);
  const quote = quoteDelivery({ store: s, point, inZone, bands: bands as Parameters<typeof quoteDelivery>[0]['bands'] });
  if (quote.reason === 'store_not_listed' || !state.openNow) {
    throw new AppError('STORE_CLOSED', 'A store in the cart is not taking orders now', { details: [{ field: 'cart', reason: quote.reason ?? 'store_closed_now', storeId, nextOpeningAt: state.nextOpeningAt, message: 'the store is closed' }] });
  }
  if (!quote.deliversHere || quote.feeMinor === null) {
    throw new AppError('OUTSIDE_DELIVERY_ZONE', 'A store does not deliver to this address', { details: [{ field: 'body.addressId', reason: quote.reason ?? 'outside_zone', storeId, distanceM: Math.round(quote.distanceM), message: 'the address is outside the store\'s delivery area' }] });
  }
  const minimumOrderMinor = s.minimumOrder > 0 ? s.minimumOrder : deps.liveSettings.get('order.minimumDefaultMinor');
  return { storeId, lines: [], deliveryFeeMinor: quote.feeMinor, minimumOrderMinor };
}

/** The total the customer saw, when they sent it, must be the total now. */
export function assertExpectedTotal(expected: number | undefined, totalMinor: number): void {
  if (expected !== undefined && expected !== totalMinor) {
    throw new AppError('PRICE_CHANGED', 'The total changed; review the cart and confirm the new total', { details: [{ field: 'body.expectedTotalMinor', reason: 'total_changed', expectedMinor: expected, currentMinor: totalMinor, message: 'the total is not the one confirmed' }] });
  }
}
