import { id, text, z } from '../zod.js';
import { pageRequest } from '../../domain/shared/pagination.js';
import { MAX_PRICE_MINOR, PRODUCT_STATUSES, type ProductView } from '../../domain/catalog/product.js';
import type { ManageProducts } from '../../domain/catalog/use-cases/manage-products.js';
import type { AddProductImage } from '../../domain/catalog/use-cases/add-product-image.js';
import type { CatalogQueries } from '../../domain/catalog/use-cases/catalog-queries.js';
import type { ProductRepository } from '../../domain/catalog/ports.js';
import type { DocumentStorage } from '../../domain/identity/ports.js';
import { defineRoute, PUBLIC, roles, type RouteSpec, type UploadSpec } from '../route-kit.js';
import { imageFileParam, imageSizes, imageSizesSchema, serveImageFile } from './image-files.js';
import { pageQuery, pageSchema } from '../envelope.js';
import { EXAMPLE_ID, exampleImageSizes } from './example-ids.js';

export interface ProductRouteDeps {
  manageProducts: ManageProducts;
  addProductImage: AddProductImage;
  catalogQueries: CatalogQueries;
  products: ProductRepository;
  documentStorage: DocumentStorage;
  productImageUpload: UploadSpec;
}

const price = z.number().int('must be a whole number of minor units').min(0, 'must not be negative').max(MAX_PRICE_MINOR).openapi({ example: 1500 });
const dictionary = (entries: number) => z.record(z.string().min(1).max(40), text(200)).refine((o) => Object.keys(o).length <= entries, { message: `at most ${entries} entries` });
const variantBody = z.strictObject({
  id: id.optional(),
  sku: text(64),
  options: dictionary(10).optional(),
  price,
  compareAtPrice: price.nullable().optional(),
  barcode: z.string().regex(/^[0-9A-Za-z-]{4,48}$/).nullable().optional(),
  weightGrams: z.number().int().min(0).max(1_000_000).nullable().optional(),
});
const localized = z.strictObject({ ar: text(200), en: text(200) });
const createBody = z
  .strictObject({
    name: localized,
    description: z.strictObject({ ar: text(5000).nullable().optional(), en: text(5000).nullable().optional() }).optional(),
    categoryId: id.nullable().optional(),
    status: z.enum(PRODUCT_STATUSES).optional(),
    attributes: dictionary(50).optional(),
    variants: z.array(variantBody).min(1).max(100),
  })
  .openapi({ example: { name: { ar: 'خبز عربي', en: 'Arabic bread' }, categoryId: null, status: 'active', attributes: { origin: 'Damascus' }, variants: [{ sku: 'BREAD-6', options: { pack: '6' }, price: 1500, compareAtPrice: 1800, barcode: '6291041500213', weightGrams: 600 }] } });
const patchBody = createBody.partial().refine((b) => Object.keys(b).length > 0, { message: 'at least one field is required' }).openapi({ example: { status: 'archived' } });

const imageSchema = z.object({ id: z.string(), alt: z.string().nullable(), sizes: imageSizesSchema });
export const productSchema = z
  .object({
    id: z.string(), storeId: z.string(), categoryId: z.string().nullable(),
    name: z.object({ ar: z.string(), en: z.string() }), description: z.object({ ar: z.string().nullable(), en: z.string().nullable() }),
    status: z.enum(PRODUCT_STATUSES), attributes: z.record(z.string(), z.string()), images: z.array(imageSchema),
    variants: z.array(z.object({ id: z.string(), sku: z.string(), options: z.record(z.string(), z.string()), price: z.number().int(), compareAtPrice: z.number().int().nullable(), barcode: z.string().nullable(), weightGrams: z.number().int().nullable() })),
    priceMin: z.number().int(), priceMax: z.number().int(), version: z.number().int(), createdAt: z.string(), updatedAt: z.string(),
  })
  .openapi('Product', {
    example: {
      id: EXAMPLE_ID.product, storeId: EXAMPLE_ID.store, categoryId: EXAMPLE_ID.category,
      name: { ar: 'خبز عربي', en: 'Arabic bread' }, description: { ar: 'خبز طازج من الفرن كل صباح', en: 'Fresh from the oven every morning' },
      status: 'active', attributes: { origin: 'Damascus' },
      images: [{ id: EXAMPLE_ID.productImage, alt: 'A stack of Arabic bread', sizes: exampleImageSizes(`/api/v1/product-images/${EXAMPLE_ID.product}/${EXAMPLE_ID.productImage}`) }],
      variants: [
        { id: EXAMPLE_ID.variant, sku: 'BREAD-6', options: { pack: '6' }, price: 1500, compareAtPrice: 1800, barcode: '6291041500213', weightGrams: 600 },
        { id: EXAMPLE_ID.secondVariant, sku: 'BREAD-12', options: { pack: '12' }, price: 2800, compareAtPrice: null, barcode: null, weightGrams: 1200 },
      ],
      priceMin: 1500, priceMax: 2800, version: 3, createdAt: '2026-01-06T10:12:00.000Z', updatedAt: '2026-01-08T07:30:00.000Z',
    },
  });

