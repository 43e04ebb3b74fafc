import { id, text, z, queryNumber } from '../zod.js';
import { COMMISSION_SCOPE_TYPES, MAX_RATE_BPS } from '../../domain/finance/commission-rule.js';
import type { CommissionRules } from '../../domain/finance/use-cases/commission-rules.js';
import { admin, defineRoute, roles, type RouteSpec } from '../route-kit.js';
import { pageQuery, pageSchema } from '../envelope.js';
import { pageRequest } from '../../domain/shared/pagination.js';
import { EXAMPLE_ID } from './example-ids.js';

export interface CommissionRouteDeps {
  commissionRules: CommissionRules;
}

const tags = ['admin', 'finance'];
const AT = '2026-12-01T09:30:00.000Z';
const RULE_ID = '0b9a8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d';
const scopeSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('default') }),
  z.strictObject({ type: z.literal('store'), id }),
  z.strictObject({ type: z.literal('category'), id }),
]).openapi('CommissionScope', { description: 'store beats category, category beats default (the most specific rule in force wins).' });
const rateBps = z.number().int('must be whole basis points').min(0).max(MAX_RATE_BPS).nullable().openapi({ description: 'Percentage of the line in basis points (250 = 2.5 %), rounded half to even; null: none.' });
const fixedMinor = z.number().int('must be whole minor units').min(0).max(Number.MAX_SAFE_INTEGER).nullable().openapi({ description: 'A fixed amount per order line, in minor units; null: none. With a rate, the line pays both, never more than the line.' });
const instant = z.iso.datetime({ offset: true });

const RULE_EXAMPLE = {
  id: RULE_ID, scope: { type: 'store' as const, id: EXAMPLE_ID.store }, rateBps: 800, fixedMinor: null, effectiveFrom: AT, effectiveTo: null,
  note: 'Launch deal: 8 % for the first quarter', changedBy: EXAMPLE_ID.admin, version: 1, createdAt: AT, updatedAt: AT,
};
const ruleSchema = z.object({
  id: z.string(), scope: scopeSchema, rateBps: z.number().int().nullable(), fixedMinor: z.number().int().nullable(),
  effectiveFrom: z.string().openapi({ format: 'date-time', description: 'Inclusive.' }), effectiveTo: z.string().nullable().openapi({ format: 'date-time', description: 'Exclusive; null: open-ended.' }),
  note: z.string().nullable(), changedBy: z.string().openapi({ description: 'The admin who created or last changed the rule (`setting:finance.commissionRules`: imported from the retired setting).' }),
  version: z.number().int(), createdAt: z.string(), updatedAt: z.string(),
}).openapi('CommissionRule', { example: RULE_EXAMPLE });
const rulePage = pageSchema(ruleSchema);
const createBody = z.strictObject({
  scope: scopeSchema, rateBps: rateBps.optional(), fixedMinor: fixedMinor.optional(),
  effectiveFrom: instant.optional().openapi({ description: 'Omitted: now.' }), effectiveTo: instant.nullable().optional(), note: text(500).nullable().optional(),
}).refine((b) => b.rateBps != null || b.fixedMinor != null, { message: 'a rule needs rateBps, fixedMinor or both', path: ['rateBps'] })
  .openapi({ example: { scope: { type: 'store', id: EXAMPLE_ID.store }, rateBps: 800, effectiveFrom: AT, note: 'Launch deal: 8 % for the first quarter' } });
const changeBody = z.strictObject({
  expectedVersion: z.number().int().min(1).openapi({ description: 'The version you read; another answers 409 CONFLICT.' }),
  rateBps: rateBps.optional(), fixedMinor: fixedMinor.optional(), effectiveFrom: instant.optional(), effectiveTo: instant.nullable().optional(), note: text(500).nullable().optional(),
}).openapi({ example: { expectedVersion: 1, effectiveTo: '2027-03-01T00:00:00.000Z' } });
const listQuery = z.strictObject({
  scopeType: z.enum(COMMISSION_SCOPE_TYPES).optional(), scopeId: id.optional(),
  ...pageQuery,
});
const versionQuery = z.strictObject({ expectedVersion: queryNumber(z.number().int().min(1)) });
const ruleParams = z.strictObject({ ruleId: id });

