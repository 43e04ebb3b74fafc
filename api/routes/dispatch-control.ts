import { id, queryNumber, text, z } from '../zod.js';
import { admin, defineRoute, roles, type RouteSpec } from '../route-kit.js';
import { MANUAL_ACTIONS, type ControlDelivery } from '../../domain/dispatch/use-cases/control-delivery.js';
import type { DispatchQueries } from '../../domain/dispatch/use-cases/queries.js';
import type { ListPendingOffers } from '../../domain/dispatch/use-cases/list-pending-offers.js';
import { ETAS_MAX_IDS, type DeliveryEtas } from '../../domain/dispatch/use-cases/delivery-etas.js';
import { offsetOf, toPage } from '../../domain/shared/pagination.js';
import { pageQuery, pageSchema } from '../envelope.js';
import { deliverySchema } from './deliveries.js';
import { EXAMPLE_ID } from './example-ids.js';

export interface DispatchControlRouteDeps {
  controlDelivery: ControlDelivery;
  dispatchQueries: DispatchQueries;
  listPendingOffers: ListPendingOffers;
  deliveryEtas: DeliveryEtas;
}

const reason = text(500, 3).openapi({ description: 'Why: kept in the audit log.', example: 'courier reported a flat tyre' });
const expectedVersion = z.number().int().min(1).optional().openapi({ description: 'The delivery version you saw; CONFLICT when it changed since.' });
const assignBody = z.strictObject({ courierId: id, reason, expectedVersion }).openapi({ example: { courierId: EXAMPLE_ID.courier, reason: 'nearest courier by phone', expectedVersion: 1 } });
const unassignBody = z.strictObject({ reason, expectedVersion }).openapi({ example: { reason: 'courier reported a flat tyre' } });
const bulkItem = z.strictObject({ deliveryId: id, action: z.enum(MANUAL_ACTIONS), courierId: id.optional(), expectedVersion });
const bulkBody = z
  .strictObject({ reason, items: z.array(bulkItem).min(1).max(100) })
  .openapi({ example: { reason: 'storm: moving orders off the ring road', items: [{ deliveryId: EXAMPLE_ID.delivery, action: 'reassign', courierId: EXAMPLE_ID.courier }] } });
const bulkResult = z
  .object({
    results: z.array(
      z.object({
        deliveryId: z.string(),
        ok: z.boolean(),
        delivery: deliverySchema.optional(),
        error: z.object({ code: z.string(), message: z.string() }).optional(),
      }),
    ),
  })
  .openapi('DispatchBulkResult', { example: { results: [{ deliveryId: EXAMPLE_ID.delivery, ok: false, error: { code: 'CONFLICT', message: 'The delivery changed since you saw it' } }] } });

const pendingOffer = z
  .object({ offerId: z.string(), deliveryId: z.string(), orderId: z.string(), courierId: z.string(), round: z.number().int(), offeredAt: z.string(), expiresAt: z.string() })
  .openapi('PendingOffer', { example: { offerId: `${EXAMPLE_ID.delivery}:1`, deliveryId: EXAMPLE_ID.delivery, orderId: EXAMPLE_ID.order, courierId: EXAMPLE_ID.courier, round: 1, offeredAt: '2026-12-07T10:00:00.000Z', expiresAt: '2026-12-07T10:00:30.000Z' } });

const deliveryEta = z
  .object({
    deliveryId: z.string(),
    status: z.string(),
    etaS: z.number().int().openapi({ description: 'Seconds from `at` to the customer\'s door, through the pickup while it is still ahead.' }),
    source: z.enum(['google', 'learned', 'haversine']).openapi({ description: 'The weakest source among the legs.' }),
    from: z.enum(['courier', 'pickup']).openapi({ description: 'Where the ETA starts: the courier\'s last fix, or the pickup when nobody carries it (or their position is unknown).' }),
    fixTs: z.number().int().nullable(),
    at: z.string(),
  })
  .openapi('DeliveryEta', { example: { deliveryId: EXAMPLE_ID.delivery, status: 'assigned', etaS: 840, source: 'learned', from: 'courier', fixTs: 1796637600000, at: '2026-12-07T10:00:00.000Z' } });
const etaIds = z
  .string()
  .transform((s) => [...new Set(s.split(',').map((x) => x.trim()).filter(Boolean))])
  .pipe(z.array(id).min(1).max(ETAS_MAX_IDS))
  .openapi({ description: `Up to ${ETAS_MAX_IDS} delivery ids separated by commas.`, example: EXAMPLE_ID.delivery });

const spread = z.object({ count: z.number().int(), meanS: z.number().nullable(), p90S: z.number().nullable() });
export const dispatchStatsSchema = z
  .object({
    window: z.object({ from: z.string(), to: z.string(), minutes: z.number().int() }),
    deliveries: z.number().int().openapi({ description: 'Deliveries dispatch opened in the window.' }),
    offers: z.number().int().openapi({ description: 'Offers made in the window (withdrawn ones left out).' }),
    couriers: z.number().int(),
    truncated: z.boolean(),
    timeToAssign: spread,
    offerToAccept: spread,
    acceptanceRate: z.number().nullable(),
    reassignmentsPerOrder: z.number().nullable(),
    courierUtilisation: z.number().nullable(),
    waitAtStore: spread,
    onTimePct: z.number().nullable(),
  })
  .openapi('DispatchStats', {
    example: {
      window: { from: '2026-12-07T09:00:00.000Z', to: '2026-12-07T10:00:00.000Z', minutes: 60 },
      deliveries: 42, offers: 57, couriers: 18, truncated: false,
      timeToAssign: { count: 40, meanS: 48.5, p90S: 95 },
      offerToAccept: { count: 40, meanS: 9.2, p90S: 21 },
      acceptanceRate: 0.7, reassignmentsPerOrder: 0.05, courierUtilisation: 0.62,
      waitAtStore: { count: 35, meanS: 180, p90S: 420 },
      onTimePct: 91.4,
    },
  });

