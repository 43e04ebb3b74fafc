import pino from 'pino';
import { createRepositories, type Store } from '../../infra/db/index.js';
import { LiveSettings } from '../../infra/live-settings.js';
import { createRedisClient } from '../../infra/redis.js';
import { CreateTransfers, ExpirePendingTransfers } from '../../domain/finance/use-cases/create-transfers.js';
import { OpenAccount } from '../../domain/finance/use-cases/open-account.js';
import type { Account, OwnerKind } from '../../domain/finance/model.js';
import type { LedgerRepository } from '../../domain/finance/ports.js';
import type { OrderFlowDeps } from '../../domain/finance/use-cases/order-flows.js';

/** A clock the test moves by hand (pending timeouts), starting at a fixed instant. */
export class TestClock {
  constructor(public ms = Date.UTC(2026, 0, 1, 12)) {}
  now = (): Date => new Date(this.ms);
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

export interface LedgerWorld {
  ledger: LedgerRepository;
  transfers: CreateTransfers;
  expire: ExpirePendingTransfers;
  open: (ownerKind: OwnerKind, ownerId: string) => Promise<Account>;
  openAccount: OpenAccount;
  settings: LiveSettings;
  clock: TestClock;
  /** Everything OrderMoneyFlows needs, over the same store. */
  flowDeps: OrderFlowDeps;
  /** Every account's balances, by id, to compare before and after a refused transfer. */
  snapshot: (ids: readonly string[]) => Promise<Record<string, Account | null>>;
  close: () => Promise<void>;
}

/** The ledger's use cases over a real store, with the real LiveSettings (loaded once, never subscribed). */
export async function ledgerWorld(store: Store): Promise<LedgerWorld> {
  const repos = createRepositories(store);
  const settings = new LiveSettings({
    settings: repos.settings,
    subscriber: createRedisClient({ url: 'redis://127.0.0.1:1' }, 'subscriber'),
    channel: 'test:settings:changed',
    refreshMs: 60_000,
    logger: pino({ level: 'silent' }),
  });
  await settings.refresh();
  const clock = new TestClock();
  const deps = { ledger: repos.ledger, unitOfWork: repos.unitOfWork, clock };
  const openAccount = new OpenAccount({ ledger: repos.ledger, liveSettings: settings, clock });
  const transfers = new CreateTransfers(deps);
  return {
    ledger: repos.ledger,
    transfers,
    expire: new ExpirePendingTransfers(deps),
    openAccount,
    open: (ownerKind, ownerId) => openAccount.execute({ ownerKind, ownerId }),
    settings,
    clock,
    flowDeps: { transfers, openAccount, ledger: repos.ledger, liveSettings: settings, commissions: repos.commissions, unitOfWork: repos.unitOfWork, clock },
    snapshot: async (ids) => Object.fromEntries(await Promise.all(ids.map(async (id) => [id, await repos.ledger.findAccount(id)] as const))),
    close: () => settings.stop(),
  };
}
