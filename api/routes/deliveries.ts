import { text, z } from '../zod.js';
import { pageRequest } from '../../domain/shared/pagination.js';
import { ROLES } from '../../domain/shared/principal.js';
import { DELIVERY_STATUSES } from '../../domain/delivery/model.js';
import type { CreateDelivery } from '../../domain/delivery/use-cases/create-delivery.js';
import type { ControlDelivery } from '../../domain/dispatch/use-cases/control-delivery.js';
import type { ChangeDeliveryStatus } from '../../domain/delivery/use-cases/change-delivery-status.js';
import type { DeliveryQueries } from '../../domain/delivery/use-cases/queries.js';
import { defineRoute, roles, type RouteSpec } from '../route-kit.js';
import { pageQuery, pageSchema } from '../envelope.js';
import { id, point } from './stores.js';
import { EXAMPLE_ID } from './example-ids.js';

export interface DeliveryRouteDeps {
  createDelivery: CreateDelivery;
  /** Dispatch's manual control: the same rules, and it also ends a pending offer and updates the dispatch state. */
  controlDelivery: ControlDelivery;
  changeDeliveryStatus: ChangeDeliveryStatus;
  deliveryQueries: DeliveryQueries;
}

const status = z.enum(DELIVERY_STATUSES);
const coordinates = z.object({ lat: z.number(), lng: z.number() });

export const deliverySchema = z
  .object({
    id: z.string(),
    orderId: z.string(),
    storeId: z.string(),
    customerId: z.string(),
    courierId: z.string().nullable(),
    pickup: coordinates,
    dropoff: coordinates,
    status,
    timestamps: z.partialRecord(status, z.string()).openapi({ description: 'When each status was entered (ISO-8601).' }),
    reason: z.string().nullable(),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Delivery', {
    example: {
      id: EXAMPLE_ID.delivery, orderId: EXAMPLE_ID.order, storeId: EXAMPLE_ID.store, customerId: EXAMPLE_ID.customer, courierId: EXAMPLE_ID.courier,
      pickup: { lat: 33.5112, lng: 36.3132 }, dropoff: { lat: 33.5183, lng: 36.2946 }, status: 'picked_up',
      timestamps: { pending: '2026-01-10T09:05:12.000Z', assigned: '2026-01-10T09:06:40.000Z', at_pickup: '2026-01-10T09:14:03.000Z', picked_up: '2026-01-10T09:18:55.000Z' },
      reason: null, version: 4, createdAt: '2026-01-10T09:05:12.000Z', updatedAt: '2026-01-10T09:18:55.000Z',
    },
  });

const createBody = z.strictObject({
  orderId: id,
  storeId: id,
  customerId: id.openapi({ description: 'An existing customer account.' }),
  pickup: point.optional().openapi({ description: "Defaults to the store's location." }),
  dropoff: point,
}).openapi({ example: { orderId: EXAMPLE_ID.order, storeId: EXAMPLE_ID.store, customerId: EXAMPLE_ID.customer, dropoff: { lat: 33.5183, lng: 36.2946 } } });
const reason = text(500, 3);

/**
 * /api/v1/deliveries: store owners (for their stores) and admins with
 * `deliveries:manage` create deliveries and assign couriers; everyone reads
 * as far as ownership allows. Foreign deliveries answer 404.
 */
export function deliveryRoutes(d: DeliveryRouteDeps): RouteSpec[] {
  const tags = ['deliveries'];
  const params = z.strictObject({ id });
  return [
    defineRoute({
      method: 'post', path: '/api/v1/deliveries', tags, access: roles('store_owner', 'admin'), hidesForeign: true, status: 201,
      summary: "Create the delivery of an order for a store you own (admins: deliveries:manage). Idempotent per orderId: the same request answers the existing delivery, other details CONFLICT",
      body: createBody, response: deliverySchema, errors: ['NOT_FOUND', 'CONFLICT', 'UNPROCESSABLE_ENTITY'],
      handler: ({ auth, body }) => d.createDelivery.execute(auth, body),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/deliveries', tags, access: roles(...ROLES),
      summary: 'List deliveries, newest first: a customer their own, a store owner their stores\', a courier those assigned to them, deliveries:manage all',
      query: z.strictObject({ ...pageQuery, status: status.optional(), storeId: id.optional() }),
      response: pageSchema(deliverySchema),
      handler: ({ auth, query }) => {
        const { page, limit, status: s, storeId } = query;
        return d.deliveryQueries.list(auth, { ...(storeId ? { storeId } : {}), ...(s ? { statuses: [s] } : {}) }, pageRequest(page, limit));
      },
    }),
    defineRoute({
      method: 'get', path: '/api/v1/deliveries/:id', tags, access: roles(...ROLES), hidesForeign: true,
      summary: 'Read a delivery you are part of (customer, store owner, assigned courier) or any with deliveries:manage',
      params, response: deliverySchema, errors: ['NOT_FOUND'],
      handler: ({ auth, params: p }) => d.deliveryQueries.get(auth, p.id),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/deliveries/:id/assign', tags, access: roles('store_owner', 'admin'), hidesForeign: true,
      summary: "Assign an eligible courier (or another one before pickup); the same courier again changes nothing. Store owners only while dispatch.storeOwnersAssign allows (FORBIDDEN otherwise); a pending offer of the delivery ends. The order behind the delivery must be ready_for_pickup (ORDER_NOT_READY with the order's status otherwise); a delivery made by hand, with no marketplace order, needs nothing more",
      params, body: z.strictObject({ courierId: id }).openapi({ example: { courierId: EXAMPLE_ID.courier } }), response: deliverySchema, errors: ['NOT_FOUND', 'FORBIDDEN', 'CONFLICT', 'ORDER_NOT_READY', 'UNPROCESSABLE_ENTITY'],
      handler: ({ auth, params: p, body, origin }) => d.controlDelivery.reassign(auth, p.id, { courierId: body.courierId, reason: null }, { ...origin, via: 'rest' }),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/deliveries/:id/status', tags, access: roles('store_owner', 'courier', 'admin'), hidesForeign: true,
      summary: 'Change status: courier picked_up / delivered / failed, store owner cancelled, deliveries:manage any legal move; cancelled and failed need a reason. The current status again changes nothing; an illegal move is CONFLICT with the allowed list',
      params, body: z.strictObject({ status, reason: reason.optional() }).openapi({ example: { status: 'picked_up' } }), response: deliverySchema, errors: ['NOT_FOUND', 'CONFLICT'],
      handler: ({ auth, params: p, body }) => d.changeDeliveryStatus.execute(auth, p.id, body),
    }),
  ];
}
