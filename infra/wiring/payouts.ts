import path from 'node:path';
import { asFunction, type AwilixContainer } from 'awilix';
import type { Logger } from 'pino';
import type { RouteSpec } from '../../api/route-kit.js';
import { payoutRoutes, type PayoutRouteDeps } from '../../api/routes/payouts.js';
import type { LedgerRepository, PayoutProvider, PayoutRepository } from '../../domain/finance/ports.js';
import { Payouts } from '../../domain/finance/use-cases/payouts.js';
import { RecordRemittance } from '../../domain/finance/use-cases/record-remittance.js';
import { RunPayoutBatch } from '../../domain/finance/use-cases/run-payout-batch.js';
import { ReconcileLedger } from '../../domain/finance/use-cases/reconcile-ledger.js';
import { Statements } from '../../domain/finance/use-cases/statements.js';
import type { Outbox, UnitOfWork } from '../../domain/shared/events.js';
import type { Clock } from '../../domain/shared/ids.js';
import type { SettingsReader } from '../../domain/platform/ports.js';
import { BankCsvPayouts } from '../providers/bank-csv-payouts.js';
import { StripeConnectPayouts } from '../providers/stripe-connect-payouts.js';
import type { Config } from '../config.js';
import type { Repositories } from '../db/index.js';
import type { Queues } from '../queues.js';
import { QUEUES } from '../../workers/queues.js';
import { RECONCILIATION_CRON, payoutBatchProcessor, reconciliationProcessor } from '../../workers/processors/finance-jobs.js';
import type { FinanceCradle } from './finance.js';

/** Remittances, payouts, statements and the finance jobs (docs/finance.md): built on the ledger's use cases from wiring/finance.ts. */
export interface PayoutsCradle extends PayoutRouteDeps {
  payoutRepository: PayoutRepository;
  /** PAYOUT_PROVIDER: bank-transfer CSV files under DATA_DIR/payouts, or Stripe Connect transfers. */
  payoutProvider: PayoutProvider;
  /** The nightly check of the ledger against orders and payments. */
  reconcileLedger: ReconcileLedger;
}

interface Needs extends FinanceCradle {
  config: Config;
  repositories: Repositories;
  unitOfWork: UnitOfWork;
  outbox: Outbox;
  liveSettings: SettingsReader;
  clock: Clock;
  ledger: LedgerRepository;
}

export function registerPayouts(container: AwilixContainer<PayoutsCradle & Needs & { queues: Queues }>): void {
  container.register({
    payoutRepository: asFunction(({ repositories }: Needs) => repositories.payouts).singleton(),
    payoutProvider: asFunction(({ config }: Needs): PayoutProvider => (config.PAYOUT_PROVIDER === 'stripe_connect'
      ? new StripeConnectPayouts({ secretKey: config.STRIPE_SECRET_KEY!, webhookSecret: config.STRIPE_CONNECT_WEBHOOK_SECRET, host: config.STRIPE_API_HOST, port: config.STRIPE_API_PORT, protocol: config.STRIPE_API_PROTOCOL, timeoutMs: config.STRIPE_TIMEOUT_MS })
      : new BankCsvPayouts(path.join(path.resolve(config.DATA_DIR), 'payouts')))).singleton(),
    recordRemittance: asFunction((c: Needs) => new RecordRemittance({ transfers: c.createTransfers, openAccount: c.openLedgerAccount, ledger: c.ledger, outbox: c.outbox, unitOfWork: c.unitOfWork, clock: c.clock })).singleton(),
    payoutService: asFunction((c: PayoutsCradle & Needs) => new Payouts({
      payouts: c.payoutRepository, ledger: c.ledger, transfers: c.createTransfers, openAccount: c.openLedgerAccount, stores: c.repositories.stores, liveSettings: c.liveSettings, unitOfWork: c.unitOfWork, clock: c.clock,
    })).singleton(),
    runPayoutBatch: asFunction((c: PayoutsCradle & Needs) => new RunPayoutBatch({
      payouts: c.payoutRepository, transfers: c.createTransfers, openAccount: c.openLedgerAccount, provider: c.payoutProvider, outbox: c.outbox, unitOfWork: c.unitOfWork, liveSettings: c.liveSettings, clock: c.clock,
    })).singleton(),
    payoutJobs: asFunction((c: { queues: Queues }) => ({
      // BullMQ refuses ':' in a job id; '~' is not in a batch id's alphabet, so the mapping stays one to one.
      runBatch: (batchId: string) => c.queues.add(QUEUES.payoutBatches, { batchId }, { jobId: `payout-batch-${batchId.replaceAll(':', '~')}` }),
    })).singleton(),
    statements: asFunction((c: PayoutsCradle & Needs) => new Statements({ payouts: c.payoutService, ledger: c.ledger, liveSettings: c.liveSettings })).singleton(),
    reconcileLedger: asFunction((c: Needs) => new ReconcileLedger({
      orders: c.repositories.orders, payments: c.repositories.payments, ledger: c.ledger, outbox: c.outbox, unitOfWork: c.unitOfWork, clock: c.clock,
    })).singleton(),
  });
}

export const payoutRoutesOf = (c: PayoutRouteDeps): RouteSpec[] => payoutRoutes(c);

/** The payout scheduler's id; its interval follows finance.payoutBatchEveryMinutes (set at start, checked after every batch). */
export const PAYOUT_SCHEDULER = 'payout-batches:scheduled';

/**
 * The worker role's payout and reconciliation jobs: payout batches (on the finance.payoutBatchEveryMinutes
 * schedule, checked after every batch, and on an admin's trigger) and the nightly reconciliation
 * (the expiry sweep of pending transfers is startFinanceWorkers'). One payout batch at a time per worker: batches claim payouts one by one,
 * so two workers never pay one payout, but one at a time keeps the provider's load even.
 */
export function startPayoutWorkers(c: PayoutsCradle & Needs & { queues: Queues; logger: Logger }): void {
  const everyMs = () => c.liveSettings.get('finance.payoutBatchEveryMinutes') * 60_000;
  const schedule = (ms: number) => c.queues.repeat(QUEUES.payoutBatches, PAYOUT_SCHEDULER, ms, { batchId: null });
  const runBatch = payoutBatchProcessor(c);
  c.queues.work(QUEUES.payoutBatches, async (job) => {
    const result = await runBatch(job);
    // A changed finance.payoutBatchEveryMinutes takes effect after the next run, scheduled or triggered.
    const wanted = everyMs();
    const current = await c.queues.scheduler(QUEUES.payoutBatches, PAYOUT_SCHEDULER).catch(() => null);
    if (current && current.every !== wanted) await schedule(wanted).catch((err: unknown) => c.logger.warn({ err }, 'could not reschedule the payout job'));
    return result;
  }, 1, 60_000);
  c.queues.work(QUEUES.reconciliation, reconciliationProcessor(c), 1, 120_000);
  const schedules: [string, () => Promise<void>][] = [
    [PAYOUT_SCHEDULER, () => schedule(everyMs())],
    ['reconciliation:nightly', () => c.queues.repeat(QUEUES.reconciliation, 'reconciliation:nightly', RECONCILIATION_CRON, { task: 'reconcile' })],
  ];
  for (const [id, start] of schedules) void start().catch((err: unknown) => c.logger.warn({ err, scheduler: id }, 'could not schedule a finance job; retried at next start'));
}
