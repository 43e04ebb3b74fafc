import { id, queryNumber, text, z } from '../zod.js';
import { pageRequest, toPage } from '../../domain/shared/pagination.js';
import type { ManageStoreZone } from '../../domain/catalog/use-cases/manage-store-zone.js';
import { NEAR_SORTS, type FindStoresNear } from '../../domain/catalog/use-cases/find-stores-near.js';
import { admin, defineRoute, PUBLIC, roles, type RouteSpec } from '../route-kit.js';
import { pageQuery, pageSchema } from '../envelope.js';

export interface StoreZoneRouteDeps {
  manageStoreZone: ManageStoreZone;
  findStoresNear: FindStoresNear;
}

const position = z.array(z.number()).min(2).max(3);
const POLYGON_EXAMPLE = {
  kind: 'polygon' as const,
  polygon: { type: 'Polygon' as const, coordinates: [[[36.26, 33.5], [36.31, 33.5], [36.31, 33.53], [36.26, 33.53], [36.26, 33.5]]] },
};
const RADIUS_EXAMPLE = { kind: 'radius' as const, center: { lat: 33.5138, lng: 36.2765 }, radiusM: 3000 };

/** Only the shape is checked here; the geometry rules (self-intersection, size, poles) answer 422 with a reason. */
export const zoneShape = z
  .discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('polygon'),
      polygon: z.strictObject({ type: z.literal('Polygon'), coordinates: z.array(z.array(position).min(4)).min(1).max(50) }).openapi({ description: 'GeoJSON Polygon ([lng, lat] positions, closed rings; the first ring is the outline, the others holes). An edge never spans more than 180° of longitude, so a ring across the antimeridian is the narrow way.' }),
    }),
    z.strictObject({
      kind: z.literal('radius'),
      center: z.strictObject({ lat: z.number().min(-90).max(90), lng: z.number().min(-180).max(180) }),
      radiusM: z.number().positive().openapi({ description: 'Metres (at most 39,894: a 5,000 km² circle)' }),
    }),
  ])
  .openapi('ZoneShape', { example: POLYGON_EXAMPLE });

const zoneView = z
  .object({ storeId: z.string(), zone: zoneShape, version: z.number().int(), updatedAt: z.string() })
  .openapi('StoreZone', { example: { storeId: 'f3b1c2d4-0000-4000-8000-000000000001', zone: RADIUS_EXAMPLE, version: 2, updatedAt: '2026-12-06T02:00:00.000Z' } });

const NEARBY_EXAMPLE = {
  store: { id: 'f3b1c2d4-0000-4000-8000-000000000001', name: 'فرن الشام', cuisine: 'bakery', logo: null, location: { lat: 33.5102, lng: 36.2913 }, rating: { average: 4.6, count: 212 }, minimumOrder: 0 },
  distanceM: 1420,
  deliveryFee: 50000,
  eta: { seconds: 1163, prepS: 900, courierS: 263, source: 'haversine' },
  openNow: true,
  nextOpeningAt: null,
};
const nearbyStore = z
  .object({
    store: z.object({
      id: z.string(), name: z.string(), cuisine: z.string().nullable(), logo: z.unknown().nullable(),
      location: z.object({ lat: z.number(), lng: z.number() }),
      rating: z.object({ average: z.number().nullable(), count: z.number().int() }),
      minimumOrder: z.number().int(),
    }),
    distanceM: z.number().int().openapi({ description: 'Great-circle metres from the store to the point' }),
    deliveryFee: z.number().int().openapi({ description: 'Minor units, from the delivery.feeBands setting' }),
    eta: z.object({ seconds: z.number().int(), prepS: z.number().int(), courierS: z.number().int(), source: z.string() }).openapi({ description: 'Prep time plus the courier leg (geo ETA layers: google, learned or haversine)' }),
    openNow: z.boolean(),
    nextOpeningAt: z.string().nullable(),
    products: z.array(z.object({ id: z.string(), storeId: z.string(), name: z.object({ ar: z.string(), en: z.string() }), priceMin: z.number().int(), priceMax: z.number().int() })).optional().openapi({ description: 'Only with q: the store\'s matching products (at most 5)' }),
  })
  .openapi('NearbyStore', { example: NEARBY_EXAMPLE });

const nearQuery = z
  .strictObject({
    ...pageQuery,
    lat: queryNumber(z.number().min(-90).max(90)).optional().openapi({ example: 33.5138 }),
    lng: queryNumber(z.number().min(-180).max(180)).optional().openapi({ example: 36.2765 }),
    addressId: id.optional().openapi({ description: 'One of your own addresses (customers), instead of lat/lng' }),
    q: text(100).optional().openapi({ description: 'Products near me: only stores with matching products, with them', example: 'خبز' }),
    sort: z.enum(NEAR_SORTS).default('eta'),
  })
  .refine((q) => (q.lat === undefined) === (q.lng === undefined), { message: 'lat and lng go together', path: ['lat'] })
  .refine((q) => (q.lat !== undefined) !== (q.addressId !== undefined), { message: 'give lat and lng, or addressId (one of them)', path: ['addressId'] });

