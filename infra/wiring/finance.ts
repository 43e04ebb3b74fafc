import { asFunction, type AwilixContainer } from 'awilix';
import type { LedgerRepository } from '../../domain/finance/ports.js';
import { CreateTransfers, ExpirePendingTransfers } from '../../domain/finance/use-cases/create-transfers.js';
import { OpenAccount } from '../../domain/finance/use-cases/open-account.js';
import { OrderMoneyFlows } from '../../domain/finance/use-cases/order-flows.js';
import { LedgerCourierCashLimit } from '../../domain/finance/use-cases/courier-cash-limit.js';
import type { CourierCashLimit } from '../../domain/dispatch/ports.js';
import type { SettingsReader } from '../../domain/platform/ports.js';
import type { UnitOfWork } from '../../domain/shared/events.js';
import type { Clock } from '../../domain/shared/ids.js';
import type { Repositories } from '../db/index.js';

/** Finance: the ledger and its use cases (docs/finance.md). Consumers and routes build on these. */
export interface FinanceCradle {
  ledger: LedgerRepository;
  createTransfers: CreateTransfers;
  expirePendingTransfers: ExpirePendingTransfers;
  openLedgerAccount: OpenAccount;
  orderMoneyFlows: OrderMoneyFlows;
  /** Dispatch's port: couriers whose cash in hand reached their limit. */
  courierCashLimit: CourierCashLimit;
}

interface Needs {
  repositories: Repositories;
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
    orderMoneyFlows: asFunction((c: FinanceCradle & Needs) => new OrderMoneyFlows({ transfers: c.createTransfers, openAccount: c.openLedgerAccount, ledger: c.ledger, liveSettings: c.liveSettings })).singleton(),
    courierCashLimit: asFunction((c: FinanceCradle & Needs) => new LedgerCourierCashLimit({ ledger: c.ledger, liveSettings: c.liveSettings })).singleton(),
  });
}
