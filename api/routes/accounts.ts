import { z } from '../zod.js';
import { ROLES } from '../../domain/shared/principal.js';
import { DOCUMENT_KINDS } from '../../domain/identity/model.js';
import type { UpdateProfile } from '../../domain/identity/use-cases/update-profile.js';
import type { SubmitDocument } from '../../domain/identity/use-cases/submit-document.js';
import type { IdentityQueries } from '../../domain/identity/use-cases/queries.js';
import { offsetOf, pageRequest, toPage } from '../../domain/shared/pagination.js';
import { defineRoute, roles, type RouteSpec } from '../route-kit.js';
import { pageQuery, pageSchema } from '../envelope.js';
import { accountSchema, documentSchema, id, profileBody } from './identity-schemas.js';

export interface AccountRouteDeps {
  updateProfile: UpdateProfile;
  submitDocument: SubmitDocument;
  identityQueries: IdentityQueries;
  documentUpload: { contentTypes: string[]; maxBytes: number };
}

/** /api/v1/accounts: the owner's account, profile and documents. Foreign accounts answer 404. */
export function accountRoutes(d: AccountRouteDeps): RouteSpec[] {
  const tags = ['accounts'];
  const params = z.strictObject({ id });
  return [
    defineRoute({
      method: 'get', path: '/api/v1/accounts/:id', tags, access: roles(...ROLES), hidesForeign: true,
      summary: 'Read an account: your own, or any with admin permission accounts:read',
      params, response: accountSchema, errors: ['NOT_FOUND'],
      handler: ({ auth, params: p }) => d.identityQueries.account(auth, p.id),
    }),
    defineRoute({
      method: 'patch', path: '/api/v1/accounts/:id/profile', tags, access: roles(...ROLES), hidesForeign: true,
      summary: "Complete or edit your own profile (only your role's profile fields and email)",
      params, body: profileBody, response: accountSchema, errors: ['NOT_FOUND', 'CONFLICT'],
      handler: ({ auth, params: p, body }) => d.updateProfile.execute(auth, p.id, body as never),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/accounts/:id/documents', tags, access: roles('store_owner', 'courier'), hidesForeign: true, status: 201,
      summary: 'Upload a verification document (raw body: PDF, PNG or JPEG); the account goes to review',
      params, query: z.strictObject({ kind: z.enum(DOCUMENT_KINDS) }), upload: d.documentUpload,
      response: documentSchema, errors: ['NOT_FOUND'],
      handler: ({ auth, params: p, query, file }) => d.submitDocument.execute(auth, p.id, { kind: query.kind, contentType: file!.contentType, bytes: file!.bytes }),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/accounts/:id/documents', tags, access: roles('store_owner', 'courier', 'admin'), hidesForeign: true,
      summary: 'List verification documents: your own, or any with admin permission verification:decide',
      params, query: z.strictObject(pageQuery), response: pageSchema(documentSchema), errors: ['NOT_FOUND'],
      handler: async ({ auth, params: p, query }) => {
        // An account holds a handful of documents, so the page is cut from the whole list.
        const all = await d.identityQueries.documents(auth, p.id);
        const req = pageRequest(query.page, query.limit);
        return toPage(all.slice(offsetOf(req), offsetOf(req) + req.limit), all.length, req);
      },
    }),
    defineRoute({
      method: 'get', path: '/api/v1/accounts/:id/documents/:documentId', tags, access: roles('store_owner', 'courier', 'admin'), hidesForeign: true,
      summary: 'Read one verification document with its content (base64)',
      params: z.strictObject({ id, documentId: id }), response: documentSchema.extend({ contentBase64: z.string().openapi({ example: 'JVBERi0xLjcKJeLjz9MK' }) }), errors: ['NOT_FOUND'],
      handler: ({ auth, params: p }) => d.identityQueries.document(auth, p.id, p.documentId),
    }),
  ];
}