const LINE_EXAMPLE = {
  orderId: EXAMPLE_ID.order, lineIndex: 0, storeId: EXAMPLE_ID.store, variantId: EXAMPLE_ID.variant, productId: EXAMPLE_ID.product, categoryId: null, ruleId: RULE_ID, scope: `store:${EXAMPLE_ID.store}`,
  rateBps: 800, fixedMinor: null, baseMinor: 45_000, commissionMinor: 3_600, ruleAt: AT, computedAt: AT,
};
const lineSchema = z.object({
  orderId: z.string(), lineIndex: z.number().int(), storeId: z.string(), variantId: z.string(), productId: z.string(), categoryId: z.string().nullable(),
  ruleId: z.string().nullable().openapi({ description: 'The rule that won; null: none was in force (commission 0).' }), scope: z.string(),
  rateBps: z.number().int().nullable(), fixedMinor: z.number().int().nullable(), baseMinor: z.number().int(), commissionMinor: z.number().int(),
  ruleAt: z.string().openapi({ description: 'The instant whose rules applied: when the order was placed.' }), computedAt: z.string(),
}).openapi('CommissionLine', { example: LINE_EXAMPLE });
const orderCommission = z.object({
  orderId: z.string(), storeId: z.string(), settled: z.boolean().openapi({ description: 'false until delivery settles the order (the lines are written then).' }),
  totalCommissionMinor: z.number().int(), lines: z.array(lineSchema),
}).openapi('OrderCommission', { example: { orderId: EXAMPLE_ID.order, storeId: EXAMPLE_ID.store, settled: true, totalCommissionMinor: 3_600, lines: [LINE_EXAMPLE] } });

/** Commission rules (admins with finance:manage) and each order's commission lines (its store's owner too). */
export function commissionRoutes(d: CommissionRouteDeps): RouteSpec[] {
  const access = admin('finance:manage');
  return [
    defineRoute({
      method: 'get', path: '/api/v1/admin/commission-rules', tags, access, query: listQuery, response: rulePage,
      summary: 'Commission rules, the latest start first, optionally by scope',
      handler: ({ auth, query }) => d.commissionRules.list(auth, { ...(query.scopeType ? { scopeType: query.scopeType } : {}), ...(query.scopeId ? { scopeId: query.scopeId } : {}) }, pageRequest(query.page, query.limit)),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/admin/commission-rules', tags, access, status: 201, rateLimit: 'strict', body: createBody, response: ruleSchema,
      summary: 'Create a commission rule (a percentage and/or a fixed amount per order line, for a store, a category or by default, over a period); audited',
      handler: ({ auth, body, origin }) => d.commissionRules.create(auth, {
        scope: body.scope, rateBps: body.rateBps ?? null, fixedMinor: body.fixedMinor ?? null, effectiveFrom: body.effectiveFrom ?? null, effectiveTo: body.effectiveTo ?? null, note: body.note ?? null,
      }, origin),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/admin/commission-rules/:ruleId', tags, access, params: ruleParams, response: ruleSchema, errors: ['NOT_FOUND'],
      summary: 'One commission rule',
      handler: ({ auth, params }) => d.commissionRules.get(auth, params.ruleId),
    }),
    defineRoute({
      method: 'patch', path: '/api/v1/admin/commission-rules/:ruleId', tags, access, rateLimit: 'strict', params: ruleParams, body: changeBody, response: ruleSchema, errors: ['NOT_FOUND', 'CONFLICT'],
      summary: 'Change a rule\'s rate, amount, period or note (send the version you read); orders already settled keep their commission lines; audited',
      handler: ({ auth, params, body, origin }) => {
        const { expectedVersion, ...patch } = body;
        return d.commissionRules.change(auth, params.ruleId, expectedVersion, patch, origin);
      },
    }),
    defineRoute({
      method: 'delete', path: '/api/v1/admin/commission-rules/:ruleId', tags, access, rateLimit: 'strict', params: ruleParams, query: versionQuery, response: ruleSchema, errors: ['NOT_FOUND', 'CONFLICT'],
      summary: 'Delete a rule (send the version you read); answers the rule as it was. Settled orders keep their commission lines; audited',
      handler: ({ auth, params, query, origin }) => d.commissionRules.remove(auth, params.ruleId, query.expectedVersion, origin),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/orders/:id/commission', tags: ['orders', 'finance'], access: roles('store_owner', 'admin'), hidesForeign: true, params: z.strictObject({ id }), response: orderCommission, errors: ['NOT_FOUND'],
      summary: "An order's commission lines (one per order line: rule, rate, base, amount), written when the order is settled: its store's owner, or finance:manage",
      handler: ({ auth, params }) => d.commissionRules.ofOrder(auth, params.id),
    }),
  ];
}
