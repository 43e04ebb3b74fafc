import { AppError, validationError } from '../shared/errors.js';
import type { LocalizedText } from '../catalog/category.js';

/**
 * The checkout's price: one priced order per store, from prices re-read at checkout.
 * Pure: the caller reads prices, fees (quoteDelivery, from `delivery.feeBands`), the
 * minimum order and `vat.rateBps`, and freezes what this answers.
 *
 * The VAT rule: VAT is added on top of prices (they are net), on each order's items
 * subtotal plus its delivery fee, at `vat.rateBps` basis points, rounded once per order
 * to a whole minor unit, half up (a half unit goes to the tax office). Rounding per
 * order, not per line, is what the store's invoice shows; the checkout's VAT is the
 * sum of its orders' VAT, so every total adds up exactly in integer minor units.
 */

export interface PricingLine {
  variantId: string;
  productId: string;
  name: LocalizedText;
  /** The unit price read now (minor units). */
  unitPriceMinor: number;
  quantity: number;
}

export interface StoreGroup {
  storeId: string;
  lines: PricingLine[];
  /** From the delivery quote to the customer's point. */
  deliveryFeeMinor: number;
  /** The store's minimum items subtotal (or the marketplace default). */
  minimumOrderMinor: number;
}

export interface PricedLine extends PricingLine {
  lineTotalMinor: number;
}

export interface PricedOrder {
  storeId: string;
  lines: PricedLine[];
  subtotalMinor: number;
  deliveryFeeMinor: number;
  vatMinor: number;
  /** subtotal + delivery fee + VAT. */
  totalMinor: number;
}

export interface CheckoutTotals {
  subtotalMinor: number;
  deliveryFeesMinor: number;
  vatMinor: number;
  /** The sum of the orders' totals. */
  totalMinor: number;
}

export interface PricedCheckout {
  orders: PricedOrder[];
  totals: CheckoutTotals;
  vatRateBps: number;
}

const minorAmount = (n: number, field: string): number => {
  if (!Number.isSafeInteger(n) || n < 0) throw validationError(`${field} must be a whole, non-negative number of minor units`, [{ field, message: 'a non-negative integer' }]);
  return n;
};

/** VAT on `baseMinor` at `rateBps`, half up; in BigInt so a large base times the rate never loses a unit to floating point. */
export function vatOf(baseMinor: number, rateBps: number): number {
  minorAmount(baseMinor, 'base');
  if (!Number.isInteger(rateBps) || rateBps < 0 || rateBps > 10_000) throw validationError('rateBps must be 0 to 10000', [{ field: 'vat.rateBps', message: '0 to 10000' }]);
  return Number((BigInt(baseMinor) * BigInt(rateBps) + 5_000n) / 10_000n);
}

/** Prices every store group; refuses a store under its minimum order (BELOW_MINIMUM_ORDER, naming each such store). */
export function priceCheckout(groups: readonly StoreGroup[], vatRateBps: number): PricedCheckout {
  if (groups.length === 0) throw new AppError('CART_EMPTY', 'The cart is empty', { details: [{ field: 'cart', reason: 'cart_empty', message: 'add something first' }] });
  const orders = groups.map(priceGroup(vatRateBps));
  const short = orders.flatMap((o, i) => {
    const min = groups[i]!.minimumOrderMinor;
    return o.subtotalMinor < min ? [{ field: 'cart', reason: 'below_minimum_order', storeId: o.storeId, minimumOrderMinor: min, subtotalMinor: o.subtotalMinor, shortfallMinor: min - o.subtotalMinor, message: `the store's minimum order is ${min}` }] : [];
  });
  if (short.length > 0) throw new AppError('BELOW_MINIMUM_ORDER', 'A store is under its minimum order', { details: short });
  const sum = (f: (o: PricedOrder) => number) => orders.reduce((s, o) => s + f(o), 0);
  const totals = { subtotalMinor: sum((o) => o.subtotalMinor), deliveryFeesMinor: sum((o) => o.deliveryFeeMinor), vatMinor: sum((o) => o.vatMinor), totalMinor: sum((o) => o.totalMinor) };
  if (!Number.isSafeInteger(totals.totalMinor)) throw validationError('The checkout total is out of range', [{ field: 'cart', message: 'too large' }]);
  return { orders, totals, vatRateBps };
}

const priceGroup = (vatRateBps: number) => (g: StoreGroup): PricedOrder => {
  if (g.lines.length === 0) throw validationError('A store group needs a line', [{ field: 'lines', message: 'at least one' }]);
  const lines = g.lines.map((l, i) => {
    minorAmount(l.unitPriceMinor, `lines.${i}.unitPriceMinor`);
    if (!Number.isInteger(l.quantity) || l.quantity < 1) throw validationError('A quantity is a whole number of at least 1', [{ field: `lines.${i}.quantity`, reason: 'quantity_out_of_range', message: 'at least 1' }]);
    return { ...l, lineTotalMinor: l.unitPriceMinor * l.quantity };
  });
  const subtotalMinor = lines.reduce((s, l) => s + l.lineTotalMinor, 0);
  const deliveryFeeMinor = minorAmount(g.deliveryFeeMinor, 'deliveryFeeMinor');
  const vatMinor = vatOf(subtotalMinor + deliveryFeeMinor, vatRateBps);
  return { storeId: g.storeId, lines, subtotalMinor, deliveryFeeMinor, vatMinor, totalMinor: subtotalMinor + deliveryFeeMinor + vatMinor };
};
