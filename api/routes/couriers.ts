import { queryNumber, z } from '../zod.js';
import { toPage } from '../../domain/shared/pagination.js';
import { COURIER_AVAILABILITY, VEHICLES, type Vehicle } from '../../domain/shared/vehicles.js';
import type { CourierCashLimit, CourierLocator } from '../../domain/dispatch/ports.js';
import { admin, defineRoute, type RouteSpec } from '../route-kit.js';
import { MAX_RADIUS_M } from '../../geo/index.js';
import { pageSchema } from '../envelope.js';
import { EXAMPLE_ID } from './example-ids.js';

const nearbyCourier = z
  .object({
    courierId: z.string(),
    distanceM: z.number(),
    status: z.string(),
    vehicle: z.enum(VEHICLES),
    capacity: z.number().int(),
    load: z.number().int(),
    position: z.object({ lat: z.number(), lng: z.number(), ts: z.number().int(), heading: z.number().nullable(), speed: z.number().nullable() }),
  })
  .openapi('NearbyCourier', {
    example: {
      courierId: EXAMPLE_ID.courier, distanceM: 412.6, status: 'available', vehicle: 'motorbike', capacity: 2, load: 0,
      position: { lat: 33.5102, lng: 36.3069, ts: 1768035012000, heading: 87, speed: 6.4 },
    },
  });

const MAX_CASH_IDS = 200;
const courierIds = z
  .string()
  .transform((s) => [...new Set(s.split(',').map((x) => x.trim()).filter(Boolean))])
  .pipe(z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, 'a courier id')).min(1).max(MAX_CASH_IDS))
  .openapi({ description: `Comma-separated courier ids, at most ${MAX_CASH_IDS}`, example: EXAMPLE_ID.courier });

/** Dispatcher routes on the live fleet, backed by the geo index, and the couriers' cash limits (Finance). */
export function courierRoutes(d: { courierIndex: CourierLocator; courierCashLimit: CourierCashLimit }): RouteSpec[] {
  return [
    defineRoute({
      method: 'get', path: '/api/v1/couriers/over-cash-limit', tags: ['couriers'], access: admin('couriers:read'),
      summary: 'Which of these couriers hold cash at or over their cash limit (they get no cash-on-delivery offers until they remit): the ops board\'s alert. Unknown ids are simply not over',
      query: z.strictObject({ ids: courierIds }),
      response: pageSchema(z.object({ courierId: z.string() }).openapi('CourierOverCashLimit', { example: { courierId: EXAMPLE_ID.courier } })),
      handler: async ({ query }) => {
        const over = await d.courierCashLimit.overLimit(query.ids);
        const items = query.ids.filter((id) => over.has(id)).map((courierId) => ({ courierId }));
        return toPage(items, items.length, { page: 1, limit: Math.max(1, items.length) });
      },
    }),
    defineRoute({
      method: 'get', path: '/api/v1/couriers/nearby', tags: ['couriers'], access: admin('couriers:read'),
      summary: 'Couriers near a point, nearest first by great-circle distance; stale couriers (no recent fix) are never listed. One page: the `limit` nearest',
      query: z.strictObject({
        lat: queryNumber(z.number().min(-90).max(90)),
        lng: queryNumber(z.number().min(-180).max(180)),
        radiusM: queryNumber(z.number().int().min(1).max(MAX_RADIUS_M)).default(3_000),
        limit: queryNumber(z.number().int().min(1).max(50)).default(10),
        status: z.enum(COURIER_AVAILABILITY).default('available'),
        vehicle: z.enum(VEHICLES).optional(),
      }),
      response: pageSchema(nearbyCourier),
      handler: async ({ query }) => {
        const found = await d.courierIndex.nearestCouriers({
          lat: query.lat, lng: query.lng, radiusM: query.radiusM, limit: query.limit,
          filter: { status: query.status, ...(query.vehicle ? { vehicle: query.vehicle } : {}) },
        });
        const views = await Promise.all(found.map((f) => d.courierIndex.getCourier(f.courierId)));
        const items = found.flatMap((f, i) => {
          const v = views[i];
          if (!v?.lastFix) return []; // left the index between the two reads
          return [{
            courierId: f.courierId, distanceM: Math.round(f.distanceM * 10) / 10,
            status: v.state.status, vehicle: v.state.vehicle as Vehicle, capacity: v.state.capacity, load: v.state.load,
            position: { lat: v.lastFix.lat, lng: v.lastFix.lng, ts: v.lastFix.ts, heading: v.lastFix.heading ?? null, speed: v.lastFix.speed ?? null },
          }];
        });
        return toPage(items, items.length, { page: 1, limit: query.limit });
      },
    }),
  ];
}
