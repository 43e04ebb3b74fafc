import { text, z, id } from '../zod.js';
import type { RecordRemittance } from '../../domain/finance/use-cases/record-remittance.js';
import { REMITTANCE_METHODS } from '../../domain/finance/use-cases/record-remittance.js';
import type { Payouts } from '../../domain/finance/use-cases/payouts.js';
import type { Statements } from '../../domain/finance/use-cases/statements.js';
import type { RunPayoutBatch } from '../../domain/finance/use-cases/run-payout-batch.js';
import { PAYOUT_STATUSES, type PayoutOwnerKind } from '../../domain/finance/payout.js';
import { admin, defineRoute, PUBLIC, RawBody, roles, type RouteSpec } from '../route-kit.js';
import { payoutHistoryCsv, payoutHistoryPdf, statementCsv, statementPdf } from '../statement-files.js';
import { EXAMPLE_ID } from './example-ids.js';

export interface PayoutRouteDeps {
  recordRemittance: RecordRemittance;
  payoutService: Payouts;
  statements: Statements;
  /** The payout job's use case; routes use its webhook side. */
  runPayoutBatch: RunPayoutBatch;
  /** Queues a payout batch on the worker role (job id = batch id: a repeated trigger queues nothing more). */
  payoutJobs: { runBatch(batchId: string): Promise<void> };
}

const tags = ['finance'];
const minor = z.number().int('must be a whole number of minor units').positive('must be more than 0').max(Number.MAX_SAFE_INTEGER);
const clientId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/, '1–100 letters, digits or _.:- (your client chooses it; a retry sends the same)');
const AT = '2026-12-01T09:30:00.000Z';

const remittanceSchema = z.object({
  remittanceId: z.string(), courierId: z.string(), amountMinor: z.number().int(), currency: z.string(), recordedAt: z.string(),
  created: z.boolean().openapi({ description: 'false: this id was recorded before (a retry); nothing more was written.' }),
  cashInHandMinor: z.number().int().openapi({ description: 'What the courier still holds after it.' }),
}).openapi('Remittance', { example: { remittanceId: 'rem-2026-12-01-0007', courierId: EXAMPLE_ID.courier, amountMinor: 250_000, currency: 'SYP', recordedAt: AT, created: true, cashInHandMinor: 40_000 } });
const remittanceBody = z.strictObject({
  remittanceId: clientId, amountMinor: minor, method: z.enum(REMITTANCE_METHODS).openapi({ description: 'office: cash handed over at an office; bank_deposit: a deposit the admin confirmed.' }),
  note: text(500).optional(),
}).openapi({ example: { remittanceId: 'rem-2026-12-01-0007', amountMinor: 250_000, method: 'office' } });
const remittanceList = z.object({ cashInHandMinor: z.number().int(), remittances: z.array(remittanceSchema.omit({ created: true, cashInHandMinor: true })) })
  .openapi({ example: { cashInHandMinor: 40_000, remittances: [{ remittanceId: 'rem-2026-12-01-0007', courierId: EXAMPLE_ID.courier, amountMinor: 250_000, currency: 'SYP', recordedAt: AT }] } });

const bankSchema = z.object({ ownerKind: z.enum(['store', 'courier']), ownerId: z.string(), holderName: z.string(), iban: z.string(), bic: z.string().nullable(), connectedAccountId: z.string().nullable(), updatedAt: z.string() })
  .openapi('BankAccount', { example: { ownerKind: 'store', ownerId: EXAMPLE_ID.store, holderName: 'Al-Sham Bakery LLC', iban: 'DE89370400440532013000', bic: null, connectedAccountId: null, updatedAt: AT } });
const bankBody = z.strictObject({
  holderName: text(200), iban: z.string().max(64).openapi({ description: 'Validated by country format and check digits (IBAN_INVALID otherwise); spaces allowed.' }), bic: z.string().max(11).nullable().optional(),
  connectedAccountId: z.string().max(80).nullable().optional().openapi({ description: 'The Stripe Connect account (acct_…) payouts go to when PAYOUT_PROVIDER is stripe_connect.' }),
})
  .openapi({ example: { holderName: 'Al-Sham Bakery LLC', iban: 'DE89 3704 0044 0532 0130 00' } });

