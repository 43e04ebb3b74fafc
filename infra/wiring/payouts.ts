import path from 'node:path';
import { asFunction, type AwilixContainer } from 'awilix';
import type { RouteSpec } from '../../api/route-kit.js';
import { payoutRoutes, type PayoutRouteDeps } from '../../api/routes/payouts.js';
import type { PayoutProvider, PayoutRepository } from '../../domain/finance/ports.js';
import { Payouts } from '../../domain/finance/use-cases/payouts.js';
import { RecordRemittance } from '../../domain/finance/use-cases/record-remittance.js';
import { RunPayoutBatch } from '../../domain/finance/use-cases/run-payout-batch.js';
import type { Outbox, UnitOfWork } from '../../domain/shared/events.js';
import type { Clock } from '../../domain/shared/ids.js';
import type { SettingsReader } from '../../domain/platform/ports.js';
import { BankCsvPayouts } from '../providers/bank-csv-payouts.js';
import type { Config } from '../config.js';
import type { Repositories } from '../db/index.js';
import type { FinanceCradle } from './finance.js';

/** Remittances and payouts (docs/finance.md): built on the ledger's use cases from wiring/finance.ts. */
export interface PayoutsCradle extends PayoutRouteDeps {
  payoutRepository: PayoutRepository;
  /** Bank-transfer CSV files under DATA_DIR/payouts. */
  payoutProvider: PayoutProvider;
}

interface Needs extends FinanceCradle {
  config: Config;
  repositories: Repositories;
  unitOfWork: UnitOfWork;
  outbox: Outbox;
  liveSettings: SettingsReader;
  clock: Clock;
}

export function registerPayouts(container: AwilixContainer<PayoutsCradle & Needs>): void {
  container.register({
    payoutRepository: asFunction(({ repositories }: Needs) => repositories.payouts).singleton(),
    payoutProvider: asFunction(({ config }: Needs) => new BankCsvPayouts(path.join(path.resolve(config.DATA_DIR), 'payouts'))).singleton(),
    recordRemittance: asFunction((c: Needs) => new RecordRemittance({ transfers: c.createTransfers, openAccount: c.openLedgerAccount, ledger: c.ledger, outbox: c.outbox, unitOfWork: c.unitOfWork, clock: c.clock })).singleton(),
    payoutService: asFunction((c: PayoutsCradle & Needs) => new Payouts({
      payouts: c.payoutRepository, ledger: c.ledger, transfers: c.createTransfers, openAccount: c.openLedgerAccount, stores: c.repositories.stores, liveSettings: c.liveSettings, unitOfWork: c.unitOfWork, clock: c.clock,
    })).singleton(),
    runPayoutBatch: asFunction((c: PayoutsCradle & Needs) => new RunPayoutBatch({
      payouts: c.payoutRepository, transfers: c.createTransfers, openAccount: c.openLedgerAccount, provider: c.payoutProvider, outbox: c.outbox, unitOfWork: c.unitOfWork, liveSettings: c.liveSettings, clock: c.clock,
    })).singleton(),
  });
}

export const payoutRoutesOf = (c: PayoutRouteDeps): RouteSpec[] => payoutRoutes(c);
