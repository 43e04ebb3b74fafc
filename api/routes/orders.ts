import { id, text, z } from '../zod.js';
import { pageRequest } from '../../domain/shared/pagination.js';
import { ORDER_STATUSES, PAYMENT_METHODS } from '../../domain/ordering/order.js';
import type { TransitionOrder } from '../../domain/ordering/use-cases/transition-order.js';
import type { OrderQueries } from '../../domain/ordering/use-cases/order-queries.js';
import { defineRoute, roles, type RouteSpec } from '../route-kit.js';
import { pageQuery, pageSchema } from '../envelope.js';
import { EXAMPLE_ID } from './example-ids.js';

export interface OrderRouteDeps {
  transitionOrder: TransitionOrder;
  orderQueries: OrderQueries;
}

const status = z.enum(ORDER_STATUSES);
const localized = z.object({ ar: z.string(), en: z.string() });

export const orderSchema = z
  .object({
    id: z.string(),
    number: z.string().openapi({ description: 'Human-readable, unique: D-YYMMDD-NNNN (a per-day sequence, UTC).' }),
    checkoutId: z.string(),
    storeId: z.string(),
    customerId: z.string(),
    lines: z.array(z.object({ variantId: z.string(), productId: z.string(), name: localized, unitPriceMinor: z.number().int(), quantity: z.number().int(), lineTotalMinor: z.number().int() })),
    currency: z.string(),
    totals: z.object({ subtotalMinor: z.number().int(), deliveryFeeMinor: z.number().int(), vatMinor: z.number().int(), totalMinor: z.number().int() }).openapi({ description: 'Integer minor units; total = subtotal + delivery fee + VAT.' }),
    paymentMethod: z.enum(PAYMENT_METHODS),
    dropoff: z.object({ point: z.object({ lat: z.number(), lng: z.number() }), addressId: z.string().nullable(), label: z.string().nullable(), line: z.string(), building: z.string().nullable(), floor: z.string().nullable(), notes: z.string().nullable() }),
    status,
    timeline: z.partialRecord(status, z.string()).openapi({ description: 'When each status was entered (ISO-8601).' }),
    reason: z.string().nullable(),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Order', {
    example: {
      id: EXAMPLE_ID.order, number: 'D-260110-0042', checkoutId: '5d0f3c8e-2b1a-4c7d-9e6f-1a2b3c4d5e6f', storeId: EXAMPLE_ID.store, customerId: EXAMPLE_ID.customer,
      lines: [{ variantId: EXAMPLE_ID.variant, productId: EXAMPLE_ID.product, name: { ar: 'خبز مشروح', en: 'Flatbread' }, unitPriceMinor: 12_500, quantity: 2, lineTotalMinor: 25_000 }],
      currency: 'SYP', totals: { subtotalMinor: 25_000, deliveryFeeMinor: 50_000, vatMinor: 2_500, totalMinor: 77_500 }, paymentMethod: 'cash',
      dropoff: { point: { lat: 33.5183, lng: 36.2946 }, addressId: '3f1c2a9e-5b7d-4c1e-9a2f-6d8e0b4c7a11', label: 'البيت', line: '12 شارع بغداد، دمشق', building: 'بناء 4', floor: '3', notes: 'الباب الأزرق' },
      status: 'preparing', timeline: { placed: '2026-01-10T09:00:02.000Z', confirmed: '2026-01-10T09:03:40.000Z', preparing: '2026-01-10T09:04:10.000Z' },
      reason: null, version: 3, createdAt: '2026-01-10T09:00:02.000Z', updatedAt: '2026-01-10T09:04:10.000Z',
    },
  });

