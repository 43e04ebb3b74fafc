import { id, text, z } from '../zod.js';
import { pageRequest } from '../../domain/shared/pagination.js';
import { STORE_STATUSES } from '../../domain/catalog/model.js';
import { STORE_DOCUMENT_KINDS } from '../../domain/catalog/store-verification.js';
import type { StoreRepository } from '../../domain/catalog/ports.js';
import type { CreateStore } from '../../domain/catalog/use-cases/create-store.js';
import type { UpdateStore } from '../../domain/catalog/use-cases/update-store.js';
import type { StoreQueries } from '../../domain/catalog/use-cases/queries.js';
import type { SetStoreLogo } from '../../domain/catalog/use-cases/set-store-logo.js';
import type { SubmitStoreDocument } from '../../domain/catalog/use-cases/submit-store-document.js';
import type { DecideStoreVerification } from '../../domain/catalog/use-cases/decide-store-verification.js';
import type { PublicStoreQueries } from '../../domain/catalog/use-cases/public-store-queries.js';
import type { DocumentStorage } from '../../domain/identity/ports.js';
import { admin, defineRoute, PUBLIC, roles, type RouteSpec, type UploadSpec } from '../route-kit.js';
import { pageQuery, pageSchema } from '../envelope.js';
import { imageFileParam, serveImageFile } from './image-files.js';
import { createStoreBody, patchStoreBody, presentPublicStore, presentStore, publicStoreSchema, storeDocumentSchema, storeSchema } from './store-schemas.js';

export interface StoreRouteDeps {
  createStore: CreateStore;
  updateStore: UpdateStore;
  storeQueries: StoreQueries;
  setStoreLogo: SetStoreLogo;
  submitStoreDocument: SubmitStoreDocument;
  decideStoreVerification: DecideStoreVerification;
  publicStoreQueries: PublicStoreQueries;
  stores: StoreRepository;
  documentStorage: DocumentStorage;
  storeLogoUpload: UploadSpec;
  documentUpload: UploadSpec;
}

/** Request and response schemas shared by the store and delivery routes. */
export { id };
export { point, storeSchema } from './store-schemas.js';

/**
 * /api/v1/stores: store owners manage their own stores; admins with `stores:manage` every store. Foreign stores answer 404.
 * /api/v1/public/stores: anyone reads listed stores (open and approved); any other store answers 404.
 * /api/v1/admin/…: verifiers (`verification:decide`) work the store verification queue.
 */
