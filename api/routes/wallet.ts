import { z } from '../zod.js';
import { TOP_UP_STATUSES, type WalletTopUp } from '../../domain/finance/top-up.js';
import { FINANCE_READ } from '../../domain/finance/use-cases/finance-queries.js';
import type { WalletQueries } from '../../domain/finance/use-cases/wallet-queries.js';
import type { WalletTopUps } from '../../domain/finance/use-cases/wallet-top-ups.js';
import { pageRequest, toPage } from '../../domain/shared/pagination.js';
import { pageQuery, pageSchema } from '../envelope.js';
import { admin, defineRoute, roles, type RouteSpec } from '../route-kit.js';
import { EXAMPLE_ID } from './example-ids.js';
import { statementSchema } from './finance.js';

export interface WalletRouteDeps {
  walletQueries: WalletQueries;
  walletTopUps: WalletTopUps;
}

const tags = ['finance'];
const AT = '2026-12-01T09:30:00.000Z';
const minor = z.number().int().openapi({ description: 'Integer minor units of the marketplace currency.' });
const walletSchema = z
  .object({
    accountId: z.string(), customerId: z.string(), currency: z.string(),
    balance: z.object({
      posted: minor.openapi({ description: 'What the wallet holds.' }),
      pending: minor.openapi({ description: 'Minus what wallet orders not yet delivered or cancelled reserve.' }),
      available: minor.openapi({ description: 'What a checkout may still spend: posted less reserved.' }),
    }),
    limits: z.object({ topUpMinMinor: minor, topUpMaxMinor: minor, maxBalanceMinor: minor }),
  })
  .openapi('Wallet', {
    example: {
      accountId: `customer_wallet:${EXAMPLE_ID.customer}`, customerId: EXAMPLE_ID.customer, currency: 'SYP',
      balance: { posted: 250_000, pending: -86_580, available: 163_420 }, limits: { topUpMinMinor: 10_000, topUpMaxMinor: 5_000_000, maxBalanceMinor: 10_000_000 },
    },
  });
const topUpSchema = z
  .object({
    id: z.string(), customerId: z.string(), amountMinor: minor, currency: z.string(),
    status: z.enum(TOP_UP_STATUSES).openapi({ description: 'captured: the card was charged; the wallet is credited moments later by the finance consumer (once).' }),
    providerRef: z.string().nullable(), declineCode: z.string().nullable(), createdAt: z.string(), updatedAt: z.string(),
  })
  .openapi('WalletTopUp', {
    example: { id: '3d2c1b0a-9f8e-4d7c-8b6a-5f4e3d2c1b0a', customerId: EXAMPLE_ID.customer, amountMinor: 250_000, currency: 'SYP', status: 'captured', providerRef: 'pi_3QfZ8u2eZvKYlo2C0x1y2z3a', declineCode: null, createdAt: AT, updatedAt: AT },
  });
const topUpBody = z
  .strictObject({
    amountMinor: z.number().int('must be a whole number of minor units').positive('must be more than 0').max(Number.MAX_SAFE_INTEGER)
      .openapi({ description: 'Between the settings finance.walletTopUpMinMinor and finance.walletTopUpMaxMinor; the wallet may not pass finance.walletMaxBalanceMinor.' }),
    paymentMethodToken: z.string().min(1).max(255).openapi({ description: "The card's token from the client SDK, e.g. pm_card_visa." }),
  })
  .openapi({ example: { amountMinor: 250_000, paymentMethodToken: 'pm_card_visa' } });
const customerParams = z.strictObject({ customerId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, 'a customer id').openapi({ example: EXAMPLE_ID.customer }) });
const view = (t: WalletTopUp) => ({
  id: t.id, customerId: t.customerId, amountMinor: t.amountMinor, currency: t.currency, status: t.status, providerRef: t.providerRef, declineCode: t.declineCode, createdAt: t.createdAt, updatedAt: t.updatedAt,
});

/**
 * The customer's wallet: its balance and statement (only their own: the routes name no customer),
 * top-ups by card under an Idempotency-Key, and the admin's view of any customer's wallet.
 */
export function walletRoutes(d: WalletRouteDeps): RouteSpec[] {
  return [
    defineRoute({
      method: 'get', path: '/api/v1/wallet', tags, access: roles('customer'),
      summary: "The caller's wallet: what it holds, what wallet orders reserve, what may be spent, and the top-up limits",
      response: walletSchema,
      handler: ({ auth }) => d.walletQueries.view(auth),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/wallet/statement', tags, access: roles('customer'),
      summary: "The caller's wallet statement, oldest first: every top-up, order hold, payment, release and refund, with the balance after each",
      query: z.strictObject(pageQuery), response: statementSchema,
      handler: ({ auth, query }) => d.walletQueries.statement(auth, pageRequest(query.page, query.limit)),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/wallet/top-ups', tags, access: roles('customer'), rateLimit: 'strict', idempotency: 'required', status: 201,
      summary: 'Top up the wallet by card: charged at once through the card provider; the wallet is credited once the charge is captured. A declined card credits nothing (PAYMENT_DECLINED)',
      body: topUpBody, response: topUpSchema, errors: ['WALLET_TOP_UP_OUT_OF_RANGE', 'WALLET_BALANCE_LIMIT', 'PAYMENT_DECLINED', 'PAYMENT_METHOD_UNAVAILABLE', 'PAYMENT_PROVIDER_ERROR', 'CONFLICT'],
      handler: async ({ auth, body, ctx }) => view((await d.walletTopUps.topUp(auth, { amountMinor: body.amountMinor, paymentMethodToken: body.paymentMethodToken, idempotencyKey: ctx.get('idempotency-key') })).topUp),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/wallet/top-ups', tags, access: roles('customer'),
      summary: "The caller's top-ups, newest first",
      query: z.strictObject(pageQuery), response: pageSchema(topUpSchema),
      handler: async ({ auth, query }) => {
        const page = pageRequest(query.page, query.limit);
        const r = await d.walletTopUps.list(auth, (page.page - 1) * page.limit, page.limit);
        return toPage(r.topUps.map(view), r.total, page);
      },
    }),
    defineRoute({
      method: 'get', path: '/api/v1/admin/customers/:customerId/wallet', tags, access: admin(FINANCE_READ),
      summary: "A customer's wallet (admins with finance:manage); NOT_FOUND when the customer has none",
      params: customerParams, response: walletSchema, errors: ['NOT_FOUND'],
      handler: ({ auth, params }) => d.walletQueries.view(auth, params.customerId),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/admin/customers/:customerId/wallet/statement', tags, access: admin(FINANCE_READ),
      summary: "A customer's wallet statement with the balance after each entry (admins with finance:manage)",
      params: customerParams, query: z.strictObject(pageQuery), response: statementSchema, errors: ['NOT_FOUND'],
      handler: ({ auth, params, query }) => d.walletQueries.statement(auth, pageRequest(query.page, query.limit), params.customerId),
    }),
  ];
}
