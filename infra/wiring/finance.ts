import { asFunction, type AwilixContainer } from 'awilix';
import type { LedgerRepository } from '../../domain/finance/ports.js';
import { CreateTransfers, ExpirePendingTransfers } from '../../domain/finance/use-cases/create-transfers.js';
import { OpenAccount } from '../../domain/finance/use-cases/open-account.js';
import { OrderMoneyFlows } from '../../domain/finance/use-cases/order-flows.js';
import { FollowOrderMoney } from '../../domain/finance/use-cases/follow-order-money.js';
import { FinanceQueries } from '../../domain/finance/use-cases/finance-queries.js';
import { WalletPayments } from '../../domain/finance/use-cases/wallet-payments.js';
import { WalletTopUps } from '../../domain/finance/use-cases/wallet-top-ups.js';
import { WalletQueries } from '../../domain/finance/use-cases/wallet-queries.js';
import type { PaymentGateway } from '../../domain/ordering/ports.js';
import type { Outbox } from '../../domain/shared/events.js';
import type { IdGenerator } from '../../domain/shared/ids.js';
import type { WalletFunds } from '../../domain/ordering/ports.js';
import { financeRoutes } from '../../api/routes/finance.js';
import { walletRoutes } from '../../api/routes/wallet.js';
import type { RouteSpec } from '../../api/route-kit.js';
import type { ProcessedEvents } from '../../domain/shared/events.js';
import { financeProcessor } from '../../workers/processors/finance.js';
import { ledgerExpiryProcessor } from '../../workers/processors/ledger-expiry.js';
import { QUEUES } from '../../workers/queues.js';
import type { Queues } from '../queues.js';
import { LedgerCourierCashLimit } from '../../domain/finance/use-cases/courier-cash-limit.js';
import type { CourierCashLimit } from '../../domain/dispatch/ports.js';
import type { SettingsReader } from '../../domain/platform/ports.js';
import type { UnitOfWork } from '../../domain/shared/events.js';
import type { Clock } from '../../domain/shared/ids.js';
import type { Repositories } from '../db/index.js';
import type { Logger } from 'pino';

/** Finance: the ledger and its use cases (docs/finance.md). Consumers and routes build on these. */
export interface FinanceCradle {
  ledger: LedgerRepository;
  createTransfers: CreateTransfers;
  expirePendingTransfers: ExpirePendingTransfers;
  openLedgerAccount: OpenAccount;
  orderMoneyFlows: OrderMoneyFlows;
  /** The finance consumer's use case: reads the order, its payment and courier, runs the flow. */
  followOrderMoney: FollowOrderMoney;
  /** Balances and statements for owners and admins (api/routes/finance.ts). */
  financeQueries: FinanceQueries;
  /** Dispatch's port: couriers whose cash in hand reached their limit. */
  courierCashLimit: CourierCashLimit;
  /** The checkout's port: a wallet checkout reserves the order's total in the customer's wallet. */
  walletFunds: WalletFunds;
  /** Wallet top-ups by card (the routes), their credit (the finance consumer) and their webhooks (the payments' webhook handler). */
  walletTopUps: WalletTopUps;
  /** A customer's wallet and statement (the customer's and the admin's wallet routes). */
  walletQueries: WalletQueries;
}

interface Needs {
  repositories: Repositories;
  paymentGateway: PaymentGateway;
  outbox: Outbox;
  ids: IdGenerator;
  unitOfWork: UnitOfWork;
  liveSettings: SettingsReader;
  clock: Clock;
}

export function registerFinance(container: AwilixContainer<FinanceCradle & Needs>): void {
  container.register({
    ledger: asFunction(({ repositories }: Needs) => repositories.ledger).singleton(),
    createTransfers: asFunction((c: FinanceCradle & Needs) => new CreateTransfers({ ledger: c.ledger, unitOfWork: c.unitOfWork, clock: c.clock })).singleton(),
    expirePendingTransfers: asFunction((c: FinanceCradle & Needs) => new ExpirePendingTransfers({ ledger: c.ledger, unitOfWork: c.unitOfWork, clock: c.clock })).singleton(),
    openLedgerAccount: asFunction((c: FinanceCradle & Needs) => new OpenAccount({ ledger: c.ledger, liveSettings: c.liveSettings, clock: c.clock })).singleton(),
    orderMoneyFlows: asFunction((c: FinanceCradle & Needs) => new OrderMoneyFlows({ transfers: c.createTransfers, openAccount: c.openLedgerAccount, ledger: c.ledger, liveSettings: c.liveSettings, commissions: c.repositories.commissions, unitOfWork: c.unitOfWork, clock: c.clock })).singleton(),
    followOrderMoney: asFunction((c: FinanceCradle & Needs) => new FollowOrderMoney({
      orders: c.repositories.orders, payments: c.repositories.payments, deliveries: c.repositories.deliveries, products: c.repositories.products, orderMoneyFlows: c.orderMoneyFlows,
    })).singleton(),
    courierCashLimit: asFunction((c: FinanceCradle & Needs) => new LedgerCourierCashLimit({ ledger: c.ledger, liveSettings: c.liveSettings })).singleton(),
    financeQueries: asFunction((c: FinanceCradle & Needs) => new FinanceQueries({ ledger: c.ledger, stores: c.repositories.stores })).singleton(),
    walletTopUps: asFunction((c: FinanceCradle & Needs) => new WalletTopUps({
      topUps: c.repositories.walletTopUps, paymentGateway: c.paymentGateway, ledger: c.ledger, createTransfers: c.createTransfers, openLedgerAccount: c.openLedgerAccount,
      unitOfWork: c.unitOfWork, outbox: c.outbox, liveSettings: c.liveSettings, clock: c.clock, ids: c.ids,
    })).singleton(),
    walletQueries: asFunction((c: FinanceCradle & Needs) => new WalletQueries({ ledger: c.ledger, openLedgerAccount: c.openLedgerAccount, financeQueries: c.financeQueries, liveSettings: c.liveSettings })).singleton(),
    walletFunds: asFunction((c: FinanceCradle & Needs) => new WalletPayments({ transfers: c.createTransfers, openAccount: c.openLedgerAccount, liveSettings: c.liveSettings })).singleton(),
  });
}

export const financeRoutesOf = (c: FinanceCradle): RouteSpec[] => [...financeRoutes(c), ...walletRoutes(c)];

/** Ledger writes lock a handful of account rows: a short lock hands a crashed worker's jobs on within seconds. */
const FINANCE_LOCK_MS = 10_000;

/** How often the expiry sweep runs: a hold past its timeout is released within this (timeouts are hours to days). */
const LEDGER_EXPIRY_SWEEP_MS = 60_000;

/** The worker role: the finance consumer (the ledger follows payments and orders) and the pending-transfer expiry sweep. */
export function startFinanceWorkers(c: FinanceCradle & Needs & { queues: Queues; processedEvents: ProcessedEvents; logger: Pick<Logger, 'warn'> }): void {
  c.queues.work(QUEUES.finance, financeProcessor(c), 4, FINANCE_LOCK_MS);
  c.queues.work(QUEUES.ledgerExpiry, ledgerExpiryProcessor(c), 1);
  void c.queues
    .repeat(QUEUES.ledgerExpiry, 'ledger-expiry:expire', LEDGER_EXPIRY_SWEEP_MS, { task: 'expire' })
    .catch((err: unknown) => c.logger.warn({ err }, 'could not schedule the ledger expiry sweep; retried at next start'));
}
