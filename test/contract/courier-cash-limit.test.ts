import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { createContainer, asValue, InjectionMode } from 'awilix';
import { forEachBackend } from '../helpers/databases.js';
import { ledgerWorld, type LedgerWorld } from '../helpers/ledger.js';
import { createRepositories } from '../../infra/db/index.js';
import { registerFinance } from '../../infra/wiring/finance.js';
import type { CourierCashLimit } from '../../domain/dispatch/ports.js';

/**
 * Dispatch's CourierCashLimit, as the container builds it, on the real ledger of every backend:
 * cash in hand comes from `courier_cash_in_hand:<courier>`, the limit from settings.
 */
forEachBackend('CourierCashLimit (ledger cash in hand vs the settings limit)', (ctx) => {
  let w: LedgerWorld;
  let limits: CourierCashLimit;
  let version = 100;
  before(async () => {
    w = await ledgerWorld(ctx.store);
    const container = createContainer({ injectionMode: InjectionMode.PROXY });
    container.register({ repositories: asValue(createRepositories(ctx.store)), unitOfWork: asValue(createRepositories(ctx.store).unitOfWork), liveSettings: asValue(w.settings), clock: asValue(w.clock) });
    registerFinance(container as never);
    limits = container.resolve<CourierCashLimit>('courierCashLimit');
    w.settings.apply('finance.cashLimitMinor', ++version, 10_000);
  });
  after(async () => {
    await w?.close();
  });

  const courier = () => `courier-${randomUUID().slice(0, 8)}`;
  async function collect(courierId: string, amountMinor: number): Promise<void> {
    const cash = await w.open('courier_cash_in_hand', courierId);
    const store = await w.open('store_payable', 'store-cash');
    await w.transfers.one({ id: randomUUID(), debitAccountId: cash.id, creditAccountId: store.id, amountMinor, currency: cash.currency, code: 'cash_collected', reference: 'order:x' });
  }
  async function remit(courierId: string, amountMinor: number): Promise<void> {
    const cash = await w.open('courier_cash_in_hand', courierId);
    const office = await w.open('gateway_clearing', 'cash');
    await w.transfers.one({ id: randomUUID(), debitAccountId: office.id, creditAccountId: cash.id, amountMinor, currency: cash.currency, code: 'cash_remitted', reference: 'remittance:x' });
  }

  it('when couriers hold less than, exactly, and more than the limit, then only those at or over it are answered', async () => {
    const [under, at, over, none] = [courier(), courier(), courier(), courier()];
    await collect(under, 9_999);
    await collect(at, 10_000);
    await collect(over, 6_000);
    await collect(over, 6_000);
    expect([...(await limits.overLimit([under, at, over, none, over]))].sort()).to.deep.equal([at, over].sort());
    expect((await limits.overLimit([])).size).to.equal(0);
  });

  it('when a courier remits below the limit, then they are no longer over it', async () => {
    const c = courier();
    await collect(c, 15_000);
    expect(await limits.overLimit([c])).to.deep.equal(new Set([c]));
    await remit(c, 5_001);
    expect((await limits.overLimit([c])).size).to.equal(0);
  });

  it('when the limit setting changes, or a courier has their own limit, then the answer follows without a restart', async () => {
    const [a, b] = [courier(), courier()];
    await collect(a, 4_000);
    await collect(b, 4_000);
    expect((await limits.overLimit([a, b])).size).to.equal(0);
    w.settings.apply('finance.courierCashLimits', ++version, { [a]: 4_000 });
    expect(await limits.overLimit([a, b])).to.deep.equal(new Set([a]));
    w.settings.apply('finance.cashLimitMinor', ++version, 3_000);
    expect(await limits.overLimit([a, b])).to.deep.equal(new Set([a, b]));
    w.settings.apply('finance.courierCashLimits', ++version, { [a]: 50_000 });
    expect(await limits.overLimit([a, b])).to.deep.equal(new Set([b]));
    w.settings.apply('finance.cashLimitMinor', ++version, 10_000);
    w.settings.apply('finance.courierCashLimits', ++version, {});
  });
});