/**
 * /api/v1/dispatch: manual control of dispatch (dispatchers: admins with
 * deliveries:manage; store owners assign on their own stores' deliveries while
 * dispatch.storeOwnersAssign allows) and the ops board's figures.
 */
export function dispatchControlRoutes(d: DispatchControlRouteDeps): RouteSpec[] {
  const tags = ['dispatch'];
  const params = z.strictObject({ id });
  const via = (o: { ip: string; userAgent: string | null; requestId: string }) => ({ ...o, via: 'rest' });
  const errors = ['NOT_FOUND', 'CONFLICT', 'ORDER_NOT_READY', 'UNPROCESSABLE_ENTITY'] as const;
  return [
    defineRoute({
      method: 'post', path: '/api/v1/dispatch/deliveries/:id/assign', tags, access: roles('store_owner', 'admin'), hidesForeign: true,
      summary: 'Assign a courier to a delivery nobody holds (CONFLICT already_assigned otherwise). Its pending offer ends (withdrawn), dispatch stops, an audit entry keeps the reason. The same courier again changes nothing. Store owners: their stores\' deliveries, while dispatch.storeOwnersAssign allows',
      params, body: assignBody, response: deliverySchema, errors: [...errors],
      handler: ({ auth, params: p, body, origin }) => d.controlDelivery.assign(auth, p.id, body, via(origin)),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/dispatch/deliveries/:id/reassign', tags, access: roles('store_owner', 'admin'), hidesForeign: true,
      summary: 'Give a delivery to another courier before pickup, whoever holds it (or its offer). The previous courier is not asked again by dispatch. With expectedVersion, CONFLICT when the delivery changed since you saw it; a courier accepting at the same moment: exactly one wins',
      params, body: assignBody, response: deliverySchema, errors: [...errors],
      handler: ({ auth, params: p, body, origin }) => d.controlDelivery.reassign(auth, p.id, body, via(origin)),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/dispatch/deliveries/:id/unassign', tags, access: admin('deliveries:manage'), hidesForeign: true,
      summary: 'Take the courier off a delivery before pickup: it goes back to pending and dispatch looks again, never asking that courier. Unassigning an unassigned delivery changes nothing',
      params, body: unassignBody, response: deliverySchema, errors: ['NOT_FOUND', 'CONFLICT'],
      handler: ({ auth, params: p, body, origin }) => d.controlDelivery.unassign(auth, p.id, body, via(origin)),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/dispatch/deliveries/bulk', tags, access: admin('deliveries:manage'),
      summary: 'Up to 100 assign / reassign / unassign commands with one reason. Not all-or-nothing: each result says ok with the delivery, or the error code it met',
      body: bulkBody, response: bulkResult,
      handler: async ({ auth, body, origin }) => ({ results: await d.controlDelivery.bulk(auth, body.items, body.reason, via(origin)) }),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/dispatch/stats', tags, access: admin('deliveries:manage'),
      summary: 'Dispatch figures of the last windowMinutes (default 60): time to assign, offer-to-accept latency, acceptance rate, reassignments per order, courier utilisation, wait at the store, on-time %. Null where the window holds nothing to measure',
      query: z.strictObject({ windowMinutes: queryNumber(z.number().int().min(1).max(7 * 24 * 60)).default(60) }),
      response: dispatchStatsSchema,
      handler: ({ query }) => d.dispatchQueries.stats(query.windowMinutes),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/dispatch/etas', tags, access: admin('deliveries:manage'),
      summary: 'The ETA to the door of each open delivery asked for, from the same ETA layers as the tracking page: from the courier\'s last fix through the stops ahead, or from the pickup when nobody carries it. The ops board\'s late alert reads it. Final deliveries and unknown ids are left out',
      query: z.strictObject({ deliveryIds: etaIds }),
      response: z.object({ items: z.array(deliveryEta) }),
      handler: async ({ query }) => ({ items: await d.deliveryEtas.execute(query.deliveryIds) }),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/dispatch/offers', tags, access: admin('deliveries:manage'),
      summary: 'The offers waiting for a courier\'s answer now, soonest to expire first: the ops board reads them when it (re)connects, then follows offer:event on /ops',
      query: z.strictObject({ status: z.enum(['pending']).default('pending').openapi({ description: 'Only pending offers can be listed.' }), ...pageQuery }),
      response: pageSchema(pendingOffer),
      handler: async ({ query }) => {
        const items = await d.listPendingOffers.execute();
        const req = { page: query.page, limit: query.limit };
        return toPage(items.slice(offsetOf(req), offsetOf(req) + req.limit), items.length, req);
      },
    }),
  ];
}
