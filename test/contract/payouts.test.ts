import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { forEachBackend } from '../helpers/databases.js';
import { ledgerWorld, type LedgerWorld } from '../helpers/ledger.js';
import { createRepositories, type Repositories } from '../../infra/db/index.js';
import { Store } from '../../domain/catalog/model.js';
import { OrderMoneyFlows, type SettlementOrder } from '../../domain/finance/use-cases/order-flows.js';
import { RecordRemittance } from '../../domain/finance/use-cases/record-remittance.js';
import { Payouts } from '../../domain/finance/use-cases/payouts.js';
import { RunPayoutBatch } from '../../domain/finance/use-cases/run-payout-batch.js';
import { accountIdFor } from '../../domain/finance/use-cases/open-account.js';
import { balanceOf } from '../../domain/finance/model.js';
import { BankCsvPayouts } from '../../infra/providers/bank-csv-payouts.js';
import type { Principal } from '../../domain/shared/principal.js';

const who = (accountId: string, role: Principal['role'], permissions: string[] = []): Principal => ({ accountId, role, permissions, sessionId: 's', tokenId: 't', expiresAt: 0 });
const admin = who('admin-fin', 'admin', ['finance:manage']);
const short = () => randomUUID().slice(0, 8);
const IBAN = 'DE89370400440532013000';
const codeOf = async (p: Promise<unknown>) => p.then(() => 'accepted', (err: { code?: string }) => err.code ?? String(err));

/**
 * Bank accounts, payout requests, decisions and the batch, on the real ledger and the
 * PayoutRepository of every backend (SqlPayoutRepository, MongoPayoutRepository).
 */
