import { id, text, z } from '../zod.js';
import { pageRequest } from '../../domain/shared/pagination.js';
import { STORE_STATUSES } from '../../domain/catalog/model.js';
import type { CreateStore } from '../../domain/catalog/use-cases/create-store.js';
import type { UpdateStore } from '../../domain/catalog/use-cases/update-store.js';
import type { StoreQueries } from '../../domain/catalog/use-cases/queries.js';
import { defineRoute, roles, type RouteSpec } from '../route-kit.js';
import { pageQuery, pageSchema } from '../envelope.js';

export interface StoreRouteDeps {
  createStore: CreateStore;
  updateStore: UpdateStore;
  storeQueries: StoreQueries;
}

/** Request and response schemas shared by the store and delivery routes. */
export { id };
export const point = z.strictObject({ lat: z.number().min(-90).max(90), lng: z.number().min(-180).max(180) }).openapi('Point', { example: { lat: 33.5138, lng: 36.2765 } });
const phone = z.string().regex(/^\+[1-9]\d{7,14}$/, 'must be an E.164 number like +14155550100').openapi({ example: '+963944123456' });

export const storeSchema = z
  .object({
    id: z.string(),
    ownerId: z.string(),
    name: z.string(),
    phone: z.string().nullable(),
    address: z.string(),
    location: z.object({ lat: z.number(), lng: z.number() }),
    status: z.enum(STORE_STATUSES),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Store');

const createBody = z.strictObject({ name: text(200), phone: phone.optional(), address: text(500), location: point, status: z.enum(STORE_STATUSES).optional() });
const patchBody = z
  .strictObject({ name: text(200).optional(), phone: phone.nullable().optional(), address: text(500).optional(), location: point.optional(), status: z.enum(STORE_STATUSES).optional() })
  .refine((b) => Object.keys(b).length > 0, { message: 'at least one field is required' });

/** /api/v1/stores: store owners manage their own stores; admins with `stores:manage` every store. Foreign stores answer 404. */
export function storeRoutes(d: StoreRouteDeps): RouteSpec[] {
  const tags = ['stores'];
  const params = z.strictObject({ id });
  return [
    defineRoute({
      method: 'post', path: '/api/v1/stores', tags, access: roles('store_owner'), status: 201,
      summary: 'Open a store of your own (status open unless given)',
      body: createBody, response: storeSchema,
      handler: ({ auth, body }) => d.createStore.execute(auth, body),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/stores', tags, access: roles('store_owner', 'admin'),
      summary: 'List stores, newest first: your own, or every store with admin permission stores:manage (filter ownerId)',
      query: z.strictObject({ ...pageQuery, status: z.enum(STORE_STATUSES).optional(), ownerId: id.optional() }),
      response: pageSchema(storeSchema),
      handler: ({ auth, query }) => {
        const { page, limit, ...filter } = query;
        return d.storeQueries.list(auth, filter, pageRequest(page, limit));
      },
    }),
    defineRoute({
      method: 'get', path: '/api/v1/stores/:id', tags, access: roles('store_owner', 'admin'), hidesForeign: true,
      summary: 'Read a store: your own, or any with admin permission stores:manage',
      params, response: storeSchema, errors: ['NOT_FOUND'],
      handler: ({ auth, params: p }) => d.storeQueries.get(auth, p.id),
    }),
    defineRoute({
      method: 'patch', path: '/api/v1/stores/:id', tags, access: roles('store_owner', 'admin'), hidesForeign: true,
      summary: 'Edit a store (name, phone, address, location, open/closed): your own, or any with stores:manage',
      params, body: patchBody, response: storeSchema, errors: ['NOT_FOUND', 'CONFLICT'],
      handler: ({ auth, params: p, body }) => d.updateStore.execute(auth, p.id, body),
    }),
  ];
}