const isoDate = z.iso.datetime({ offset: true }).transform((s) => new Date(s));
const listQuery = z.strictObject({
  ...pageQuery,
  status: z.string().max(200).transform((v) => v.split(',').map((x) => x.trim())).pipe(z.array(status).max(ORDER_STATUSES.length)).optional().openapi({ type: 'string', description: 'One status or several, comma-separated.', example: 'placed,awaiting_payment' }),
  storeId: id.optional(),
  from: isoDate.optional().openapi({ description: 'Placed at or after (ISO-8601).', example: '2026-01-10T00:00:00Z' }),
  to: isoDate.optional().openapi({ description: 'Placed before (ISO-8601).', example: '2026-01-11T00:00:00Z' }),
  number: z.string().regex(/^[A-Za-z0-9-]{1,32}$/, 'letters, digits and dashes').optional().openapi({ description: 'The order number or its beginning (case-insensitive).', example: 'D-260110' }),
});
const reasonBody = z.strictObject({ reason: text(500, 3) }).openapi({ example: { reason: 'Out of flatbread today' } });
const cancelBody = z.strictObject({ reason: text(500, 3).optional().openapi({ description: 'Required of the store and admins; optional for the customer.' }) }).openapi({ example: { reason: 'The customer asked by phone' } });

/**
 * /api/v1/orders: store owners see and move their stores' orders, customers
 * their own (and cancel before the store confirms), admins with `orders:manage`
 * everything. Foreign orders answer 404; an illegal move is CONFLICT naming the allowed ones.
 */
export function orderRoutes(d: OrderRouteDeps): RouteSpec[] {
  const tags = ['orders'];
  const params = z.strictObject({ id });
  const moveErrors = ['NOT_FOUND', 'CONFLICT', 'FORBIDDEN'] as const;
  const move = (path: string, summary: string, access: ReturnType<typeof roles>, handler: RouteSpec<{ id: string }, unknown, { reason?: string }>['handler'], body?: z.ZodType<{ reason?: string }>) =>
    defineRoute({ method: 'post', path: `/api/v1/orders/:id/${path}`, tags, access, hidesForeign: true, summary, params, ...(body ? { body } : {}), response: orderSchema, errors: [...moveErrors, ...(body ? (['VALIDATION_ERROR'] as const) : [])], handler });
  const staff = roles('store_owner', 'admin');
  return [
    defineRoute({
      method: 'get', path: '/api/v1/orders', tags, access: roles('customer', 'store_owner', 'admin'),
      summary: "List orders, newest first: a store owner their stores' (filter by store, status, placed time, number), a customer their history, orders:manage all",
      query: listQuery, response: pageSchema(orderSchema), errors: ['VALIDATION_ERROR'],
      handler: ({ auth, query }) => {
        const { page, limit, status: s, storeId, from, to, number } = query;
        return d.orderQueries.list(auth, { ...(storeId ? { storeId } : {}), ...(s ? { statuses: s } : {}), ...(from ? { placedFrom: from } : {}), ...(to ? { placedTo: to } : {}), ...(number ? { numberPrefix: number } : {}) }, pageRequest(page, limit));
      },
    }),
    defineRoute({
      method: 'get', path: '/api/v1/orders/:id', tags, access: roles('customer', 'store_owner', 'admin'), hidesForeign: true,
      summary: 'Read an order: its customer, the owner of its store, or orders:manage',
      params, response: orderSchema, errors: ['NOT_FOUND'],
      handler: ({ auth, params: p }) => d.orderQueries.get(auth, p.id),
    }),
    move('confirm', 'The store accepts the order (cash: from placed; card: once authorised); its delivery is created in the same transaction. Again: no change', staff, ({ auth, params: p }) => d.transitionOrder.confirm(auth, p.id)),
    move('reject', 'The store declines the order with a reason (before confirming); card authorisations are voided', staff, ({ auth, params: p, body }) => d.transitionOrder.reject(auth, p.id, body.reason!), reasonBody),
    move('preparing', 'The store starts preparing a confirmed order', staff, ({ auth, params: p }) => d.transitionOrder.startPreparing(auth, p.id)),
    move('ready', 'The order is ready for pickup; its delivery may now be assigned a courier', staff, ({ auth, params: p }) => d.transitionOrder.markReady(auth, p.id)),
    move('cancel', 'Cancel: the customer before the store confirms; the store or orders:manage with a reason until pickup (refund if captured)', roles('customer', 'store_owner', 'admin'), ({ auth, params: p, body }) => d.transitionOrder.cancel(auth, p.id, body.reason ?? null), cancelBody),
  ];
}
