import { id, queryNumber, text, z } from '../zod.js';
import { pageRequest } from '../../domain/shared/pagination.js';
import { MAX_PRICE_MINOR } from '../../domain/catalog/product.js';
import { PRODUCT_SORTS } from '../../domain/catalog/search.js';
import { MAX_RATING, type ProductSearchPage, type SearchProducts } from '../../domain/catalog/use-cases/search-products.js';
import { defineRoute, PUBLIC, type RouteSpec } from '../route-kit.js';
import { pageQuery, paginationSchema } from '../envelope.js';
import { present, productSchema } from './products.js';

export interface SearchRouteDeps {
  searchProducts: SearchProducts;
}

const price = queryNumber(z.number().int('must be a whole number of minor units').min(0, 'must not be negative').max(MAX_PRICE_MINOR));
const filters = {
  storeId: id.optional(),
  priceMin: price.optional().openapi({ description: 'Some variant costs at least this (minor units).', example: '1000' }),
  priceMax: price.optional().openapi({ description: 'Some variant costs at most this (minor units).', example: '5000' }),
  inStock: z.enum(['true', 'false']).optional().openapi({ description: 'Only products with a variant (in the price range) that has stock or takes backorders.' }),
  minRating: queryNumber(z.number().min(0).max(MAX_RATING)).optional().openapi({ description: 'The store is rated at least this; unrated stores are left out.' }),
  sort: z.enum(PRODUCT_SORTS).optional().openapi({ description: 'Default: relevance with q, newest without. distance needs lat and lng.' }),
  lat: queryNumber(z.number().min(-90).max(90)).optional().openapi({ example: '33.5138' }),
  lng: queryNumber(z.number().min(-180).max(180)).optional().openapi({ example: '36.2765' }),
  ...pageQuery,
};
const bothOrNeither = (q: { lat?: number; lng?: number }) => (q.lat === undefined) === (q.lng === undefined);
const pointRule = { message: 'lat and lng go together', path: ['lat'] };

const searchQuery = z
  .strictObject({
    q: text(200).optional().openapi({ description: 'Words in Arabic or English; each must start a word of the product (prefix match); -word excludes.', example: 'خبز' }),
    category: id.optional().openapi({ description: 'A category id or slug: it and every category below it.', example: 'bakery' }),
    ...filters,
  })
  .refine(bothOrNeither, pointRule);
const browseQuery = z.strictObject({ q: text(200).optional(), ...filters }).refine(bothOrNeither, pointRule);

const resultSchema = z
  .object({
    items: z.array(z.object({
      product: productSchema,
      store: z.object({ id: z.string(), name: z.string(), rating: z.number().nullable() }),
      distanceM: z.number().int().nullable().openapi({ description: 'Metres from lat/lng to the store; null without a point.' }),
    })),
    pagination: paginationSchema,
    facets: z.object({
      categories: z.array(z.object({ id: z.string(), slug: z.string(), name: z.object({ ar: z.string(), en: z.string() }), count: z.number().int() })),
      priceBands: z.array(z.object({ min: z.number().int(), max: z.number().int().nullable(), count: z.number().int() })),
    }),
  })
  .openapi('ProductSearchPage', {
    example: {
      items: [],
      pagination: { page: 1, limit: 20, total: 1, totalPages: 1 },
      facets: { categories: [{ id: 'c1', slug: 'bakery', name: { ar: 'مخبز', en: 'Bakery' }, count: 1 }], priceBands: [{ min: 1000, max: 2500, count: 1 }] },
    },
  });

type Query = z.infer<typeof browseQuery> & { category?: string };
const inputOf = (q: Query) => ({
  ...(q.q !== undefined ? { q: q.q } : {}),
  ...(q.category !== undefined ? { category: q.category } : {}),
  ...(q.storeId !== undefined ? { storeId: q.storeId } : {}),
  ...(q.priceMin !== undefined ? { priceMin: q.priceMin } : {}),
  ...(q.priceMax !== undefined ? { priceMax: q.priceMax } : {}),
  ...(q.inStock === 'true' ? { inStock: true } : {}),
  ...(q.minRating !== undefined ? { minRating: q.minRating } : {}),
  ...(q.sort !== undefined ? { sort: q.sort } : {}),
  ...(q.lat !== undefined && q.lng !== undefined ? { near: { lat: q.lat, lng: q.lng } } : {}),
});
const presented = (r: ProductSearchPage) => ({ ...r, items: r.items.map((i) => ({ ...i, product: present(i.product) })) });

/** Public search and browsing over the active products of listed stores (the global rate limit applies). */
export function searchRoutes(d: SearchRouteDeps): RouteSpec[] {
  const tags = ['products'];
  return [
    defineRoute({
      method: 'get', path: '/api/v1/products/search', tags, access: PUBLIC,
      summary: 'Search products in Arabic or English, with filters, sorts and facet counts (categories, price bands)',
      query: searchQuery, response: resultSchema, errors: ['NOT_FOUND'],
      handler: async ({ query }) => presented(await d.searchProducts.execute(inputOf(query), pageRequest(query.page, query.limit))),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/categories/:id/products', tags: ['categories'], access: PUBLIC,
      summary: 'Browse a category (by id or slug) and everything below it, newest first unless sorted otherwise',
      params: z.strictObject({ id }), query: browseQuery, response: resultSchema, errors: ['NOT_FOUND'],
      handler: async ({ params, query }) => presented(await d.searchProducts.execute({ ...inputOf(query), category: params.id }, pageRequest(query.page, query.limit))),
    }),
  ];
}
