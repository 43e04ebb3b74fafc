import { z } from '../zod.js';
import { OWNER_KINDS, TRANSFER_KINDS } from '../../domain/finance/model.js';
import { FINANCE_READ, type FinanceQueries } from '../../domain/finance/use-cases/finance-queries.js';
import { pageRequest, toPage } from '../../domain/shared/pagination.js';
import { pageQuery, pageSchema } from '../envelope.js';
import { admin, defineRoute, roles, type RouteSpec } from '../route-kit.js';
import { EXAMPLE_ID } from './example-ids.js';

export interface FinanceRouteDeps {
  financeQueries: FinanceQueries;
}

const AT = '2026-01-10T09:30:00.000Z';
const minor = z.number().int().openapi({ description: 'Integer minor units of the ledger currency.' });
const balance = z.object({
  posted: minor.openapi({ description: 'Posted credits − posted debits: what the platform owes the owner (negative: what the owner owes, e.g. cash in hand).' }),
  pending: minor.openapi({ description: 'Pending credits − pending debits: reserved, not yet posted or voided.' }),
  available: minor.openapi({ description: 'Posted credits − posted debits − pending debits: what may still be spent or paid out.' }),
});
export const ledgerAccountSchema = z
  .object({
    id: z.string(), currency: z.string(), ownerKind: z.enum(OWNER_KINDS), ownerId: z.string(),
    flags: z.object({ debitsMustNotExceedCredits: z.boolean(), creditsMustNotExceedDebits: z.boolean() }),
    debitsPending: minor, debitsPosted: minor, creditsPending: minor, creditsPosted: minor, balance, createdAt: z.string(),
  })
  .openapi('LedgerAccount', {
    example: {
      id: `store_payable:${EXAMPLE_ID.store}`, currency: 'SYP', ownerKind: 'store_payable', ownerId: EXAMPLE_ID.store,
      flags: { debitsMustNotExceedCredits: true, creditsMustNotExceedDebits: false },
      debitsPending: 0, debitsPosted: 11_800, creditsPending: 0, creditsPosted: 45_000, balance: { posted: 33_200, pending: 0, available: 33_200 }, createdAt: AT,
    },
  });
const entrySchema = z
  .object({
    transferId: z.string(), kind: z.enum(TRANSFER_KINDS), code: z.string(), reference: z.string(), side: z.enum(['credit', 'debit']), amountMinor: minor,
    postedChangeMinor: minor, balanceAfter: z.object({ posted: minor, available: minor }), at: z.string(),
  })
  .openapi('StatementEntry', {
    example: {
      transferId: `${EXAMPLE_ID.order}:settle`, kind: 'post_pending', code: 'order_hold', reference: `order:${EXAMPLE_ID.order}`, side: 'credit',
      amountMinor: 45_000, postedChangeMinor: 45_000, balanceAfter: { posted: 45_000, available: 45_000 }, at: AT,
    },
  });
export const statementSchema = z.object({ account: ledgerAccountSchema, entries: pageSchema(entrySchema) }).openapi('Statement');
const accountParams = z.strictObject({ accountId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, 'an account id').openapi({ example: `customer_wallet:${EXAMPLE_ID.customer}` }) });
const ownerQuery = z.strictObject({ ownerId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, 'an owner id'), ownerKind: z.enum(OWNER_KINDS).optional() });
const listOf = <T>(items: T[]) => toPage(items, items.length, pageRequest(1, Math.max(1, items.length)));

/**
 * Money as its owners read it: a customer their wallet, a courier their earnings and cash in hand, a
 * store owner their stores' payables, each with its statement (the balance after every entry); admins
 * with finance:manage any account, any owner's accounts, and the platform's revenue.
 */
export function financeRoutes(d: FinanceRouteDeps): RouteSpec[] {
  const tags = ['finance'];
  return [
    defineRoute({
      method: 'get', path: '/api/v1/finance/accounts', tags, access: roles('customer', 'store_owner', 'courier'),
      summary: "The caller's own ledger accounts with their balances: a customer's wallet, a courier's earnings and cash in hand, a store owner's stores' payables (an account opens with its first money)",
      response: pageSchema(ledgerAccountSchema),
      handler: async ({ auth }) => listOf(await d.financeQueries.mine(auth)),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/finance/accounts/:accountId', tags, access: roles('customer', 'store_owner', 'courier', 'admin'), hidesForeign: true,
      summary: 'One ledger account and its balances: its owner, or an admin with finance:manage',
      params: accountParams, response: ledgerAccountSchema, errors: ['NOT_FOUND'],
      handler: ({ auth, params }) => d.financeQueries.account(auth, params.accountId),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/finance/accounts/:accountId/statement', tags, access: roles('customer', 'store_owner', 'courier', 'admin'), hidesForeign: true,
      summary: "An account's statement, oldest first: every transfer on either side and the posted and available balance after it",
      params: accountParams, query: z.strictObject(pageQuery), response: statementSchema, errors: ['NOT_FOUND'],
      handler: ({ auth, params, query }) => d.financeQueries.statement(auth, params.accountId, pageRequest(query.page, query.limit)),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/admin/finance/accounts', tags, access: admin(FINANCE_READ),
      summary: "An owner's ledger accounts (a customer, store, courier, or `platform`), of one kind or all, with their balances",
      query: ownerQuery, response: pageSchema(ledgerAccountSchema),
      handler: async ({ query }) => listOf(await d.financeQueries.byOwner(query.ownerId, query.ownerKind)),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/admin/finance/revenue', tags, access: admin(FINANCE_READ),
      summary: "The platform's own accounts: revenue (commission and delivery-fee cuts) and the clearing accounts",
      response: pageSchema(ledgerAccountSchema),
      handler: async () => listOf([...(await d.financeQueries.byOwner('platform')), ...(await d.financeQueries.byOwner('card')), ...(await d.financeQueries.byOwner('cash'))]),
    }),
  ];
}
