import { id, text, z } from '../zod.js';
import type { AuditLogQueries } from '../../domain/platform/use-cases/queries.js';
import { pageRequest } from '../../domain/shared/pagination.js';
import { admin, defineRoute, type RouteSpec } from '../route-kit.js';
import { pageQuery, pageSchema } from '../envelope.js';
import { EXAMPLE_ID } from './example-ids.js';

export const auditEntrySchema = z
  .object({
    id: z.string(),
    at: z.string().openapi({ format: 'date-time' }),
    actor: z.object({ id: z.string().nullable(), role: z.string() }),
    action: z.string().openapi({ example: 'account.suspended' }),
    resource: z.object({ type: z.string(), id: z.string().nullable() }),
    outcome: z.enum(['success', 'failure']),
    origin: z.object({ ip: z.string().nullable(), userAgent: z.string().nullable(), requestId: z.string().nullable() }),
    metadata: z.record(z.string(), z.unknown()),
  })
  .openapi('AuditEntry', {
    example: {
      id: EXAMPLE_ID.auditEntry, at: '2026-01-08T13:05:44.000Z', actor: { id: EXAMPLE_ID.admin, role: 'admin' }, action: 'account.suspended',
      resource: { type: 'account', id: EXAMPLE_ID.customer }, outcome: 'success',
      origin: { ip: '203.0.113.24', userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/134.0', requestId: EXAMPLE_ID.request },
      metadata: { reason: 'Repeated fake orders reported by three stores' },
    },
  });

const listQuery = z.strictObject({
  ...pageQuery,
  actorId: id.optional(),
  action: text(100).optional(),
  actionPrefix: text(100).optional(),
  resourceType: text(64).optional(),
  resourceId: id.optional(),
  outcome: z.enum(['success', 'failure']).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});

/** Admin routes of the platform context: the audit log. */
export function platformRoutes(deps: { auditLogQueries: AuditLogQueries }): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/admin/audit-log',
      summary: 'Search the audit log (admin actions and security events), newest first',
      tags: ['admin'],
      access: admin('audit:read'),
      query: listQuery,
      response: pageSchema(auditEntrySchema),
      handler: ({ query }) => {
        const { page, limit, from, to, ...filter } = query;
        return deps.auditLogQueries.list(
          { ...filter, ...(from ? { from: new Date(from) } : {}), ...(to ? { to: new Date(to) } : {}) },
          pageRequest(page, limit),
        );
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/admin/audit-log/:id',
      summary: 'Read one audit entry',
      tags: ['admin'],
      access: admin('audit:read'),
      params: z.strictObject({ id }),
      response: auditEntrySchema,
      errors: ['NOT_FOUND'],
      handler: ({ params }) => deps.auditLogQueries.get(params.id),
    }),
  ];
}
