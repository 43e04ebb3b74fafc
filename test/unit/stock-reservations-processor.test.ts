import { expect } from 'chai';
import { UnrecoverableError, type Job } from 'bullmq';
import { openMigratedPglite } from '../helpers/pglite-template.js';
import { closeStore, createRepositories, prepareStore, type Store } from '../../infra/db/index.js';
import { ReserveStock } from '../../domain/catalog/use-cases/reserve-stock.js';
import { CloseReservation } from '../../domain/catalog/use-cases/close-reservation.js';
import { ExpireReservations } from '../../domain/catalog/use-cases/expire-reservations.js';
import { moveStock, type StockDeps } from '../../domain/catalog/use-cases/stock-support.js';
import { manualChange } from '../../domain/catalog/inventory.js';
import { uuidIds } from '../../domain/shared/ids.js';
import { stockReservationProcessor } from '../../workers/processors/stock-reservations.js';

describe('stock-reservations processor (the reservation release job, on PGlite)', function () {
  this.timeout(30_000);
  let store: Store;
  let now = new Date(Date.UTC(2026, 0, 1, 12));
  const clock = { now: () => now };
  let deps: StockDeps;
  let process: (job: Job) => Promise<{ expired: number }>;
  before(async () => {
    store = { kind: 'sql', engine: 'pglite', sql: await openMigratedPglite() };
    await prepareStore(store);
    const repos = createRepositories(store);
    deps = { inventory: repos.inventory, outbox: repos.outbox, unitOfWork: repos.unitOfWork, clock, ids: uuidIds };
    const closeReservation = new CloseReservation(deps);
    process = stockReservationProcessor({ expireReservations: new ExpireReservations({ inventory: repos.inventory, closeReservation, clock }) });
  });
  after(async () => {
    await closeStore(store);
  });

  it('when the job runs after a reservation expired, then its units are released once; a second run finds nothing', async () => {
    await deps.inventory.ensureLevel({ variantId: 'v1', productId: 'p1', storeId: 's1', at: now });
    await deps.unitOfWork.transaction(() => moveStock(deps, { variantId: 'v1', kind: 'receipt', change: manualChange('receipt', 2), at: now }));
    await new ReserveStock(deps).execute({ lines: [{ variantId: 'v1', quantity: 2 }], ttlS: 60, key: 'checkout-expiring' });
    expect(await process({ data: { task: 'expire' } } as Job)).to.deep.equal({ expired: 0 });
    now = new Date(now.getTime() + 61_000);
    expect(await process({ data: { task: 'expire' } } as Job)).to.deep.equal({ expired: 1 });
    expect(await process({ data: { task: 'expire' } } as Job)).to.deep.equal({ expired: 0 });
    expect(await deps.inventory.findLevel('v1')).to.deep.include({ onHand: 2, reserved: 0, available: 2 });
  });

  it('when the job payload is invalid, then it is unrecoverable (never retried)', async () => {
    const err = await process({ data: { task: 'everything' } } as Job).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(UnrecoverableError);
  });
});