/** GET /api/v1/stores/near: mounted before /stores/:id. */
/** Most zones one view read answers (a board zoomed out over a big city sees the first ones and the total). */
export const ZONES_IN_VIEW_LIMIT = 500;

const degrees = (min: number, max: number) => z.number().min(min).max(max);
const viewBox = z
  .string()
  .transform((s) => s.split(',').map((x) => (x.trim() === '' ? Number.NaN : Number(x))))
  .pipe(z.tuple([degrees(-180, 180), degrees(-90, 90), degrees(-180, 180), degrees(-90, 90)]))
  .refine(([, south, , north]) => south <= north, { message: 'south must not be above north' })
  .openapi({ description: 'west,south,east,north in degrees (west > east: a view across the antimeridian)', example: '36.2,33.45,36.35,33.55' });

export function storesNearRoutes(d: StoreZoneRouteDeps): RouteSpec[] {
  return [
    defineRoute({
      method: 'get', path: '/api/v1/stores/near', tags: ['stores'], access: PUBLIC,
      summary: 'Who delivers to me: open, approved stores whose zone contains the point (lat/lng, or addressId: your own address), with distance, fee, ETA and open now; q finds products near me',
      query: nearQuery, response: pageSchema(nearbyStore), errors: ['UNAUTHORIZED', 'NOT_FOUND'],
      handler: ({ principal, query }) => {
        const { page, limit, lat, lng, addressId, q, sort } = query;
        return d.findStoresNear.execute(principal, { ...(lat !== undefined && lng !== undefined ? { point: { lat, lng } } : {}), ...(addressId ? { addressId } : {}), ...(q ? { q } : {}), sort }, pageRequest(page, limit));
      },
    }),
  ];
}

/** /api/v1/stores/:id/zone: the store's owner, or an admin with stores:manage; anyone else gets 404. */
export function storeZoneRoutes(d: StoreZoneRouteDeps): RouteSpec[] {
  const tags = ['stores'];
  const params = z.strictObject({ id });
  const access = roles('store_owner', 'admin');
  return [
    defineRoute({
      method: 'put', path: '/api/v1/stores/:id/zone', tags, access, hidesForeign: true,
      summary: 'Set or replace the delivery zone: a GeoJSON polygon or a radius (422 with reason ZONE_SELF_INTERSECTS, ZONE_TOO_LARGE or ZONE_INVALID)',
      params, body: zoneShape, response: zoneView, errors: ['NOT_FOUND', 'UNPROCESSABLE_ENTITY', 'CONFLICT'],
      handler: ({ auth, params: p, body }) => d.manageStoreZone.set(auth, p.id, body),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/stores/:id/zone', tags, access, hidesForeign: true,
      summary: "Read a store's delivery zone",
      params, response: zoneView, errors: ['NOT_FOUND'],
      handler: ({ auth, params: p }) => d.manageStoreZone.get(auth, p.id),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/admin/store-zones', tags, access: admin('deliveries:manage'),
      summary: `The delivery zones of these stores (storeIds: comma-separated, at most 50; stores without a zone are left out), or of the stores whose zone meets a map view (bbox: west,south,east,north in degrees, west > east across the antimeridian; at most ${ZONES_IN_VIEW_LIMIT}, total says how many in all). One of the two. For the ops board`,
      query: z
        .strictObject({
          storeIds: z.string().transform((s) => [...new Set(s.split(',').map((x) => x.trim()).filter(Boolean))]).pipe(z.array(id).min(1).max(50)).optional().openapi({ example: 'f3b1c2d4-0000-4000-8000-000000000001' }),
          bbox: viewBox.optional(),
        })
        .refine((q) => (q.storeIds === undefined) !== (q.bbox === undefined), { message: 'give storeIds or bbox, one of the two', path: ['storeIds'] }),
      response: pageSchema(zoneView),
      handler: async ({ query }) => {
        if (query.bbox) {
          const { items, total } = await d.manageStoreZone.zonesInView(query.bbox, ZONES_IN_VIEW_LIMIT);
          return toPage(items, total, pageRequest(1, ZONES_IN_VIEW_LIMIT));
        }
        const items = await d.manageStoreZone.zonesOf(query.storeIds ?? []);
        return toPage(items, items.length, pageRequest(1, Math.max(1, items.length)));
      },
    }),
    defineRoute({
      method: 'delete', path: '/api/v1/stores/:id/zone', tags, access, hidesForeign: true,
      summary: 'Remove the delivery zone (the store then delivers nowhere); removing none answers removed: false',
      params, response: z.object({ storeId: z.string(), removed: z.boolean() }).openapi({ example: { storeId: 'f3b1c2d4-0000-4000-8000-000000000001', removed: true } }), errors: ['NOT_FOUND'],
      handler: ({ auth, params: p }) => d.manageStoreZone.remove(auth, p.id),
    }),
  ];
}
