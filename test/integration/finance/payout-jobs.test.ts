import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startTestApp, http, type TestApp } from '../../helpers/app.js';
import { signUp, signUpAdmin, type Session } from '../../helpers/identity.js';
import { queuePrefix } from '../../../infra/queues.js';
import { Order } from '../../../domain/ordering/order.js';
import type { QueueName } from '../../../workers/queues.js';
import { eventually } from '../../helpers/webhook-receiver.js';

/** The text a PDF shows, read from its uncompressed content streams: each text-showing operator's hex strings, decoded (Helvetica is WinAnsi, Latin text is one byte a character). */
function pdfText(pdf: Buffer): string {
  const lines: string[] = [];
  for (const m of pdf.toString('latin1').matchAll(/\[((?:<[0-9a-fA-F]*>|[^\]])*)\]\s*TJ/g)) {
    lines.push([...m[1]!.matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => Buffer.from(h[1]!, 'hex').toString('latin1')).join(''));
  }
  return lines.join('\n');
}

const csvRows = (csv: string) => csv.trim().split('\n').map((l) => l.split(','));

describe('finance jobs on a private redis-server: payout batches, the expiry sweep, the nightly reconciliation, and statements as files', function () {
  this.timeout(120_000);
  let app: TestApp;
  let connection: Redis;
  const queues: Queue[] = [];
  let admin: Session;
  /** An admin without finance:manage: finance alerts are not theirs. */
  let operations: Session;
  let courier: Session;
  const cradle = () => app.system.composed.container.cradle;
  const queue = (name: QueueName) => {
    const q = new Queue(name, { connection, prefix: queuePrefix('daraa:', name) });
    queues.push(q);
    return q;
  };

  before(async () => {
    app = await startTestApp({ role: 'all' });
    // BullMQ does not close a connection it was handed: the test closes its own.
    connection = new Redis(app.redis.url, { maxRetriesPerRequest: null });
    admin = await signUpAdmin(app);
    operations = await signUpAdmin(app, 'operations');
    courier = await signUp(app, 'courier');
  });
  after(async () => {
    await Promise.all(queues.map((q) => q.close()));
    connection?.disconnect();
    await app?.stop();
  });

  it('when the worker starts, then the payout batch (from finance.payoutBatchEveryMinutes), the expiry sweep and the nightly reconciliation each have one schedule', async () => {
    const schedulers = async (name: QueueName) => queue(name).getJobSchedulers();
    const payout = await eventually(async () => (await schedulers('payout-batches'))[0], 15_000, 'the payout schedule');
    expect(payout.key).to.equal('payout-batches:scheduled');
    expect(Number(payout.every)).to.equal(cradle().liveSettings.get('finance.payoutBatchEveryMinutes') * 60_000);
    expect((await eventually(async () => (await schedulers('ledger-expiry'))[0], 15_000, 'the expiry schedule')).key).to.equal('ledger-expiry:expire');
    const nightly = await eventually(async () => (await schedulers('reconciliation'))[0], 15_000, 'the reconciliation schedule');
    expect([nightly.key, nightly.pattern]).to.deep.equal(['reconciliation:nightly', '30 2 * * *']);
  });

  it("when an admin triggers a batch, then the job pays the approved payout once, and the courier's statement and payout history come as CSV and PDF matching the ledger", async () => {
    const me = courier.accountId;
    for (let i = 0; i < 2; i++) {
      await cradle().orderMoneyFlows.settleDelivered({
        orderId: randomUUID(), storeId: `store-${i}`, customerId: `cust-${i}`, method: 'card', subtotalMinor: 100_000, deliveryFeeMinor: 150_000, vatMinor: 0, totalMinor: 250_000,
        lines: [{ variantId: 'v', productId: 'p', categoryId: null, lineTotalMinor: 100_000 }], placedAt: new Date().toISOString(),
      }, me); // the courier earns 150,000 − 20 % = 120,000 each
    }
    const base = `${app.url}/api/v1/couriers/${me}`;
    expect((await http(`${base}/bank-account`, { method: 'PUT', token: courier.accessToken, json: { holderName: 'Courier Jobs', iban: 'GB82 WEST 1234 5698 7654 32' } })).status).to.equal(200);
    const payoutId = `po-${randomUUID().slice(0, 8)}`;
    expect((await http(`${base}/payouts`, { method: 'POST', token: courier.accessToken, json: { payoutId, amountMinor: 150_000 } })).status).to.equal(201);
    expect((await http(`${app.url}/api/v1/admin/payouts/${payoutId}/approve`, { method: 'POST', token: admin.accessToken, json: {} })).status).to.equal(200);
    const batchId = `batch:${randomUUID().slice(0, 8)}`;
    for (let i = 0; i < 2; i++) {
      const queued = await http(`${app.url}/api/v1/admin/payouts/batches`, { method: 'POST', token: admin.accessToken, json: { batchId } });
      expect([queued.status, queued.body.data]).to.deep.equal([202, { batchId, status: 'queued' }]);
    }
    const paid = await eventually(async () => (await http(`${app.url}/api/v1/admin/payouts?status=paid`, { token: admin.accessToken })).body.data.payouts.find((p: { id: string }) => p.id === payoutId), 15_000, 'the payout to be paid');
    expect(paid).to.deep.include({ batchId, status: 'paid', attempts: 1, providerRef: `payouts-${batchId.replace(':', '_')}.csv` });
    // The schedule follows finance.payoutBatchEveryMinutes: a change applies after the next batch.
    expect((await http(`${app.url}/api/v1/admin/settings/finance.payoutBatchEveryMinutes`, { method: 'PUT', token: admin.accessToken, json: { value: 15, expectedVersion: 0 } })).status).to.equal(200);
    await eventually(async () => cradle().liveSettings.get('finance.payoutBatchEveryMinutes') === 15, 10_000, 'the setting');
    expect((await http(`${app.url}/api/v1/admin/payouts/batches`, { method: 'POST', token: admin.accessToken, json: { batchId: `resched-${randomUUID().slice(0, 8)}` } })).status).to.equal(202);
    await eventually(async () => Number((await queue('payout-batches').getJobSchedulers())[0]?.every) === 15 * 60_000, 15_000, 'the payout schedule to follow the setting');

    const file = path.join(cradle().config.dataDir, 'payouts', `payouts-${batchId.replace(':', '_')}.csv`);
    expect(existsSync(file), file).to.equal(true);
    expect(readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith(`${payoutId},`))).to.have.length(1);

    // The statement as CSV: one row per ledger entry of the earnings account, in order, with the same ids and amounts.
    const csv = await fetch(`${base}/statements?format=csv`, { headers: { authorization: `Bearer ${courier.accessToken}` } });
    expect(csv.status).to.equal(200);
    expect(csv.headers.get('content-type')).to.equal('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).to.match(/^attachment; filename="statement-.+\.csv"$/);
    const [header, ...rows] = csvRows(await csv.text());
    expect(header).to.deep.equal(['at', 'transfer_id', 'kind', 'code', 'reference', 'side', 'amount_minor', 'posted_change_minor', 'posted_after_minor', 'available_after_minor']);
    const ledger = (await cradle().ledger.statement(`courier_earnings:${me}`, 0, 100)).transfers;
    expect(rows.map((r) => [r[1], r[2], r[3], r[4], Number(r[6])])).to.deep.equal(ledger.map((t) => [t.id, t.kind, t.code, t.reference, t.amountMinor]));
    expect(rows.at(-1)!.slice(7).map(Number), 'posted change and balances after the payout').to.deep.equal([-150_000, 90_000, 90_000]);

    const json = (await http(`${base}/statements`, { token: courier.accessToken })).body.data;
    expect([json.totals, json.closing]).to.deep.equal([{ creditsMinor: 240_000, debitsMinor: 150_000, entries: ledger.length }, { posted: 90_000, available: 90_000 }]);
    const pdf = await fetch(`${base}/statements?format=pdf`, { headers: { authorization: `Bearer ${courier.accessToken}` } });
    expect([pdf.status, pdf.headers.get('content-type')]).to.deep.equal([200, 'application/pdf']);
    const bytes = Buffer.from(await pdf.arrayBuffer());
    expect(bytes.subarray(0, 5).toString()).to.equal('%PDF-');
    const text = pdfText(bytes);
    for (const line of ['Credits: 240000', 'Debits: 150000', 'Closing posted balance: 90000', `Account: courier_earnings:${me}`]) expect(text).to.contain(line);

    const history = await fetch(`${base}/payouts/history?format=csv`, { headers: { authorization: `Bearer ${courier.accessToken}` } });
    expect(history.headers.get('content-type')).to.equal('text/csv; charset=utf-8');
    const [, ...payoutRows] = csvRows(await history.text());
    expect(payoutRows.map((r) => [r[0], r[3], Number(r[4])])).to.deep.equal([[payoutId, 'paid', 150_000]]);
    const historyPdf = pdfText(Buffer.from(await (await fetch(`${base}/payouts/history?format=pdf`, { headers: { authorization: `Bearer ${courier.accessToken}` } })).arrayBuffer()));
    expect(historyPdf).to.contain('Paid: 150000');
    const stranger = await signUp(app, 'courier');
    expect((await http(`${base}/statements?format=csv`, { token: stranger.accessToken })).status, "another courier's statement does not exist for them").to.equal(404);
  });

  it('when pending transfers pass their timeout, then the sweep voids each exactly once, even with two sweeps at once', async () => {
    const { openLedgerAccount, createTransfers, ledger } = cradle();
    const wallet = await openLedgerAccount.execute({ ownerKind: 'customer_wallet', ownerId: `cust-${randomUUID().slice(0, 8)}` });
    const card = await openLedgerAccount.execute({ ownerKind: 'gateway_clearing', ownerId: 'card' });
    const store = await openLedgerAccount.execute({ ownerKind: 'store_payable', ownerId: `store-${randomUUID().slice(0, 8)}` });
    const id = `hold-${randomUUID().slice(0, 8)}`;
    await createTransfers.execute([
      { id: `${id}:top_up`, debitAccountId: card.id, creditAccountId: wallet.id, amountMinor: 1_000, currency: wallet.currency, code: 'wallet_top_up', reference: `test:${id}` },
      { id, kind: 'pending', debitAccountId: wallet.id, creditAccountId: store.id, amountMinor: 600, currency: wallet.currency, code: 'order_hold', reference: `test:${id}`, timeoutSeconds: 1 },
    ]);
    expect((await ledger.findAccount(wallet.id))!.debitsPending).to.equal(600);
    await new Promise((r) => setTimeout(r, 1_200));
    const sweep = queue('ledger-expiry');
    await Promise.all([1, 2].map((n) => sweep.add('ledger-expiry', { task: 'expire' }, { jobId: `sweep-now-${n}-${id}` })));
    await eventually(async () => (await ledger.findTransfers([`${id}:expired`])).length === 1, 15_000, 'the expiry');
    await eventually(async () => (await Promise.all([1, 2].map(async (n) => (await sweep.getJob(`sweep-now-${n}-${id}`))?.isCompleted()))).every(Boolean), 15_000, 'both sweeps');
    const expired = (await ledger.transfersByReference(`test:${id}`)).filter((t) => t.kind === 'expire_pending');
    expect(expired.map((t) => t.id)).to.deep.equal([`${id}:expired`]);
    expect((await ledger.findAccount(wallet.id))!).to.deep.include({ debitsPending: 0, creditsPosted: 1_000, debitsPosted: 0 });
    expect((await ledger.findAccount(store.id))!.creditsPending).to.equal(0);
  });

  it('when the reconciliation runs on a clean ledger, then it raises nothing; when a delivered order with no flows is inserted into the database, then the admins with finance:manage (and no other admin) get an alert in their inbox and an audit entry is written', async () => {
    const runs = queue('reconciliation');
    const run = async () => {
      const job = await runs.add('reconciliation', { task: 'reconcile' }, { jobId: `recon-now-${randomUUID()}` });
      return eventually(async () => ((await job.isCompleted()) ? (await runs.getJob(job.id!))!.returnvalue as { mismatches: number; checkedOrders: number } : null), 20_000, 'the reconciliation');
    };
    const alertEvents = async () => {
      const { sql } = cradle().store as Extract<ReturnType<typeof cradle>['store'], { kind: 'sql' }>;
      return (await sql.query("select payload from outbox where type = 'finance.reconciliation.mismatch_found'")).rows;
    };
    expect((await run()).mismatches, 'clean').to.equal(0);
    expect(await alertEvents()).to.deep.equal([]);

    const at = new Date(Date.now() - 2 * 3_600_000).toISOString();
    const orderId = randomUUID();
    await cradle().repositories.orders.create(Order.restore({
      id: orderId, number: `D-${randomUUID().slice(0, 8)}`, checkoutId: `co-${orderId}`, storeId: 'store-x', customerId: 'cust-x',
      lines: [{ variantId: 'v', productId: 'p', name: { ar: 'خبز', en: 'Bread' }, unitPriceMinor: 40_000, quantity: 1, lineTotalMinor: 40_000 }],
      currency: 'SYP', totals: { subtotalMinor: 40_000, deliveryFeeMinor: 10_000, vatMinor: 0, totalMinor: 50_000 }, paymentMethod: 'cash',
      dropoff: { point: { lat: 33.5, lng: 36.3 }, addressId: null, label: null, line: '1 Main St', building: null, floor: null, notes: null },
      status: 'delivered', timeline: { placed: at, delivered: at }, reason: null, version: 5, createdAt: at, updatedAt: at,
    }));
    expect((await run()).mismatches).to.equal(1);
    const [event] = await alertEvents();
    expect((event as { payload: { kinds: unknown } }).payload.kinds).to.deep.equal({ delivered_order_not_settled: 1 });
    const inbox = await eventually(async () => {
      const items = (await http(`${app.url}/api/v1/notifications/inbox`, { token: admin.accessToken })).body.data.items as { eventType: string; body: string }[];
      return items.find((m) => m.eventType === 'finance.reconciliation.mismatch_found');
    }, 20_000, "the admin's alert");
    expect(inbox.body).to.contain(`order:${orderId}`);
    // Finance alerts go to the admins who hold finance:manage: the super admin, not the operations admin.
    const finance = await cradle().recipientDirectory.adminsHolding('finance:manage', 1, 100);
    expect(finance.accountIds).to.include(admin.accountId).and.not.include(operations.accountId);
    const again = { ...(event as { payload: Record<string, unknown> }), id: `recon-again-${randomUUID()}`, type: 'finance.reconciliation.mismatch_found' };
    expect(await cradle().notifyEvent.execute(again as never), 'one finance admin, in the inbox and by email').to.deep.equal({ queued: 2, skipped: 0 });
    const payoutFailed = { id: `payout-failed-${randomUUID()}`, type: 'finance.payout.failed', payload: { accountId: courier.accountId, payoutId: 'p-1', amountMinor: 1, currency: 'SYP', attempts: 1, error: 'x' } };
    expect(await cradle().notifyEvent.execute(payoutFailed as never), 'the owner and one finance admin, two channels each').to.deep.equal({ queued: 4, skipped: 0 });
    const inboxOf = async (s: Session) => ((await http(`${app.url}/api/v1/notifications/inbox`, { token: s.accessToken })).body.data.items as { eventType: string }[]).map((m) => m.eventType);
    await eventually(async () => (await inboxOf(admin)).filter((t) => t.startsWith('finance.')).length >= 3, 20_000, 'the finance admin has all three alerts');
    expect((await inboxOf(operations)).filter((t) => t.startsWith('finance.')), 'the operations admin has none').to.deep.equal([]);
    const audit = await eventually(async () => (await cradle().auditLog.search({ action: 'finance.reconciliation_mismatch', resourceId: orderId }, { page: 1, limit: 10 })).items[0]?.toProps(), 20_000, 'the audit entry');
    expect(audit.metadata).to.deep.include({ kind: 'delivered_order_not_settled', expectedMinor: 50_000, actualMinor: null });
  });
});