const payoutSchema = z.object({
  id: z.string(), ownerKind: z.enum(['store', 'courier']), ownerId: z.string(), recipientAccountId: z.string(), amountMinor: z.number().int(), currency: z.string(),
  status: z.enum(PAYOUT_STATUSES), holderName: z.string(), iban: z.string(), bic: z.string().nullable(), requestedBy: z.string(), decidedBy: z.string().nullable(),
  reason: z.string().nullable(), batchId: z.string().nullable(), providerRef: z.string().nullable(), connectedAccountId: z.string().nullable(),
  attempts: z.number().int().openapi({ description: 'Provider calls made so far.' }), nextAttemptAt: z.string().nullable().openapi({ description: 'A sending payout is not sent again before this.' }),
  lastError: z.string().nullable(), version: z.number().int(), createdAt: z.string(), updatedAt: z.string(),
}).openapi('Payout', {
  example: {
    id: 'po-2026-12-01-0001', ownerKind: 'store', ownerId: EXAMPLE_ID.store, recipientAccountId: EXAMPLE_ID.storeOwner, amountMinor: 1_500_000, currency: 'SYP', status: 'requested',
    holderName: 'Al-Sham Bakery LLC', iban: 'DE89370400440532013000', bic: null, requestedBy: EXAMPLE_ID.storeOwner, decidedBy: null, reason: null, batchId: null, providerRef: null,
    connectedAccountId: null, attempts: 0, nextAttemptAt: null, lastError: null, version: 1, createdAt: AT, updatedAt: AT,
  },
});
const PAYOUT_EXAMPLE = {
  id: 'po-2026-12-01-0001', ownerKind: 'store' as const, ownerId: EXAMPLE_ID.store, recipientAccountId: EXAMPLE_ID.storeOwner, amountMinor: 1_500_000, currency: 'SYP', status: 'requested' as const,
  holderName: 'Al-Sham Bakery LLC', iban: 'DE89370400440532013000', bic: null, requestedBy: EXAMPLE_ID.storeOwner, decidedBy: null, reason: null, batchId: null, providerRef: null,
  connectedAccountId: null, attempts: 0, nextAttemptAt: null, lastError: null, version: 1, createdAt: AT, updatedAt: AT,
};
const payoutPage = z.object({ payouts: z.array(payoutSchema), total: z.number().int() }).openapi({ example: { payouts: [PAYOUT_EXAMPLE], total: 1 } });
const balanceSchema = z.object({
  currency: z.string(), postedMinor: z.number().int(), reservedMinor: z.number().int().openapi({ description: 'Requested payouts not yet paid or rejected.' }),
  unremittedCashMinor: z.number().int().openapi({ description: "Cash of the store's cash orders couriers still hold: not payable until remitted." }),
  availableMinor: z.number().int(), minimumMinor: z.number().int(),
}).openapi('PayoutBalance', { example: { currency: 'SYP', postedMinor: 2_000_000, reservedMinor: 0, unremittedCashMinor: 300_000, availableMinor: 1_700_000, minimumMinor: 100_000 } });
const payoutBody = z.strictObject({ payoutId: clientId, amountMinor: minor }).openapi({ example: { payoutId: 'po-2026-12-01-0001', amountMinor: 1_500_000 } });
const decisionBody = z.strictObject({ reason: text(500).optional() }).openapi({ example: { reason: 'IBAN confirmed by phone' } });
const pageQuery = z.strictObject({ offset: z.coerce.number().int().min(0).max(100_000).default(0), limit: z.coerce.number().int().min(1).max(100).default(20) });
const batchSchema = z.object({ batchId: z.string(), status: z.literal('queued') }).openapi({ example: { batchId: 'batch-2026-12-01', status: 'queued' } });
const payoutWebhookAck = z.object({ payoutId: z.string().nullable(), outcome: z.enum(['applied', 'ignored']) }).openapi({ example: { payoutId: 'po-2026-12-01-0001', outcome: 'applied' } });
const DAY = 86_400_000;
const rangeQuery = z.strictObject({
  from: z.iso.datetime({ offset: true }).or(z.iso.date()).optional().openapi({ description: 'Start, inclusive (ISO date or date-time); default 30 days before `to`.' }),
  to: z.iso.datetime({ offset: true }).or(z.iso.date()).optional().openapi({ description: 'End, exclusive; default now.' }),
  format: z.enum(['json', 'csv', 'pdf']).default('json').openapi({ description: 'json: the envelope; csv: text/csv; pdf: application/pdf (an attachment).' }),
});
const rangeOf = (q: { from?: string | undefined; to?: string | undefined }) => {
  const to = q.to ? new Date(q.to) : new Date();
  return { from: q.from ? new Date(q.from) : new Date(to.getTime() - 30 * DAY), to };
};
const balanceAt = z.object({ posted: z.number().int(), available: z.number().int() });
const statementSchema = z.object({
  ownerKind: z.enum(['store', 'courier']), ownerId: z.string(), accountId: z.string(), currency: z.string(), from: z.string(), to: z.string(), opening: balanceAt, closing: balanceAt,
  totals: z.object({ creditsMinor: z.number().int(), debitsMinor: z.number().int(), entries: z.number().int() }),
  entries: z.array(z.object({
    transferId: z.string(), kind: z.string(), code: z.string(), reference: z.string(), side: z.enum(['credit', 'debit']), amountMinor: z.number().int(), postedChangeMinor: z.number().int(), balanceAfter: balanceAt, at: z.string(),
  })),
}).openapi('PeriodStatement', {
  description: 'As JSON; with format=csv or format=pdf the same statement is sent as a file (text/csv: one row per entry; application/pdf: header, totals, entries).',
  example: {
    ownerKind: 'store', ownerId: EXAMPLE_ID.store, accountId: `store_payable:${EXAMPLE_ID.store}`, currency: 'SYP', from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z',
    opening: { posted: 0, available: 0 }, closing: { posted: 18_000, available: 18_000 }, totals: { creditsMinor: 20_000, debitsMinor: 2_000, entries: 2 },
    entries: [{ transferId: 'ord-1:settle', kind: 'post_pending', code: 'order_hold', reference: 'order:ord-1', side: 'credit', amountMinor: 20_000, postedChangeMinor: 20_000, balanceAfter: { posted: 20_000, available: 20_000 }, at: AT }],
  },
});
const historySchema = z.object({
  ownerKind: z.enum(['store', 'courier']), ownerId: z.string(), from: z.string(), to: z.string(), payouts: z.array(payoutSchema),
  totals: z.object({ paidMinor: z.number().int(), openMinor: z.number().int(), count: z.number().int() }),
}).openapi('PayoutHistory', {
  description: 'As JSON; with format=csv or format=pdf as a file.',
  example: { ownerKind: 'store', ownerId: EXAMPLE_ID.store, from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z', payouts: [PAYOUT_EXAMPLE], totals: { paidMinor: 0, openMinor: 1_500_000, count: 1 } },
});
const fileName = (kind: string, id: string, from: Date, to: Date) => `${kind}-${id}-${from.toISOString().slice(0, 10)}-${to.toISOString().slice(0, 10)}`.replace(/[^A-Za-z0-9_.-]/g, '_');
async function asFile<T>(format: 'json' | 'csv' | 'pdf', data: T, name: string, csv: (d: T) => Buffer, pdf: (d: T) => Promise<Buffer>): Promise<T | RawBody> {
  if (format === 'json') return data;
  const headers = { 'Content-Disposition': `attachment; filename="${name}.${format}"`, 'Cache-Control': 'private, no-store', 'X-Content-Type-Options': 'nosniff' };
  return format === 'csv' ? new RawBody('text/csv; charset=utf-8', csv(data), headers) : new RawBody('application/pdf', await pdf(data), headers);
}
const batchBody = z.strictObject({ batchId: clientId }).openapi({ example: { batchId: 'batch-2026-12-01' } });

/** The payout routes of one owner kind: `/api/v1/stores/:storeId/…` (store owners) or `/api/v1/couriers/:courierId/…` (couriers). */
function ownerRoutes(d: PayoutRouteDeps, kind: PayoutOwnerKind): RouteSpec[] {
  const base = kind === 'store' ? '/api/v1/stores/:storeId' : '/api/v1/couriers/:courierId';
  // One shape for both kinds (the path names one of the two), so one handler serves stores and couriers.
  const params = (kind === 'store' ? z.strictObject({ storeId: id }) : z.strictObject({ courierId: id })) as unknown as z.ZodType<{ storeId?: string; courierId?: string }>;
  const who = kind === 'store' ? 'store_owner' : 'courier';
  const ownerOf = (p: { storeId?: string; courierId?: string }) => ({ kind, id: (kind === 'store' ? p.storeId : p.courierId)! });
  const whose = kind === 'store' ? "the store's owner" : 'the courier';
  return [
    defineRoute({
      method: 'put', path: `${base}/bank-account`, tags, access: roles(who, 'admin'), hidesForeign: true, params, body: bankBody, response: bankSchema, errors: ['NOT_FOUND', 'IBAN_INVALID'],
      summary: `Set the ${kind}'s bank account for payouts (${whose}, or an admin with finance:manage); a malformed IBAN is refused with IBAN_INVALID`,
      handler: ({ auth, params: p, body }) => d.payoutService.setBankAccount(auth, ownerOf(p), { holderName: body.holderName, iban: body.iban, bic: body.bic ?? null, connectedAccountId: body.connectedAccountId ?? null }),
    }),
    defineRoute({
      method: 'get', path: `${base}/bank-account`, tags, access: roles(who, 'admin'), hidesForeign: true, params, response: bankSchema, errors: ['NOT_FOUND'],
      summary: `The ${kind}'s bank account for payouts`,
      handler: ({ auth, params: p }) => d.payoutService.bankAccount(auth, ownerOf(p)),
    }),
    defineRoute({
      method: 'get', path: `${base}/payouts/balance`, tags, access: roles(who, 'admin'), hidesForeign: true, params, response: balanceSchema, errors: ['NOT_FOUND'],
      summary: `What the ${kind} may be paid out now: posted balance less requested payouts${kind === 'store' ? ' and cash couriers have not remitted yet' : ''}`,
      handler: ({ auth, params: p }) => d.payoutService.balance(auth, ownerOf(p)),
    }),
    defineRoute({
      method: 'post', path: `${base}/payouts`, tags, access: roles(who), hidesForeign: true, status: 201, rateLimit: 'strict', params, body: payoutBody, response: payoutSchema,
      errors: ['NOT_FOUND', 'PAYOUT_BELOW_MINIMUM', 'PAYOUT_EXCEEDS_AVAILABLE', 'PAYOUT_NO_BANK_ACCOUNT', 'LEDGER_TRANSFER_EXISTS'],
      summary: `Request a payout to the ${kind}'s bank account (at least finance.payoutMinimumMinor, at most the available balance); the amount is reserved until an admin decides. A retry with the same payoutId answers the same payout`,
      handler: ({ auth, params: p, body }) => d.payoutService.request(auth, ownerOf(p), body),
    }),
    defineRoute({
      method: 'get', path: `${base}/payouts`, tags, access: roles(who, 'admin'), hidesForeign: true, params, query: pageQuery, response: payoutPage, errors: ['NOT_FOUND'],
      summary: `The ${kind}'s payout history, newest first`,
      handler: ({ auth, params: p, query }) => d.payoutService.history(auth, ownerOf(p), query.offset, query.limit),
    }),
    defineRoute({
      method: 'get', path: `${base}/statements`, tags, access: roles(who, 'admin'), hidesForeign: true, rateLimit: 'strict', params, query: rangeQuery, response: statementSchema, errors: ['NOT_FOUND'],
      summary: `The ${kind}'s statement for a date range: opening and closing balances, posted credits and debits, and every ledger entry of its ${kind === 'store' ? 'payable' : 'earnings'} account, as JSON, CSV or PDF`,
      handler: async ({ auth, params: p, query }) => {
        const { from, to } = rangeOf(query);
        const owner = ownerOf(p);
        return asFile(query.format, await d.statements.period(auth, owner, from, to), fileName('statement', owner.id, from, to), statementCsv, statementPdf);
      },
    }),
    defineRoute({
      method: 'get', path: `${base}/payouts/history`, tags, access: roles(who, 'admin'), hidesForeign: true, rateLimit: 'strict', params, query: rangeQuery, response: historySchema, errors: ['NOT_FOUND'],
      summary: `The ${kind}'s payouts requested in a date range, oldest first, with the paid and open totals, as JSON, CSV or PDF`,
      handler: async ({ auth, params: p, query }) => {
        const { from, to } = rangeOf(query);
        const owner = ownerOf(p);
        return asFile(query.format, await d.statements.payoutHistory(auth, owner, from, to), fileName('payouts', owner.id, from, to), payoutHistoryCsv, payoutHistoryPdf);
      },
    }),
  ];
}

/** Remittances of cash on delivery, bank accounts, payout requests, admin decisions and the payout batch. */
export function payoutRoutes(d: PayoutRouteDeps): RouteSpec[] {
  const courierParams = z.strictObject({ courierId: id });
  const payoutParams = z.strictObject({ payoutId: id });
  return [
    defineRoute({
      method: 'post', path: '/api/v1/admin/couriers/:courierId/remittances', tags: ['admin', ...tags], access: admin('finance:manage'), status: 201, params: courierParams, body: remittanceBody, response: remittanceSchema,
      errors: ['REMITTANCE_EXCEEDS_CASH_IN_HAND', 'LEDGER_TRANSFER_EXISTS'],
      summary: 'Record cash a courier handed to an office, or a bank deposit confirmed: clears their cash in hand. Idempotent by remittanceId',
      handler: ({ auth, params: p, body, origin }) => d.recordRemittance.execute(auth, { ...body, courierId: p.courierId, note: body.note ?? null }, { ip: origin.ip, userAgent: origin.userAgent, requestId: origin.requestId }),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/couriers/:courierId/remittances', tags, access: roles('courier', 'admin'), hidesForeign: true, params: courierParams, response: remittanceList, errors: ['NOT_FOUND'],
      summary: "The courier's cash in hand and their confirmed remittances, oldest first",
      handler: ({ auth, params: p }) => d.recordRemittance.listFor(auth, p.courierId),
    }),
    ...ownerRoutes(d, 'store'),
    ...ownerRoutes(d, 'courier'),
    defineRoute({
      method: 'get', path: '/api/v1/admin/payouts', tags: ['admin', ...tags], access: admin('finance:manage'), query: pageQuery.extend({ status: z.enum(PAYOUT_STATUSES).optional() }), response: payoutPage,
      summary: 'Every payout, newest first, optionally by status',
      handler: ({ auth, query }) => d.payoutService.list(auth, query.status ? { status: query.status } : {}, query.offset, query.limit),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/admin/payouts/:payoutId/approve', tags: ['admin', ...tags], access: admin('finance:manage'), params: payoutParams, body: decisionBody, response: payoutSchema,
      errors: ['NOT_FOUND', 'PAYOUT_STATUS_CONFLICT', 'CONFLICT'], summary: 'Approve a requested payout: the next payout batch pays it. Again: the payout as it is',
      handler: ({ auth, params: p, body }) => d.payoutService.decide(auth, p.payoutId, 'approve', body.reason ?? null),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/admin/payouts/:payoutId/reject', tags: ['admin', ...tags], access: admin('finance:manage'), params: payoutParams, body: decisionBody, response: payoutSchema,
      errors: ['NOT_FOUND', 'PAYOUT_STATUS_CONFLICT', 'CONFLICT'], summary: "Reject a requested payout: its reservation is voided and the money is available again",
      handler: ({ auth, params: p, body }) => d.payoutService.decide(auth, p.payoutId, 'reject', body.reason ?? null),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/admin/payouts/batches', tags: ['admin', ...tags], access: admin('finance:manage'), status: 202, body: batchBody, response: batchSchema, errors: ['SERVICE_UNAVAILABLE'],
      summary: 'Queue a payout batch now (the payout job also runs on the finance.payoutBatchEveryMinutes schedule): approved payouts, retries whose backoff ended and in-transit ones to poll. The same batchId again queues nothing more; results show in GET /api/v1/admin/payouts (status paid, in_transit, sending, failed)',
      handler: async ({ body }) => {
        await d.payoutJobs.runBatch(body.batchId);
        return { batchId: body.batchId, status: 'queued' as const };
      },
    }),
    defineRoute({
      method: 'post', path: '/api/v1/payouts/webhooks/stripe-connect', tags, access: PUBLIC, response: payoutWebhookAck, errors: ['WEBHOOK_SIGNATURE_INVALID'],
      summary: "The payout provider's webhook (PAYOUT_PROVIDER stripe_connect): transfer.updated / transfer.reversed, the raw body verified against Stripe-Signature with STRIPE_CONNECT_WEBHOOK_SECRET (bad or unset: 400); settles an in-transit payout once, ignores anything else",
      handler: ({ ctx }) => {
        // The signature covers the exact bytes sent: the parser's raw text, never a re-serialised body.
        const raw = (ctx.request as { rawBody?: string }).rawBody ?? '';
        return d.runPayoutBatch.webhook(raw, ctx.get('stripe-signature') || undefined);
      },
    }),
  ];
}
