import { id, text, z } from '../zod.js';
import { pageRequest } from '../../domain/shared/pagination.js';
import { POINT_SOURCES } from '../../domain/catalog/address.js';
import { ADDRESS_READ_PERMISSION } from '../../domain/catalog/use-cases/address-support.js';
import type { AddAddress } from '../../domain/catalog/use-cases/add-address.js';
import type { UpdateAddress } from '../../domain/catalog/use-cases/update-address.js';
import type { SetDefaultAddress } from '../../domain/catalog/use-cases/set-default-address.js';
import type { DeleteAddress } from '../../domain/catalog/use-cases/delete-address.js';
import type { AddressQueries } from '../../domain/catalog/use-cases/address-queries.js';
import { defineRoute, roles, type Access, type RouteSpec } from '../route-kit.js';
import { pageQuery, pageSchema } from '../envelope.js';
import { point } from './stores.js';

export interface AddressRouteDeps {
  addAddress: AddAddress;
  updateAddress: UpdateAddress;
  setDefaultAddress: SetDefaultAddress;
  deleteAddress: DeleteAddress;
  addressQueries: AddressQueries;
}

const EXAMPLE = {
  id: '3f1c2a9e-5b7d-4c1e-9a2f-6d8e0b4c7a11',
  customerId: '8a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d',
  label: 'البيت',
  line: '12 شارع بغداد، دمشق',
  building: 'بناء 4',
  floor: '3',
  notes: 'الباب الأزرق، اقرع الجرس مرتين',
  point: { lat: 33.5183, lng: 36.2946 },
  pointSource: 'client',
  isDefault: true,
  deliversTo: true,
  version: 1,
  createdAt: '2026-01-01T12:00:00.000Z',
  updatedAt: '2026-01-01T12:00:00.000Z',
};

export const addressSchema = z
  .object({
    id: z.string(),
    customerId: z.string(),
    label: z.string(),
    line: z.string(),
    building: z.string().nullable(),
    floor: z.string().nullable(),
    notes: z.string().nullable(),
    point: z.object({ lat: z.number(), lng: z.number() }),
    pointSource: z.enum(POINT_SOURCES).openapi({ description: 'client: the pin the customer sent; geocoder: read from `line`' }),
    isDefault: z.boolean(),
    deliversTo: z.boolean().nullable().openapi({ description: 'Whether any store delivers to the point; null when unknown (no delivery zones configured)' }),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Address', { example: EXAMPLE });

const optionalText = (max: number) => text(max).nullable().optional();
const createBody = z
  .strictObject({
    label: text(40),
    line: text(300).openapi({ description: 'Street and number as the customer writes it; geocoded when no point is sent and a geocoder is configured' }),
    building: optionalText(100),
    floor: optionalText(20),
    notes: optionalText(500),
    point: point.optional().openapi({ description: 'The pin; required when no geocoder is configured' }),
    makeDefault: z.boolean().optional(),
  })
  .openapi('NewAddress', { example: { label: 'Work', line: 'Abu Rummaneh, Damascus', floor: '2', point: { lat: 33.5205, lng: 36.2832 } } });
const patchBody = z
  .strictObject({ label: text(40).optional(), line: text(300).optional(), building: optionalText(100), floor: optionalText(20), notes: optionalText(500), point: point.optional() })
  .refine((b) => Object.keys(b).length > 0, { message: 'at least one field is required' })
  .openapi('AddressPatch', { example: { notes: 'ring twice', point: { lat: 33.5186, lng: 36.295 } } });

const reader: Access = { kind: 'authenticated', roles: ['customer', 'admin'], permission: ADDRESS_READ_PERMISSION };

/** /api/v1/addresses: a customer's address book. Customers touch only their own; admins read with accounts:read. */
export function addressRoutes(d: AddressRouteDeps): RouteSpec[] {
  const tags = ['addresses'];
  const params = z.strictObject({ id });
  return [
    defineRoute({
      method: 'post', path: '/api/v1/addresses', tags, access: roles('customer'), status: 201,
      summary: 'Add an address to your book: located by your pin, or geocoded from the line (the first address becomes the default)',
      body: createBody, response: addressSchema, errors: ['CONFLICT', 'UNPROCESSABLE_ENTITY', 'SERVICE_UNAVAILABLE'],
      handler: ({ auth, body }) => d.addAddress.execute(auth, body),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/addresses', tags, access: reader,
      summary: 'List live addresses, the default first then newest: your own, or a customer\'s (customerId) with admin permission accounts:read',
      query: z.strictObject({ ...pageQuery, customerId: id.optional() }), response: pageSchema(addressSchema),
      handler: ({ auth, query }) => d.addressQueries.list(auth, query.customerId, pageRequest(query.page, query.limit)),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/addresses/:id', tags, access: reader, hidesForeign: true,
      summary: 'Read an address: your own, or any with admin permission accounts:read',
      params, response: addressSchema, errors: ['NOT_FOUND'],
      handler: ({ auth, params: p }) => d.addressQueries.get(auth, p.id),
    }),
    defineRoute({
      method: 'patch', path: '/api/v1/addresses/:id', tags, access: roles('customer'), hidesForeign: true,
      summary: 'Edit one of your addresses (a new pin moves it; a new line alone is geocoded again when a geocoder is configured)',
      params, body: patchBody, response: addressSchema, errors: ['NOT_FOUND', 'CONFLICT', 'UNPROCESSABLE_ENTITY', 'SERVICE_UNAVAILABLE'],
      handler: ({ auth, params: p, body }) => d.updateAddress.execute(auth, p.id, body),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/addresses/:id/default', tags, access: roles('customer'), hidesForeign: true,
      summary: 'Make one of your addresses the default (the previous default stops being one in the same transaction)',
      params, response: addressSchema, errors: ['NOT_FOUND'],
      handler: ({ auth, params: p }) => d.setDefaultAddress.execute(auth, p.id),
    }),
    defineRoute({
      method: 'delete', path: '/api/v1/addresses/:id', tags, access: roles('customer'), hidesForeign: true,
      summary: 'Delete one of your addresses (kept for past orders; deleting the default makes your newest address the default). Repeating it answers the same.',
      params, response: z.object({ id: z.string(), deleted: z.literal(true) }).openapi({ example: { id: EXAMPLE.id, deleted: true } }), errors: ['NOT_FOUND', 'CONFLICT'],
      handler: ({ auth, params: p }) => d.deleteAddress.execute(auth, p.id),
    }),
  ];
}
