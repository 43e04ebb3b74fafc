import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { forEachBackend } from '../helpers/databases.js';
import { ledgerWorld, type LedgerWorld } from '../helpers/ledger.js';
import { createRepositories, type Repositories } from '../../infra/db/index.js';
import { OrderMoneyFlows, type SettlementOrder } from '../../domain/finance/use-cases/order-flows.js';
import { RecordRemittance } from '../../domain/finance/use-cases/record-remittance.js';
import { accountIdFor } from '../../domain/finance/use-cases/open-account.js';
import { cashInHandOf, unremittedCashOfStore } from '../../domain/finance/cash.js';
import type { Principal } from '../../domain/shared/principal.js';

const admin: Principal = { accountId: 'admin-fin', role: 'admin', permissions: ['finance:manage'], sessionId: 's', tokenId: 't', expiresAt: 0 };
const short = () => randomUUID().slice(0, 8);

/**
 * Cash-on-delivery remittances on the real ledger of every backend: cash collected by
 * OrderMoneyFlows, cleared by RecordRemittance; and which store cash is still unremitted.
 */
forEachBackend('Remittances (cash in hand cleared by an admin)', (ctx) => {
  let w: LedgerWorld;
  let repos: Repositories;
  let flows: OrderMoneyFlows;
  let remit: RecordRemittance;
  before(async () => {
    w = await ledgerWorld(ctx.store);
    // Every reading of the clock moves it on a second: remittances clear the oldest cash first, by time.
    w.clock.now = () => new Date((w.clock.ms += 1_000));
    repos = createRepositories(ctx.store);
    flows = new OrderMoneyFlows(w.flowDeps);
    remit = new RecordRemittance({ transfers: w.transfers, openAccount: w.openAccount, ledger: w.ledger, outbox: repos.outbox, unitOfWork: repos.unitOfWork, clock: w.clock });
  });
  after(async () => {
    await w?.close();
  });

  const cashOrder = (storeId: string, totalMinor: number): SettlementOrder => ({
    orderId: randomUUID(), storeId, customerId: `cust-${short()}`, method: 'cash', subtotalMinor: totalMinor - 1_000, deliveryFeeMinor: 1_000, vatMinor: 0, totalMinor,
    lines: [{ variantId: 'v', productId: 'p', categoryId: null, lineTotalMinor: totalMinor - 1_000 }],
    placedAt: w.clock.now().toISOString(),
  });
  const held = async (courierId: string) => cashInHandOf(await w.ledger.findAccount(accountIdFor('courier_cash_in_hand', courierId)));
  const unremitted = (storeId: string) => unremittedCashOfStore(w.ledger, accountIdFor('store_payable', storeId));

  it('when an admin records remittances, then cash in hand = cash collected − remittances, a retry records nothing more, and each leaves one audit request', async () => {
    const courier = `courier-${short()}`;
    const store = `store-${short()}`;
    await flows.settleDelivered(cashOrder(store, 30_000), courier);
    await flows.settleDelivered(cashOrder(store, 20_000), courier);
    expect(await held(courier)).to.equal(50_000);
    const id = `r-${short()}`;
    const first = await remit.execute(admin, { remittanceId: id, courierId: courier, amountMinor: 12_000, method: 'office' });
    expect(first).to.deep.include({ remittanceId: id, courierId: courier, amountMinor: 12_000, created: true, cashInHandMinor: 38_000 });
    const again = await remit.execute(admin, { remittanceId: id, courierId: courier, amountMinor: 12_000, method: 'office' });
    expect(again).to.deep.include({ created: false, cashInHandMinor: 38_000 });
    await remit.execute(admin, { remittanceId: `r-${short()}`, courierId: courier, amountMinor: 8_000, method: 'bank_deposit' });
    expect(await held(courier)).to.equal(50_000 - 12_000 - 8_000);
    const listed = await remit.listFor(admin, courier);
    expect(listed.cashInHandMinor).to.equal(30_000);
    expect(listed.remittances.map((r) => r.amountMinor)).to.deep.equal([12_000, 8_000]);
    const audits = (await repos.outbox.unpublished(10_000)).filter((e) => e.type === 'platform.audit_entry.requested' && (e.payload as { resource: { id: string } }).resource.id === courier);
    expect(audits.map((e) => (e.payload as { metadata: { method: string } }).metadata.method)).to.deep.equal(['office', 'bank_deposit']);
  });

  it('when a remittance exceeds the cash held, reuses an id with another amount, or is not a positive whole amount, then it is refused with a code and nothing changes', async () => {
    const courier = `courier-${short()}`;
    await flows.settleDelivered(cashOrder(`store-${short()}`, 10_000), courier);
    const id = `r-${short()}`;
    await remit.execute(admin, { remittanceId: id, courierId: courier, amountMinor: 4_000, method: 'office' });
    const office = await w.open('gateway_clearing', 'cash');
    const before = await w.snapshot([accountIdFor('courier_cash_in_hand', courier), office.id]);
    const refused = async (amountMinor: number, remittanceId = `r-${short()}`) => {
      try {
        await remit.execute(admin, { remittanceId, courierId: courier, amountMinor, method: 'office' });
      } catch (err) {
        return (err as { code: string }).code;
      }
      return 'accepted';
    };
    expect(await refused(6_001)).to.equal('REMITTANCE_EXCEEDS_CASH_IN_HAND');
    expect(await refused(5_000, id)).to.equal('LEDGER_TRANSFER_EXISTS');
    expect(await refused(0)).to.equal('LEDGER_AMOUNT_INVALID');
    expect(await refused(-5)).to.equal('LEDGER_AMOUNT_INVALID');
    expect(await refused(1.5)).to.equal('LEDGER_AMOUNT_INVALID');
    expect(await w.snapshot(Object.keys(before))).to.deep.equal(before);
    expect(await refused(6_000)).to.equal('accepted');
    expect(await held(courier)).to.equal(0);
  });

  it('when couriers remit part of their cash, then the oldest collections are cleared first and each store sees only its cash still held', async () => {
    const [c1, c2] = [`courier-${short()}`, `courier-${short()}`];
    const [s1, s2] = [`store-${short()}`, `store-${short()}`];
    await flows.settleDelivered(cashOrder(s1, 10_000), c1); // c1: s1 10,000 (oldest)
    await flows.settleDelivered(cashOrder(s2, 7_000), c1); //  c1: s2 7,000
    await flows.settleDelivered(cashOrder(s1, 5_000), c2); //  c2: s1 5,000
    expect([await unremitted(s1), await unremitted(s2)]).to.deep.equal([15_000, 7_000]);
    await remit.execute(admin, { remittanceId: `r-${short()}`, courierId: c1, amountMinor: 12_000, method: 'office' });
    expect([await unremitted(s1), await unremitted(s2)], 's1 cleared by c1, s2 partly').to.deep.equal([5_000, 5_000]);
    await remit.execute(admin, { remittanceId: `r-${short()}`, courierId: c2, amountMinor: 5_000, method: 'office' });
    await remit.execute(admin, { remittanceId: `r-${short()}`, courierId: c1, amountMinor: 5_000, method: 'office' });
    expect([await unremitted(s1), await unremitted(s2)]).to.deep.equal([0, 0]);
  });

  it('when random collections and remittances interleave, then cash in hand always equals collected − remitted and the stores\' unremitted cash adds up to it', async () => {
    const courier = `courier-${short()}`;
    const stores = [`store-${short()}`, `store-${short()}`, `store-${short()}`];
    let collected = 0;
    let remitted = 0;
    let seed = 7;
    const rnd = (n: number) => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % n;
    for (let step = 0; step < 14; step++) {
      if (rnd(3) < 2 || collected === remitted) {
        const total = 2_000 + rnd(9) * 1_000;
        await flows.settleDelivered(cashOrder(stores[rnd(3)]!, total), courier);
        collected += total;
      } else {
        const amount = 1 + rnd(collected - remitted);
        await remit.execute(admin, { remittanceId: `r-${short()}`, courierId: courier, amountMinor: amount, method: 'office' });
        remitted += amount;
      }
      expect(await held(courier), `step ${step}`).to.equal(collected - remitted);
      const perStore = await Promise.all(stores.map(unremitted));
      expect(perStore.reduce((a, b) => a + b, 0), `step ${step}`).to.equal(collected - remitted);
    }
  });
});
