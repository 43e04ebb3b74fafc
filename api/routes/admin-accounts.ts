import { text, z } from '../zod.js';
import { ROLES } from '../../domain/shared/principal.js';
import { pageRequest } from '../../domain/shared/pagination.js';
import type { IdentityQueries } from '../../domain/identity/use-cases/queries.js';
import type { SuspendAccount, UnsuspendAccount } from '../../domain/identity/use-cases/suspend-account.js';
import type { DecideVerification } from '../../domain/identity/use-cases/decide-verification.js';
import type { CheckCourierEligibility } from '../../domain/identity/use-cases/check-courier-eligibility.js';
import { admin, defineRoute, type RouteSpec } from '../route-kit.js';
import { pageQuery, pageSchema } from '../envelope.js';
import { accountSchema, id } from './identity-schemas.js';

export interface AdminAccountRouteDeps {
  identityQueries: IdentityQueries;
  suspendAccount: SuspendAccount;
  unsuspendAccount: UnsuspendAccount;
  decideVerification: DecideVerification;
  courierEligibility: CheckCourierEligibility;
}

/** /api/v1/admin/accounts: search, suspension and document verification, each behind its permission. */
export function adminAccountRoutes(d: AdminAccountRouteDeps): RouteSpec[] {
  const tags = ['admin'];
  const params = z.strictObject({ id });
  return [
    defineRoute({
      method: 'get', path: '/api/v1/admin/accounts', tags, access: admin('accounts:read'),
      summary: 'Search accounts by phone, email or name, role, status and verification; newest first',
      query: z.strictObject({
        ...pageQuery,
        q: text(100).optional(),
        role: z.enum(ROLES).optional(),
        status: z.enum(['pending_verification', 'active', 'suspended']).optional(),
        verification: z.enum(['not_required', 'not_submitted', 'pending', 'approved', 'rejected']).optional(),
      }),
      response: pageSchema(accountSchema),
      handler: ({ query }) => {
        const { page, limit, ...filter } = query;
        return d.identityQueries.search(filter, pageRequest(page, limit));
      },
    }),
    defineRoute({
      method: 'post', path: '/api/v1/admin/accounts/:id/suspend', tags, access: admin('accounts:suspend'),
      summary: 'Suspend an account: sessions revoked, access tokens refused, sockets disconnected',
      params, body: z.strictObject({ reason: text(500, 3) }).openapi({ example: { reason: 'Repeated fake orders reported by three stores' } }), response: accountSchema, errors: ['NOT_FOUND', 'CONFLICT'],
      handler: ({ auth, params: p, body, origin }) => d.suspendAccount.execute(auth, p.id, body, origin),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/admin/accounts/:id/unsuspend', tags, access: admin('accounts:suspend'),
      summary: 'Lift a suspension', params, response: accountSchema, errors: ['NOT_FOUND', 'CONFLICT'],
      handler: ({ auth, params: p, origin }) => d.unsuspendAccount.execute(auth, p.id, origin),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/admin/accounts/:id/verification', tags, access: admin('verification:decide'),
      summary: "Approve or reject an account's documents, with a reason (required to reject)",
      params,
      body: z.strictObject({ decision: z.enum(['approve', 'reject']), reason: text(500, 3).optional() }).openapi({ example: { decision: 'reject', reason: 'The driving licence photo is unreadable' } }),
      response: accountSchema, errors: ['NOT_FOUND', 'CONFLICT', 'UNPROCESSABLE_ENTITY'],
      handler: ({ auth, params: p, body, origin }) => d.decideVerification.execute(auth, p.id, body, origin),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/admin/couriers/:id/eligibility', tags, access: admin('couriers:read'),
      summary: 'Whether a courier may go online, and why not',
      params, response: z.object({ eligible: z.boolean(), reason: z.string().optional() }).openapi({ example: { eligible: false, reason: 'not_verified' } }),
      handler: ({ params: p }) => d.courierEligibility.execute(p.id),
    }),
  ];
}