export function present(p: ProductView) {
  return { ...p, images: p.images.map((img) => ({ id: img.id, alt: img.alt, sizes: imageSizes(`/api/v1/product-images/${p.id}/${img.id}`, img.files) })) };
}

/** Products of a store: its owner (or an admin with `stores:manage`) manages them; foreign ones answer 404. */
export function productRoutes(d: ProductRouteDeps): RouteSpec[] {
  const tags = ['products'];
  const params = z.strictObject({ id });
  const owners = roles('store_owner', 'admin');
  return [
    defineRoute({
      method: 'post', path: '/api/v1/stores/:storeId/products', tags, access: owners, hidesForeign: true, status: 201,
      summary: 'Create a product with its variants in your store (prices in integer minor units; SKU unique per store)',
      params: z.strictObject({ storeId: id }), body: createBody, response: productSchema, errors: ['NOT_FOUND', 'CONFLICT', 'UNPROCESSABLE_ENTITY'],
      handler: async ({ auth, params: p, body }) => present(await d.manageProducts.create(auth, p.storeId, body)),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/stores/:storeId/products', tags, access: owners, hidesForeign: true,
      summary: "List a store's products, newest first (filter status, categoryId)",
      params: z.strictObject({ storeId: id }), query: z.strictObject({ ...pageQuery, status: z.enum(PRODUCT_STATUSES).optional(), categoryId: id.optional() }),
      response: pageSchema(productSchema), errors: ['NOT_FOUND'],
      handler: async ({ auth, params: p, query }) => {
        const { page, limit, ...filter } = query;
        const r = await d.catalogQueries.storeProducts(auth, p.storeId, filter, pageRequest(page, limit));
        return { items: r.items.map(present), pagination: r.pagination };
      },
    }),
    defineRoute({
      method: 'get', path: '/api/v1/products/:id', tags, access: owners, hidesForeign: true,
      summary: 'Read a product of your store', params, response: productSchema, errors: ['NOT_FOUND'],
      handler: async ({ auth, params: p }) => present(await d.catalogQueries.product(auth, p.id)),
    }),
    defineRoute({
      method: 'patch', path: '/api/v1/products/:id', tags, access: owners, hidesForeign: true,
      summary: 'Edit a product; `variants` (when given) is the whole new list: items with an id change that variant, items without one add a variant',
      params, body: patchBody, response: productSchema, errors: ['NOT_FOUND', 'CONFLICT', 'UNPROCESSABLE_ENTITY'],
      handler: async ({ auth, params: p, body }) => present(await d.manageProducts.update(auth, p.id, body)),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/products/:id/images', tags, access: owners, hidesForeign: true, status: 201, upload: d.productImageUpload,
      summary: 'Add a picture (raw body; the type is recognised from the bytes) resized into thumb, medium and large',
      params, query: z.strictObject({ alt: text(200).optional() }), response: productSchema, errors: ['NOT_FOUND', 'UNSUPPORTED_MEDIA_TYPE', 'UNPROCESSABLE_ENTITY'],
      handler: async ({ auth, params: p, query, file }) => present(await d.addProductImage.execute(auth, p.id, file!.bytes, query.alt ?? null)),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/product-images/:productId/:imageId/:file', tags, access: PUBLIC,
      summary: 'A product picture (JPEG). The URL carries the content hash: cache it forever',
      params: z.strictObject({ productId: id, imageId: id, file: imageFileParam }), response: z.string().openapi({ format: 'binary' }), errors: ['NOT_FOUND'],
      handler: async ({ params: p }) => {
        const product = await d.products.findById(p.productId);
        return serveImageFile(d.documentStorage, product?.images.find((i) => i.id === p.imageId)?.files, p.file);
      },
    }),
  ];
}
