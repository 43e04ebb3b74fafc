import { z } from 'zod';
import { defineEvent, type NewEvent } from '../shared/events.js';
import { PRODUCT_STATUSES, type Product } from './product.js';
import type { StockLevel } from './inventory.js';

const id = z.string().min(1).max(128);
const at = z.iso.datetime();
/** Created and updated carry the same facts: the product's state after the change. */
const productPayload = z.strictObject({ productId: id, storeId: id, status: z.enum(PRODUCT_STATUSES), variantIds: z.array(id).min(1), at });

export const productCreated = defineEvent({
  type: 'catalog.product.created',
  version: 1,
  aggregateType: 'product',
  description: 'A store owner (or an admin) created a product with its variants.',
  payload: productPayload,
});

export const productUpdated = defineEvent({
  type: 'catalog.product.updated',
  version: 1,
  aggregateType: 'product',
  description: 'A product changed: names, category, status, attributes, variants or images.',
  payload: productPayload,
});

export const stockLow = defineEvent({
  type: 'catalog.stock.low',
  version: 1,
  aggregateType: 'stock_level',
  description: "A variant's available stock fell to or below its low-stock threshold (once per crossing; it re-arms when stock rises above).",
  payload: z.strictObject({ variantId: id, productId: id, storeId: id, available: z.number().int(), threshold: z.number().int().min(0), at }),
});

export const CATALOG_PRODUCT_EVENTS = [productCreated, productUpdated, stockLow] as const;

export function productEvent(type: 'created' | 'updated', product: Product, at: Date): NewEvent {
  const p = product.toProps();
  return {
    type: type === 'created' ? productCreated.type : productUpdated.type,
    aggregateId: p.id,
    aggregateVersion: p.version,
    occurredAt: at.toISOString(),
    payload: { productId: p.id, storeId: p.storeId, status: p.status, variantIds: p.variants.map((v) => v.id), at: at.toISOString() },
  };
}

export function stockLowEvent(level: StockLevel, at: Date): NewEvent {
  return {
    type: stockLow.type,
    aggregateId: level.variantId,
    aggregateVersion: level.version,
    occurredAt: at.toISOString(),
    payload: { variantId: level.variantId, productId: level.productId, storeId: level.storeId, available: level.available, threshold: level.lowStockThreshold ?? 0, at: at.toISOString() },
  };
}
