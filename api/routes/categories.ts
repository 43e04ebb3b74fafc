import { id, text, z } from '../zod.js';
import type { ManageCategories } from '../../domain/catalog/use-cases/manage-categories.js';
import type { CatalogQueries } from '../../domain/catalog/use-cases/catalog-queries.js';
import { admin, defineRoute, PUBLIC, type RouteSpec } from '../route-kit.js';
import { EXAMPLE_ID } from './example-ids.js';

export interface CategoryRouteDeps {
  manageCategories: ManageCategories;
  catalogQueries: CatalogQueries;
}

const localized = (max: number) => z.strictObject({ ar: text(max), en: text(max) });
const slug = z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be lowercase words joined by dashes').max(120).openapi({ example: 'fresh-bread' });
const seo = z.strictObject({ title: text(70).nullable().optional(), description: text(320).nullable().optional() });
const imageUrl = z.string().regex(/^(https:\/\/|\/)\S{1,2000}$/, 'must be an https URL or a path').nullable();

export const categorySchema = z
  .object({
    id: z.string(),
    parentId: z.string().nullable(),
    ancestorIds: z.array(z.string()),
    slug: z.string(),
    name: z.object({ ar: z.string(), en: z.string() }),
    rank: z.number().int(),
    imageUrl: z.string().nullable(),
    seo: z.object({ title: z.string().nullable(), description: z.string().nullable() }),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Category', {
    example: { id: EXAMPLE_ID.category, parentId: null, ancestorIds: [], slug: 'bakery', name: { ar: 'مخبز', en: 'Bakery' }, rank: 0, imageUrl: null, seo: { title: 'Fresh bread', description: null }, version: 1, createdAt: '2026-01-01T12:00:00.000Z', updatedAt: '2026-01-01T12:00:00.000Z' },
  });

const createBody = z
  .strictObject({ parentId: id.nullable().optional(), slug, name: localized(120), rank: z.number().int().min(-1_000_000).max(1_000_000).optional(), imageUrl: imageUrl.optional(), seo: seo.optional() })
  .openapi({ example: { parentId: null, slug: 'bakery', name: { ar: 'مخبز', en: 'Bakery' }, rank: 1 } });
const patchBody = createBody.partial().refine((b) => Object.keys(b).length > 0, { message: 'at least one field is required' }).openapi({ example: { parentId: 'd3f7a2c8-6b1e-4f9d-a5c2-8e4b7d1f0a69', rank: 3 } });

/** /api/v1/categories: anyone reads the tree; admins with `catalog:manage` shape it. */
export function categoryRoutes(d: CategoryRouteDeps): RouteSpec[] {
  const tags = ['categories'];
  const params = z.strictObject({ id });
  const manage = admin('catalog:manage');
  return [
    defineRoute({
      method: 'get', path: '/api/v1/categories', tags, access: PUBLIC,
      summary: 'The whole category tree, shallowest first, then by rank (each node carries parentId and its ancestor path)',
      response: z.array(categorySchema),
      handler: () => d.catalogQueries.categoryTree(),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/categories/:id', tags, access: PUBLIC,
      summary: 'One category, by id or slug',
      params, response: categorySchema, errors: ['NOT_FOUND'],
      handler: ({ params: p }) => d.catalogQueries.category(p.id),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/categories', tags, access: manage, status: 201,
      summary: 'Add a category under a parent (or at the root); the slug is unique',
      body: createBody, response: categorySchema, errors: ['CONFLICT', 'UNPROCESSABLE_ENTITY'],
      handler: ({ auth, body }) => d.manageCategories.create(auth, body),
    }),
    defineRoute({
      method: 'patch', path: '/api/v1/categories/:id', tags, access: manage,
      summary: 'Edit or move a category (parentId); a move under itself or a descendant is CATEGORY_CYCLE',
      params, body: patchBody, response: categorySchema, errors: ['NOT_FOUND', 'CONFLICT', 'CATEGORY_CYCLE', 'UNPROCESSABLE_ENTITY'],
      handler: ({ auth, params: p, body }) => d.manageCategories.update(auth, p.id, body),
    }),
    defineRoute({
      method: 'delete', path: '/api/v1/categories/:id', tags, access: manage,
      summary: 'Delete a category; with children or products it is CATEGORY_NOT_EMPTY unless reparent=true moves them to its parent',
      params, query: z.strictObject({ reparent: z.enum(['true', 'false']).optional() }),
      response: z.object({ deleted: z.literal(true), movedChildren: z.number().int(), movedProducts: z.number().int() }).openapi({ example: { deleted: true, movedChildren: 2, movedProducts: 14 } }), errors: ['NOT_FOUND', 'CATEGORY_NOT_EMPTY'],
      handler: ({ auth, params: p, query }) => d.manageCategories.delete(auth, p.id, { reparent: query.reparent === 'true' }),
    }),
  ];
}
