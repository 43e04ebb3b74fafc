import { id, text, z } from '../zod.js';
import { pageRequest } from '../../domain/shared/pagination.js';
import { MANUAL_MOVEMENT_KINDS, MAX_QUANTITY, MOVEMENT_KINDS } from '../../domain/catalog/inventory.js';
import type { RecordStockMovement } from '../../domain/catalog/use-cases/record-stock-movement.js';
import type { ConfigureStock } from '../../domain/catalog/use-cases/configure-stock.js';
import type { CatalogQueries } from '../../domain/catalog/use-cases/catalog-queries.js';
import { defineRoute, roles, type RouteSpec } from '../route-kit.js';
import { pageQuery, pageSchema } from '../envelope.js';
import { EXAMPLE_ID } from './example-ids.js';

export interface InventoryRouteDeps {
  recordStockMovement: RecordStockMovement;
  configureStock: ConfigureStock;
  catalogQueries: CatalogQueries;
}

export const stockLevelSchema = z
  .object({
    variantId: z.string(), productId: z.string(), storeId: z.string(),
    onHand: z.number().int(), reserved: z.number().int(), available: z.number().int(),
    allowBackorder: z.boolean(), lowStockThreshold: z.number().int().nullable(), low: z.boolean(), version: z.number().int(), updatedAt: z.string(),
  })
  .openapi('StockLevel', { example: { variantId: EXAMPLE_ID.variant, productId: EXAMPLE_ID.product, storeId: EXAMPLE_ID.store, onHand: 36, reserved: 2, available: 34, allowBackorder: false, lowStockThreshold: 5, low: false, version: 7, updatedAt: '2026-01-10T05:40:00.000Z' } });
const movementSchema = z
  .object({ id: z.string(), variantId: z.string(), storeId: z.string(), kind: z.enum(MOVEMENT_KINDS), onHandDelta: z.number().int(), reservedDelta: z.number().int(), reservationId: z.string().nullable(), key: z.string().nullable(), note: z.string().nullable(), at: z.string() })
  .openapi('StockMovement', {
    example: { id: EXAMPLE_ID.movement, variantId: EXAMPLE_ID.variant, storeId: EXAMPLE_ID.store, kind: 'receipt', onHandDelta: 24, reservedDelta: 0, reservationId: null, key: 'delivery-note-2026-01-10-17', note: 'Morning delivery', at: '2026-01-10T05:40:00.000Z' },
  });

const movementBody = z
  .strictObject({
    kind: z.enum(MANUAL_MOVEMENT_KINDS),
    quantity: z.number().int('must be a whole number').min(-MAX_QUANTITY).max(MAX_QUANTITY).refine((q) => q !== 0, { message: 'must not be 0' }),
    key: z.string().min(8).max(128).regex(/^[A-Za-z0-9._:-]+$/),
    note: text(500).nullable().optional(),
  })
  .openapi({ example: { kind: 'receipt', quantity: 24, key: 'delivery-note-2026-01-10-17', note: 'Morning delivery' } });
const settingsBody = z
  .strictObject({ allowBackorder: z.boolean().optional(), lowStockThreshold: z.number().int().min(0).max(MAX_QUANTITY).nullable().optional() })
  .refine((b) => Object.keys(b).length > 0, { message: 'at least one field is required' })
  .openapi({ example: { lowStockThreshold: 5 } });

/** Stock of one variant: the store's owner (or `stores:manage`) reads it and records receipts, adjustments and returns. */
export function inventoryRoutes(d: InventoryRouteDeps): RouteSpec[] {
  const tags = ['inventory'];
  const params = z.strictObject({ variantId: id });
  const owners = roles('store_owner', 'admin');
  return [
    defineRoute({
      method: 'get', path: '/api/v1/variants/:variantId/stock', tags, access: owners, hidesForeign: true,
      summary: 'On hand, reserved and available (on hand − reserved) of a variant of your store', params, response: stockLevelSchema, errors: ['NOT_FOUND'],
      handler: ({ auth, params: p }) => d.catalogQueries.stock(auth, p.variantId),
    }),
    defineRoute({
      method: 'patch', path: '/api/v1/variants/:variantId/stock', tags, access: owners, hidesForeign: true,
      summary: 'Allow backorders or set the low-stock threshold (catalog.stock.low is raised once per crossing)',
      params, body: settingsBody, response: stockLevelSchema, errors: ['NOT_FOUND'],
      handler: ({ auth, params: p, body }) => d.configureStock.execute(auth, p.variantId, body),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/variants/:variantId/stock/movements', tags, access: owners, hidesForeign: true, status: 201,
      summary: 'Record a receipt, adjustment (signed) or return; the key makes a retry record it once. Below 0 is INSUFFICIENT_STOCK',
      params, body: movementBody, response: stockLevelSchema, errors: ['NOT_FOUND', 'INSUFFICIENT_STOCK', 'CONFLICT'],
      handler: ({ auth, params: p, body }) => d.recordStockMovement.execute(auth, p.variantId, body),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/variants/:variantId/stock/movements', tags, access: owners, hidesForeign: true,
      summary: "The variant's stock movements, newest first (they sum to on hand and reserved)",
      params, query: z.strictObject(pageQuery), response: pageSchema(movementSchema), errors: ['NOT_FOUND'],
      handler: ({ auth, params: p, query }) => d.catalogQueries.movements(auth, p.variantId, pageRequest(query.page, query.limit)),
    }),
  ];
}
