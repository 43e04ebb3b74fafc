import { randomUUID } from 'node:crypto';
import type { OrderLine, PaymentMethod } from '../../domain/ordering/order.js';
import type { PlaceOrdersInput, StoreOrderInput } from '../../domain/ordering/use-cases/place-orders.js';

/** A priced line as the checkout freezes it. */
export const line = (unitPriceMinor = 12_500, quantity = 2, over: Partial<OrderLine> = {}): OrderLine => ({
  variantId: `v-${randomUUID().slice(0, 8)}`,
  productId: `p-${randomUUID().slice(0, 8)}`,
  name: { ar: 'شاورما', en: 'Shawarma' },
  unitPriceMinor,
  quantity,
  lineTotalMinor: unitPriceMinor * quantity,
  ...over,
});

/** What a checkout hands PlaceOrders: one order per store of `storeIds`. */
export function checkoutOf(customerId: string, storeIds: string[], over: { paymentMethod?: PaymentMethod; stores?: Partial<StoreOrderInput>[] } = {}): PlaceOrdersInput {
  return {
    checkoutId: `co-${randomUUID()}`,
    customerId,
    currency: 'SYP',
    paymentMethod: over.paymentMethod ?? 'cash',
    dropoff: { point: { lat: 33.5183, lng: 36.2946 }, addressId: null, label: 'Home', line: '12 Baghdad St', building: '4', floor: '2', notes: 'ring twice' },
    stores: storeIds.map((storeId, i) => ({ storeId, lines: [line(), line(3_000, 1)], deliveryFeeMinor: 50_000, vatMinor: 2_800, ...(over.stores?.[i] ?? {}) })),
  };
}
