import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { forEachBackend } from '../helpers/databases.js';
import { ledgerWorld, type LedgerWorld } from '../helpers/ledger.js';
import { startConnectStub, type ConnectStub } from '../helpers/connect-stub.js';
import { createRepositories, type Repositories } from '../../infra/db/index.js';
import { OrderMoneyFlows } from '../../domain/finance/use-cases/order-flows.js';
import { Payouts } from '../../domain/finance/use-cases/payouts.js';
import { RunPayoutBatch } from '../../domain/finance/use-cases/run-payout-batch.js';
import { accountIdFor } from '../../domain/finance/use-cases/open-account.js';
import { balanceOf } from '../../domain/finance/model.js';
import { payoutIdempotencyKey, PAYOUT_CLAIM_LEASE_MS } from '../../domain/finance/payout.js';
import { StripeConnectPayouts } from '../../infra/providers/stripe-connect-payouts.js';
import { BankCsvPayouts } from '../../infra/providers/bank-csv-payouts.js';
import type { Principal } from '../../domain/shared/principal.js';

const who = (accountId: string, role: Principal['role'], permissions: string[] = []): Principal => ({ accountId, role, permissions, sessionId: 's', tokenId: 't', expiresAt: 0 });
const admin = who('admin-fin', 'admin', ['finance:manage']);
const short = () => randomUUID().slice(0, 8);

/**
 * The payout batch as a crash-safe job, on every backend, against the Stripe-Connect-style
 * adapter and a local stub of the transfer API (never the internet): claims, idempotency keys,
 * lost answers, retries with backoff, giving up, in-transit polling, and the CSV file written once.
 */