export function storeRoutes(d: StoreRouteDeps): RouteSpec[] {
  const tags = ['stores'];
  const params = z.strictObject({ id });
  const owners = roles('store_owner', 'admin');
  return [
    defineRoute({
      method: 'post', path: '/api/v1/stores', tags, access: roles('store_owner'), status: 201,
      summary: 'Open a store of your own (status open unless given); customers see it once a verifier approves it',
      body: createStoreBody, response: storeSchema, errors: ['VALIDATION_ERROR'],
      handler: async ({ auth, body }) => presentStore(await d.createStore.execute(auth, body)),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/stores', tags, access: owners,
      summary: 'List stores, newest first: your own, or every store with admin permission stores:manage (filter ownerId)',
      query: z.strictObject({ ...pageQuery, status: z.enum(STORE_STATUSES).optional(), ownerId: id.optional() }),
      response: pageSchema(storeSchema),
      handler: async ({ auth, query }) => {
        const { page, limit, ...filter } = query;
        const r = await d.storeQueries.list(auth, filter, pageRequest(page, limit));
        return { items: r.items.map(presentStore), pagination: r.pagination };
      },
    }),
    defineRoute({
      method: 'get', path: '/api/v1/stores/:id', tags, access: owners, hidesForeign: true,
      summary: 'Read a store: your own, or any with admin permission stores:manage',
      params, response: storeSchema, errors: ['NOT_FOUND'],
      handler: async ({ auth, params: p }) => presentStore(await d.storeQueries.get(auth, p.id)),
    }),
    defineRoute({
      method: 'patch', path: '/api/v1/stores/:id', tags, access: owners, hidesForeign: true,
      summary: 'Edit a store: profile, pickup point, hours, temporary closure, minimum order, open/closed. Your own, or any with stores:manage. Rating and verification are not editable',
      params, body: patchStoreBody, response: storeSchema, errors: ['NOT_FOUND', 'CONFLICT', 'VALIDATION_ERROR'],
      handler: async ({ auth, params: p, body }) => presentStore(await d.updateStore.execute(auth, p.id, body)),
    }),
    defineRoute({
      method: 'put', path: '/api/v1/stores/:id/logo', tags, access: owners, hidesForeign: true, upload: d.storeLogoUpload,
      summary: 'Replace the logo (raw body; the type is recognised from the bytes), resized into thumb, medium and large',
      params, response: storeSchema, errors: ['NOT_FOUND', 'UNSUPPORTED_MEDIA_TYPE', 'UNPROCESSABLE_ENTITY', 'PAYLOAD_TOO_LARGE'],
      handler: async ({ auth, params: p, file }) => presentStore(await d.setStoreLogo.put(auth, p.id, file!.bytes)),
    }),
    defineRoute({
      method: 'delete', path: '/api/v1/stores/:id/logo', tags, access: owners, hidesForeign: true,
      summary: 'Remove the logo (removing a missing logo changes nothing)',
      params, response: storeSchema, errors: ['NOT_FOUND'],
      handler: async ({ auth, params: p }) => presentStore(await d.setStoreLogo.remove(auth, p.id)),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/store-logos/:storeId/:file', tags, access: PUBLIC,
      summary: 'A store logo (JPEG). The URL carries the content hash: cache it forever',
      params: z.strictObject({ storeId: id, file: imageFileParam }), response: z.string().openapi({ format: 'binary' }), errors: ['NOT_FOUND'],
      handler: async ({ params: p }) => serveImageFile(d.documentStorage, (await d.stores.findById(p.storeId))?.logo?.files, p.file),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/stores/:id/documents', tags, access: owners, hidesForeign: true, status: 201, upload: d.documentUpload,
      summary: 'Upload a verification document of the store (raw body: PDF, JPEG or PNG); an unapproved store joins the verification queue',
      params, query: z.strictObject({ kind: z.enum(STORE_DOCUMENT_KINDS) }), response: storeSchema, errors: ['NOT_FOUND', 'UNPROCESSABLE_ENTITY', 'PAYLOAD_TOO_LARGE'],
      handler: async ({ auth, params: p, query, file }) => presentStore(await d.submitStoreDocument.execute(auth, p.id, { kind: query.kind, contentType: file!.contentType, bytes: file!.bytes })),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/stores/:id/documents/:documentId', tags, access: owners, hidesForeign: true,
      summary: "Read one of a store's verification documents with its content (base64): the store's owner, or a verifier (verification:decide)",
      params: z.strictObject({ id, documentId: id }), response: storeDocumentSchema.extend({ contentBase64: z.string().openapi({ example: 'JVBERi0xLjcKJeLjz9MK' }) }), errors: ['NOT_FOUND'],
      handler: async ({ auth, params: p }) => {
        const { bytes, ...doc } = await d.storeQueries.document(auth, p.id, p.documentId);
        return { ...doc, contentBase64: bytes.toString('base64') };
      },
    }),
    defineRoute({
      method: 'get', path: '/api/v1/admin/store-verifications', tags: ['admin'], access: admin('verification:decide'),
      summary: 'The store verification queue: pending stores with their documents, oldest submission first',
      query: z.strictObject(pageQuery), response: pageSchema(storeSchema),
      handler: async ({ query }) => {
        const r = await d.storeQueries.verificationQueue(pageRequest(query.page, query.limit));
        return { items: r.items.map(presentStore), pagination: r.pagination };
      },
    }),
    defineRoute({
      method: 'post', path: '/api/v1/admin/stores/:id/verification', tags: ['admin'], access: admin('verification:decide'),
      summary: 'Approve or reject a pending store (a rejection needs a reason). Repeating the decision answers the store unchanged; another decision on a decided store is CONFLICT',
      params,
      body: z.strictObject({ decision: z.enum(['approve', 'reject']), reason: text(500).optional() }).openapi({ example: { decision: 'reject', reason: 'The business licence has expired' } }),
      response: storeSchema, errors: ['NOT_FOUND', 'CONFLICT', 'VALIDATION_ERROR'],
      handler: async ({ auth, params: p, body, origin }) => presentStore(await d.decideStoreVerification.execute(auth, p.id, body, origin)),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/public/stores', tags: ['public'], access: PUBLIC,
      summary: 'Browse stores customers can order from (open and approved), newest first. Filters: q (name), cuisine, openNow',
      query: z.strictObject({ ...pageQuery, q: text(100).optional(), cuisine: text(60).optional(), openNow: z.enum(['true', 'false']).optional() }),
      response: pageSchema(publicStoreSchema),
      handler: async ({ query }) => {
        const { page, limit, openNow, ...filter } = query;
        const r = await d.publicStoreQueries.list({ ...filter, ...(openNow ? { openNow: openNow === 'true' } : {}) }, pageRequest(page, limit));
        return { items: r.items.map(presentPublicStore), pagination: r.pagination };
      },
    }),
    defineRoute({
      method: 'get', path: '/api/v1/public/stores/:id', tags: ['public'], access: PUBLIC,
      summary: 'Read a listed store with open now and its next opening; an unlisted (unapproved or closed) store answers 404',
      params, response: publicStoreSchema, errors: ['NOT_FOUND'],
      handler: async ({ params: p }) => presentPublicStore(await d.publicStoreQueries.get(p.id)),
    }),
  ];
}