forEachBackend('Payouts (bank accounts, requests, decisions, the batch)', (ctx) => {
  let w: LedgerWorld;
  let repos: Repositories;
  let flows: OrderMoneyFlows;
  let payouts: Payouts;
  let remit: RecordRemittance;
  let batch: RunPayoutBatch;
  let dir: string;
  before(async () => {
    w = await ledgerWorld(ctx.store);
    w.clock.now = () => new Date((w.clock.ms += 1_000));
    repos = createRepositories(ctx.store);
    dir = mkdtempSync(path.join(os.tmpdir(), 'payouts-'));
    flows = new OrderMoneyFlows(w.flowDeps);
    const common = { transfers: w.transfers, openAccount: w.openAccount, ledger: w.ledger, unitOfWork: repos.unitOfWork, clock: w.clock };
    payouts = new Payouts({ ...common, payouts: repos.payouts, stores: repos.stores, liveSettings: w.settings });
    remit = new RecordRemittance({ ...common, outbox: repos.outbox });
    batch = new RunPayoutBatch({ ...common, payouts: repos.payouts, provider: new BankCsvPayouts(dir), outbox: repos.outbox, liveSettings: w.settings });
    w.settings.apply('finance.payoutMinimumMinor', 50, 1_000);
  });
  after(async () => {
    await w?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function newStore(ownerId: string): Promise<string> {
    const id = randomUUID();
    await repos.stores.create(Store.create({ id, ownerId, name: 'Payout shop', address: 'x', location: { lat: 33.5, lng: 36.3 }, at: new Date() }));
    return id;
  }
  const cardOrder = (storeId: string, method: SettlementOrder['method'] = 'card'): SettlementOrder => ({
    orderId: randomUUID(), storeId, customerId: `cust-${short()}`, method, subtotalMinor: 20_000, deliveryFeeMinor: 0, vatMinor: 0, totalMinor: 20_000,
    lines: [{ variantId: 'v', productId: 'p', categoryId: null, lineTotalMinor: 20_000 }],
    placedAt: w.clock.now().toISOString(),
  });
  const payable = async (storeId: string) => balanceOf((await w.ledger.findAccount(accountIdFor('store_payable', storeId)))!);

  it('when an owner saves a bank account, then the IBAN is validated by its check digits and a malformed one is refused with IBAN_INVALID', async () => {
    const owner = `owner-${short()}`;
    const storeId = await newStore(owner);
    const me = who(owner, 'store_owner');
    const saved = await payouts.setBankAccount(me, { kind: 'store', id: storeId }, { holderName: 'Shop Ltd', iban: 'de89 3704 0044 0532 0130 00' });
    expect(saved.iban).to.equal(IBAN);
    expect(await repos.payouts.findBankAccount('store', storeId)).to.deep.include({ iban: IBAN, holderName: 'Shop Ltd' });
    expect(await codeOf(payouts.setBankAccount(me, { kind: 'store', id: storeId }, { holderName: 'Shop Ltd', iban: 'DE89370400440532013001' }))).to.equal('IBAN_INVALID');
    expect(await codeOf(payouts.setBankAccount(me, { kind: 'store', id: storeId }, { holderName: 'Shop Ltd', iban: 'not an iban' }))).to.equal('IBAN_INVALID');
    expect((await repos.payouts.findBankAccount('store', storeId))!.iban, 'unchanged').to.equal(IBAN);
    expect(await codeOf(payouts.setBankAccount(who('someone-else', 'store_owner'), { kind: 'store', id: storeId }, { holderName: 'x', iban: IBAN }))).to.equal('NOT_FOUND');
  });

  it('when a store requests payouts, then the minimum, the available balance and unremitted cash hold, a retry answers the same payout, and a reject releases the money', async () => {
    const owner = `owner-${short()}`;
    const storeId = await newStore(owner);
    const me = who(owner, 'store_owner');
    const store = { kind: 'store' as const, id: storeId };
    await payouts.setBankAccount(me, store, { holderName: 'Shop', iban: IBAN });
    await flows.settleDelivered(cardOrder(storeId), `courier-${short()}`); // store owed 18,000 (10 % commission)
    const courier = `courier-${short()}`;
    await flows.settleDelivered(cardOrder(storeId, 'cash'), courier); // +18,000 owed, but 20,000 cash still with the courier
    expect(await payouts.balance(me, store)).to.deep.include({ postedMinor: 36_000, unremittedCashMinor: 20_000, availableMinor: 16_000 });
    const before = await payable(storeId);
    expect(await codeOf(payouts.request(me, store, { payoutId: `p-${short()}`, amountMinor: 999 }))).to.equal('PAYOUT_BELOW_MINIMUM');
    expect(await codeOf(payouts.request(me, store, { payoutId: `p-${short()}`, amountMinor: 16_001 }))).to.equal('PAYOUT_EXCEEDS_AVAILABLE');
    expect(await codeOf(payouts.request(me, store, { payoutId: `p-${short()}`, amountMinor: -5 }))).to.equal('LEDGER_AMOUNT_INVALID');
    expect(await payable(storeId), 'refusals change nothing').to.deep.equal(before);
    const id = `p-${short()}`;
    const first = await payouts.request(me, store, { payoutId: id, amountMinor: 10_000 });
    expect(first).to.deep.include({ status: 'requested', amountMinor: 10_000, iban: IBAN, recipientAccountId: owner });
    expect(await payouts.request(me, store, { payoutId: id, amountMinor: 10_000 })).to.deep.equal(first);
    expect(await codeOf(payouts.request(me, store, { payoutId: id, amountMinor: 11_000 }))).to.equal('LEDGER_TRANSFER_EXISTS');
    expect((await payouts.balance(me, store)).availableMinor).to.equal(6_000);
    expect(await codeOf(payouts.request(me, store, { payoutId: `p-${short()}`, amountMinor: 6_001 }))).to.equal('PAYOUT_EXCEEDS_AVAILABLE');
    await remit.execute(admin, { remittanceId: `r-${short()}`, courierId: courier, amountMinor: 20_000, method: 'office' });
    expect((await payouts.balance(me, store)).availableMinor, 'the cash is remitted').to.equal(26_000);
    expect(await codeOf(payouts.decide(me, id, 'reject', null))).to.equal('NOT_FOUND');
    const rejected = await payouts.decide(admin, id, 'reject', 'wrong account');
    expect(rejected.status).to.equal('rejected');
    expect((await payouts.balance(me, store)).availableMinor, 'released').to.equal(36_000);
    expect(await codeOf(payouts.decide(admin, id, 'approve', null))).to.equal('PAYOUT_STATUS_CONFLICT');
  });

  it('when approved payouts are batched through the CSV provider, then the file lists them, the ledger moves them out once, an event is written, and a re-run pays nobody twice', async () => {
    const courier = `courier-${short()}`;
    const me = who(courier, 'courier');
    const mine = { kind: 'courier' as const, id: courier };
    for (let i = 0; i < 3; i++) await flows.settleDelivered({ ...cardOrder(await newStore(`o-${short()}`)), deliveryFeeMinor: 5_000, totalMinor: 25_000 }, courier); // 4,000 each
    await payouts.setBankAccount(me, mine, { holderName: 'Courier One', iban: 'GB82 WEST 1234 5698 7654 32' });
    const a = await payouts.request(me, mine, { payoutId: `p-${short()}`, amountMinor: 5_000 });
    const b = await payouts.request(me, mine, { payoutId: `p-${short()}`, amountMinor: 3_000 });
    await payouts.decide(admin, a.id, 'approve', null);
    const batchId = `b-${short()}`;
    const run = await batch.execute(batchId);
    expect(run.paid).to.include(a.id);
    expect(run.paid).to.not.include(b.id);
    const csv = readFileSync(path.join(dir, `payouts-${batchId}.csv`), 'utf8');
    expect(csv).to.match(/^payout_id,beneficiary,iban,bic,amount,amount_minor,currency,reference\n/);
    expect(csv).to.contain(`${a.id},Courier One,GB82WEST12345698765432,,50.00,5000,`);
    expect(await repos.payouts.findPayout(a.id)).to.deep.include({ status: 'paid', batchId, providerRef: `payouts-${batchId}.csv` });
    const earnings = balanceOf((await w.ledger.findAccount(accountIdFor('courier_earnings', courier)))!);
    expect([earnings.posted, earnings.available]).to.deep.equal([12_000 - 5_000, 12_000 - 5_000 - 3_000]);
    const again = await batch.execute(`b-${short()}`);
    expect(again.paid).to.not.include(a.id);
    expect(balanceOf((await w.ledger.findAccount(accountIdFor('courier_earnings', courier)))!).posted, 'paid once').to.equal(7_000);
    const events = (await repos.outbox.unpublished(10_000)).filter((e) => e.type === 'finance.payout.processed' && e.aggregateId === a.id);
    expect(events.map((e) => e.payload)).to.deep.equal([{ payoutId: a.id, ownerKind: 'courier', ownerId: courier, accountId: courier, amountMinor: 5_000, currency: a.currency, providerRef: `payouts-${batchId}.csv`, at: (events[0]!.payload as { at: string }).at }]);
    const history = await payouts.history(me, mine, 0, 10);
    expect(history.payouts.map((p) => [p.id, p.status])).to.deep.equal([[b.id, 'requested'], [a.id, 'paid']]);
    expect(await codeOf(payouts.history(who('other', 'courier'), mine, 0, 10))).to.equal('NOT_FOUND');
  });
});