forEachBackend('Payout batch (claims, provider idempotency, retries, polling)', (ctx) => {
  let w: LedgerWorld;
  let repos: Repositories;
  let flows: OrderMoneyFlows;
  let payouts: Payouts;
  let stub: ConnectStub;
  let batch: RunPayoutBatch;
  before(async () => {
    w = await ledgerWorld(ctx.store);
    repos = createRepositories(ctx.store);
    stub = await startConnectStub();
    flows = new OrderMoneyFlows(w.flowDeps);
    const common = { transfers: w.transfers, openAccount: w.openAccount, ledger: w.ledger, unitOfWork: repos.unitOfWork, clock: w.clock };
    payouts = new Payouts({ ...common, payouts: repos.payouts, stores: repos.stores, liveSettings: w.settings });
    batch = new RunPayoutBatch({ ...common, payouts: repos.payouts, provider: new StripeConnectPayouts(stub.settings), outbox: repos.outbox, liveSettings: w.settings });
    w.settings.apply('finance.payoutMinimumMinor', 50, 1_000);
    w.settings.apply('finance.payoutMaxAttempts', 50, 3);
  });
  after(async () => {
    await w?.close();
    await stub?.close();
  });

  /** A courier owed 8,000 with a connected account, and approved payouts of the given amounts. */
  async function approvedPayouts(amounts: number[], account = `acct_${short()}`): Promise<{ courier: string; ids: string[] }> {
    const courier = `courier-${short()}`;
    stub.accounts.add(account);
    for (let i = 0; i < 2; i++) {
      await flows.settleDelivered({
        orderId: randomUUID(), storeId: `store-${short()}`, customerId: `cust-${short()}`, method: 'card', subtotalMinor: 20_000, deliveryFeeMinor: 5_000, vatMinor: 0, totalMinor: 25_000,
        lines: [{ variantId: 'v', productId: 'p', categoryId: null, lineTotalMinor: 20_000 }], placedAt: new Date().toISOString(),
      }, courier);
    }
    const me = who(courier, 'courier');
    await payouts.setBankAccount(me, { kind: 'courier', id: courier }, { holderName: 'Courier', iban: 'GB82 WEST 1234 5698 7654 32', connectedAccountId: account });
    const ids: string[] = [];
    for (const amountMinor of amounts) {
      const p = await payouts.request(me, { kind: 'courier', id: courier }, { payoutId: `p-${short()}`, amountMinor });
      await payouts.decide(admin, p.id, 'approve', null);
      ids.push(p.id);
    }
    return { courier, ids };
  }
  const earnings = async (courier: string) => balanceOf((await w.ledger.findAccount(accountIdFor('courier_earnings', courier)))!);
  const transfersFor = (payoutId: string) => [...stub.transfers.values()].filter((t) => t.metadata.payoutId === payoutId);
  const eventsOf = async (type: string, id: string) => (await repos.outbox.unpublished(100_000)).filter((e) => e.type === type && e.aggregateId === id);
  const drain = async () => {
    // Earlier tests' leftovers (retrying payouts) must not mix into this test's counts: run them out of the way.
    w.clock.advance(24 * 3600);
    await batch.execute(`drain-${short()}`);
  };

  it('when the provider takes a transfer but its answer is lost, then the payout retries under the same idempotency key after its backoff and is paid exactly once', async () => {
    await drain();
    const { courier, ids: [id] } = await approvedPayouts([2_000]);
    stub.dropNextAnswers(2); // the SDK retries a closed connection once by itself: lose that answer too
    const first = await batch.execute(`b-${short()}`);
    expect(first.retrying).to.deep.equal([id]);
    const sending = (await repos.payouts.findPayout(id!))!;
    expect(sending).to.deep.include({ status: 'sending', attempts: 1 });
    expect(new Date(sending.nextAttemptAt!).getTime() - w.clock.ms, 'first backoff: a minute').to.equal(60_000);
    expect(transfersFor(id!), 'the provider did take it').to.have.length(1);
    expect((await batch.execute(`b-${short()}`)).retrying, 'not before its backoff').to.deep.equal([]);
    w.clock.advance(61);
    const replaysBefore = stub.replays();
    const second = await batch.execute(`b-${short()}`);
    expect(second.paid).to.deep.equal([id]);
    expect(stub.replays() - replaysBefore, 'the provider answered the first transfer again').to.equal(1);
    expect(transfersFor(id!)).to.have.length(1);
    const keys = stub.requests.filter((r) => r.method === 'POST' && r.idempotencyKey === payoutIdempotencyKey(id!));
    expect(keys, 'the first try, the SDK\'s own retry, the next run').to.have.length(3);
    expect(await repos.payouts.findPayout(id!)).to.deep.include({ status: 'paid', attempts: 2, providerRef: transfersFor(id!)[0]!.id, lastError: null });
    expect((await earnings(courier)).posted).to.equal(8_000 - 2_000);
    expect(await eventsOf('finance.payout.processed', id!)).to.have.length(1);
    expect((await batch.execute(`b-${short()}`)).paid, 'nothing left to pay').to.deep.equal([]);
  });

  it('when a worker dies after claiming a payout, then it is not sent again before the lease ends, and after it the payout is sent under its key and paid once', async () => {
    await drain();
    const { ids: [id] } = await approvedPayouts([1_500]);
    // What a crashed run leaves: the payout claimed (sending, lease running), and the provider holding its transfer.
    const p = (await repos.payouts.findPayout(id!))!;
    const claimed = { ...p, status: 'sending' as const, batchId: 'crashed-batch', attempts: 1, nextAttemptAt: new Date(w.clock.ms + PAYOUT_CLAIM_LEASE_MS).toISOString(), version: p.version + 1 };
    expect(await repos.payouts.updatePayout(claimed, p.version)).to.equal(true);
    await new StripeConnectPayouts(stub.settings).pay('crashed-batch', [{ payoutId: id!, idempotencyKey: payoutIdempotencyKey(id!), connectedAccountId: p.connectedAccountId, amountMinor: 1_500, currency: p.currency, holderName: p.holderName, iban: p.iban, bic: p.bic, reference: `payout:${id}` }]);
    expect((await batch.execute(`b-${short()}`)).paid, 'the lease holds').to.deep.equal([]);
    w.clock.ms += PAYOUT_CLAIM_LEASE_MS;
    const resumed = await batch.execute(`b-${short()}`);
    expect(resumed.paid).to.deep.equal([id]);
    expect(transfersFor(id!), 'one transfer').to.have.length(1);
    expect(transfersFor(id!)[0]!.transfer_group, 'resumed in the batch it was claimed for').to.equal('crashed-batch');
    expect(await repos.payouts.findPayout(id!)).to.deep.include({ status: 'paid', batchId: 'crashed-batch', attempts: 2 });
  });

  it('when the provider stays down, then each try waits longer, and after finance.payoutMaxAttempts the payout fails: reservation voided, finance.payout.failed and an audit entry written', async () => {
    await drain();
    const { courier, ids: [id] } = await approvedPayouts([3_000]);
    expect((await earnings(courier)).available).to.equal(5_000);
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 2; attempt++) {
      stub.failNext(1);
      expect((await batch.execute(`b-${short()}`)).retrying).to.deep.equal([id]);
      const p = (await repos.payouts.findPayout(id!))!;
      expect(p.lastError).to.match(/503/);
      waits.push(new Date(p.nextAttemptAt!).getTime() - w.clock.ms);
      w.clock.ms = new Date(p.nextAttemptAt!).getTime();
    }
    expect(waits).to.deep.equal([60_000, 120_000]);
    stub.failNext(1);
    const last = await batch.execute(`b-${short()}`);
    expect(last.failed).to.deep.equal([id]);
    const failed = (await repos.payouts.findPayout(id!))!;
    expect(failed).to.deep.include({ status: 'failed', attempts: 3 });
    expect(failed.reason).to.match(/^gave up after 3 attempts: 503/);
    expect((await earnings(courier)).available, 'the reservation is released').to.equal(8_000);
    const alert = await eventsOf('finance.payout.failed', id!);
    expect(alert).to.have.length(1);
    expect(alert[0]!.payload).to.deep.include({ payoutId: id, ownerKind: 'courier', ownerId: courier, amountMinor: 3_000, attempts: 3 });
    const audit = (await repos.outbox.unpublished(100_000)).filter((e) => e.type === 'platform.audit_entry.requested' && (e.payload as { id: string }).id === `payout:${id}:failed`);
    expect(audit.map((e) => (e.payload as { action: string }).action)).to.deep.equal(['finance.payout_failed']);
    expect(transfersFor(id!), 'the provider never took it').to.have.length(0);
  });

  it('when the provider accepts transfers that settle later, then they wait in transit and the next runs poll them: paid is posted once, failed is voided; an unknown account fails at once', async () => {
    await drain();
    stub.startAs('pending');
    try {
      const { courier, ids: [good, bad] } = await approvedPayouts([1_000, 2_000]);
      const { ids: [orphan] } = await approvedPayouts([1_000]);
      const orphanPayout = (await repos.payouts.findPayout(orphan!))!;
      stub.accounts.delete(orphanPayout.connectedAccountId!);
      const run = await batch.execute(`b-${short()}`);
      expect(run.inTransit.sort()).to.deep.equal([good, bad].sort());
      expect(run.failed).to.deep.equal([orphan]);
      expect((await repos.payouts.findPayout(orphan!))!.reason).to.match(/resource_missing/);
      expect((await repos.payouts.findPayout(good!))!.status).to.equal('in_transit');
      expect((await batch.execute(`b-${short()}`)).paid, 'still pending at the provider').to.deep.equal([]);
      stub.settle(transfersFor(good!)[0]!.id, 'paid');
      stub.settle(transfersFor(bad!)[0]!.id, 'failed', 'account closed');
      const poll = await batch.execute(`b-${short()}`);
      expect(poll.paid).to.deep.equal([good]);
      expect(poll.failed).to.deep.equal([bad]);
      expect(await repos.payouts.findPayout(bad!)).to.deep.include({ status: 'failed', reason: 'account closed' });
      const e = await earnings(courier);
      expect([e.posted, e.available]).to.deep.equal([8_000 - 1_000, 8_000 - 1_000]);
      const again = await batch.execute(`b-${short()}`);
      expect([again.paid, again.failed]).to.deep.equal([[], []]);
      expect(await eventsOf('finance.payout.processed', good!)).to.have.length(1);
      expect(await eventsOf('finance.payout.failed', bad!)).to.have.length(1);
    } finally {
      stub.startAs('paid');
    }
  });

  it('when two runs start at once, then each payout is claimed by one of them and sent once', async () => {
    await drain();
    const { ids } = await approvedPayouts([1_000, 1_000, 1_000]);
    const [a, b] = await Promise.all([batch.execute(`b-${short()}`), batch.execute(`b-${short()}`)]);
    expect([...a.paid, ...b.paid].sort()).to.deep.equal([...ids].sort());
    for (const id of ids) expect(transfersFor(id), id).to.have.length(1);
  });

  it('when a CSV batch is resumed after its file was written, then the file is read back, not written again', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'payouts-csv-'));
    try {
      const csv = new BankCsvPayouts(dir);
      const line = (payoutId: string, amountMinor: number) => ({ payoutId, idempotencyKey: payoutIdempotencyKey(payoutId), connectedAccountId: null, amountMinor, currency: 'SYP', holderName: 'H', iban: 'GB82WEST12345698765432', bic: null, reference: `payout:${payoutId}` });
      expect((await csv.pay('b1', [line('x1', 100), line('x2', 200)])).map((a) => a.outcome)).to.deep.equal(['paid', 'paid']);
      const before = readFileSync(path.join(dir, 'payouts-b1.csv'), 'utf8');
      const resumed = await csv.pay('b1', [line('x2', 200), line('x3', 300)]);
      expect(resumed.map((a) => [a.payoutId, a.outcome])).to.deep.equal([['x2', 'paid'], ['x3', 'failed']]);
      expect(readFileSync(path.join(dir, 'payouts-b1.csv'), 'utf8')).to.equal(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
