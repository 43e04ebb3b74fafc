import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { forEachBackend } from '../helpers/databases.js';
import { ledgerWorld, type LedgerWorld } from '../helpers/ledger.js';
import { createRepositories } from '../../infra/db/index.js';
import { balanceOf, type TransferRequest } from '../../domain/finance/model.js';

const uid = () => randomUUID().slice(0, 8);

/** The code of the error `p` rejects with (fails the test when it resolves). */
async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
  throw new Error('expected a refusal, but it succeeded');
}

forEachBackend('Ledger contract', (ctx) => {
  let w: LedgerWorld;
  before(async () => {
    w = await ledgerWorld(ctx.store);
  });
  after(async () => {
    await w?.close();
  });

  /** A gateway clearing account (unconstrained) and a wallet holding `funded` minor units. */
  async function fundedWallet(funded: number) {
    const gateway = await w.open('gateway_clearing', `gw-${uid()}`);
    const wallet = await w.open('customer_wallet', `cust-${uid()}`);
    if (funded > 0) await w.transfers.one({ id: `fund-${uid()}`, debitAccountId: gateway.id, creditAccountId: wallet.id, amountMinor: funded, currency: 'SYP', code: 'wallet_top_up', reference: 'test' });
    return { gateway, wallet };
  }
  const spend = (from: string, to: string, amountMinor: number, over: Partial<TransferRequest> = {}): TransferRequest =>
    ({ id: `t-${uid()}`, debitAccountId: from, creditAccountId: to, amountMinor, currency: 'SYP', code: 'order_payment', reference: 'order:1', ...over }) as TransferRequest;

  it('when an owner account is opened twice, then one account exists, in the marketplace currency, with its kind\'s flags and zero balances', async () => {
    const owner = `store-${uid()}`;
    const a = await w.open('store_payable', owner);
    const b = await w.open('store_payable', owner);
    expect(b).to.deep.equal(a);
    expect(a).to.include({ id: `store_payable:${owner}`, currency: 'SYP', ownerKind: 'store_payable', ownerId: owner, debitsPending: 0, debitsPosted: 0, creditsPending: 0, creditsPosted: 0 });
    expect(a.flags).to.deep.equal({ debitsMustNotExceedCredits: true, creditsMustNotExceedDebits: false });
    expect((await w.open('courier_cash_in_hand', owner)).flags).to.deep.equal({ debitsMustNotExceedCredits: false, creditsMustNotExceedDebits: true });
    expect(await w.ledger.findAccountByOwner('store_payable', owner, 'SYP')).to.deep.equal(a);
    expect(await w.ledger.findAccount('nope')).to.equal(null);
  });

  it('when a posted transfer is written, then the debit account gains posted debits and the credit account posted credits, and it reads back', async () => {
    const { gateway, wallet } = await fundedWallet(10_000);
    const store = await w.open('store_payable', `s-${uid()}`);
    const [r] = await w.transfers.execute([spend(wallet.id, store.id, 2_500, { reference: 'order:42' })]);
    expect(r!.created).to.equal(true);
    const after = await w.snapshot([gateway.id, wallet.id, store.id]);
    expect(after[gateway.id]).to.include({ debitsPosted: 10_000, creditsPosted: 0 });
    expect(after[wallet.id]).to.include({ debitsPosted: 2_500, creditsPosted: 10_000, debitsPending: 0, creditsPending: 0 });
    expect(balanceOf(after[wallet.id]!)).to.deep.equal({ posted: 7_500, pending: 0, available: 7_500 });
    expect(after[store.id]).to.include({ creditsPosted: 2_500 });
    expect(await w.ledger.findTransfers([r!.transfer.id])).to.deep.equal([r!.transfer]);
    expect(r!.transfer).to.include({ kind: 'posted', pendingId: null, timeoutSeconds: 0, code: 'order_payment', reference: 'order:42', amountMinor: 2_500 });
    expect((await w.ledger.transfersByReference('order:42')).map((t) => t.id)).to.include(r!.transfer.id);
  });

  it('when a transfer is retried with the same id and fields, then it is a no-op answering the original; with other fields, then LEDGER_TRANSFER_EXISTS and nothing moves', async () => {
    const { wallet } = await fundedWallet(10_000);
    const store = await w.open('store_payable', `s-${uid()}`);
    const t = spend(wallet.id, store.id, 1_000);
    const first = await w.transfers.one(t);
    w.clock.advance(5);
    const again = await w.transfers.one(t);
    expect(again).to.deep.equal({ transfer: first.transfer, created: false });
    const before = await w.snapshot([wallet.id, store.id]);
    expect(await codeOf(w.transfers.one({ ...t, amountMinor: 1_001 } as TransferRequest))).to.equal('LEDGER_TRANSFER_EXISTS');
    expect(await codeOf(w.transfers.one({ ...t, reference: 'order:other' } as TransferRequest))).to.equal('LEDGER_TRANSFER_EXISTS');
    expect(await w.snapshot([wallet.id, store.id])).to.deep.equal(before);
    expect(before[wallet.id]).to.include({ debitsPosted: 1_000 });
  });

  it('when an amount is negative, zero, fractional or unsafe, a currency mismatches, an account is unknown or the same on both sides, or a wallet would overdraw, then each is refused with its code and no balance changes', async () => {
    const { gateway, wallet } = await fundedWallet(5_000);
    const store = await w.open('store_payable', `s-${uid()}`);
    w.settings.apply('currency', 99, 'EUR');
    const euro = await w.open('store_payable', `eur-${uid()}`);
    w.settings.apply('currency', 100, 'SYP');
    expect(euro.currency).to.equal('EUR');
    const ids = [gateway.id, wallet.id, store.id, euro.id];
    const before = await w.snapshot(ids);
    const totals = await w.ledger.totals();
    const cases: [TransferRequest, string][] = [
      [spend(wallet.id, store.id, -100), 'LEDGER_AMOUNT_INVALID'],
      [spend(wallet.id, store.id, 0), 'LEDGER_AMOUNT_INVALID'],
      [spend(wallet.id, store.id, 10.5), 'LEDGER_AMOUNT_INVALID'],
      [spend(wallet.id, store.id, 2 ** 60), 'LEDGER_AMOUNT_INVALID'],
      [spend(wallet.id, euro.id, 100), 'LEDGER_CURRENCY_MISMATCH'],
      [spend(wallet.id, store.id, 100, { currency: 'EUR' }), 'LEDGER_CURRENCY_MISMATCH'],
      [spend(wallet.id, `store_payable:ghost-${uid()}`, 100), 'LEDGER_ACCOUNT_NOT_FOUND'],
      [spend(wallet.id, wallet.id, 100), 'LEDGER_SAME_ACCOUNT'],
      [spend(wallet.id, store.id, 5_001), 'LEDGER_EXCEEDS_CREDITS'],
      [{ id: `p-${uid()}`, kind: 'post_pending', pendingId: `none-${uid()}` }, 'LEDGER_PENDING_NOT_FOUND'],
    ];
    for (const [req, code] of cases) expect(await codeOf(w.transfers.one(req)), JSON.stringify(req)).to.equal(code);
    expect(await w.snapshot(ids)).to.deep.equal(before);
    expect(await w.ledger.totals()).to.deep.equal(totals);
    expect(await w.ledger.findTransfers(cases.map(([r]) => r.id))).to.deep.equal([]);
  });

  it('when cash in hand would be credited past what was collected, then LEDGER_EXCEEDS_DEBITS and nothing moves', async () => {
    const cash = await w.open('courier_cash_in_hand', `c-${uid()}`);
    const revenue = await w.open('platform_revenue', `platform-${uid()}`);
    await w.transfers.one(spend(cash.id, revenue.id, 700, { code: 'cash_collected' }));
    const before = await w.snapshot([cash.id, revenue.id]);
    expect(await codeOf(w.transfers.one(spend(revenue.id, cash.id, 701, { code: 'cash_remitted' })))).to.equal('LEDGER_EXCEEDS_DEBITS');
    expect(await w.snapshot([cash.id, revenue.id])).to.deep.equal(before);
    await w.transfers.one(spend(revenue.id, cash.id, 700, { code: 'cash_remitted' }));
    expect(await w.ledger.findAccount(cash.id)).to.include({ debitsPosted: 700, creditsPosted: 700 });
  });

  it('when a pending transfer is posted in part, then only that part moves and the reservation is released; a second post, or a void after it, is refused', async () => {
    const { wallet } = await fundedWallet(10_000);
    const store = await w.open('store_payable', `s-${uid()}`);
    const pending = await w.transfers.one(spend(wallet.id, store.id, 4_000, { kind: 'pending', code: 'wallet_hold' }));
    expect(await w.ledger.findAccount(wallet.id)).to.include({ debitsPending: 4_000, debitsPosted: 0 });
    expect(balanceOf((await w.ledger.findAccount(wallet.id))!).available).to.equal(6_000);
    expect(await codeOf(w.transfers.one({ id: `post-${uid()}`, kind: 'post_pending', pendingId: pending.transfer.id, amountMinor: 4_001 }))).to.equal('LEDGER_POST_EXCEEDS_PENDING');
    const post = await w.transfers.one({ id: `post-${uid()}`, kind: 'post_pending', pendingId: pending.transfer.id, amountMinor: 3_000 });
    expect(post.transfer).to.include({ kind: 'post_pending', pendingId: pending.transfer.id, amountMinor: 3_000, debitAccountId: wallet.id, creditAccountId: store.id, code: 'wallet_hold' });
    const after = await w.snapshot([wallet.id, store.id]);
    expect(after[wallet.id]).to.include({ debitsPending: 0, debitsPosted: 3_000 });
    expect(after[store.id]).to.include({ creditsPending: 0, creditsPosted: 3_000 });
    expect(await codeOf(w.transfers.one({ id: `post-${uid()}`, kind: 'post_pending', pendingId: pending.transfer.id }))).to.equal('LEDGER_PENDING_ALREADY_POSTED');
    expect(await codeOf(w.transfers.one({ id: `void-${uid()}`, kind: 'void_pending', pendingId: pending.transfer.id }))).to.equal('LEDGER_PENDING_ALREADY_POSTED');
    expect(await w.snapshot([wallet.id, store.id])).to.deep.equal(after);
    expect(await codeOf(w.transfers.one({ id: `x-${uid()}`, kind: 'post_pending', pendingId: post.transfer.id }))).to.equal('LEDGER_PENDING_NOT_FOUND');
  });

  it('when a voided pending transfer is posted, then LEDGER_PENDING_ALREADY_VOIDED and the balances stay as the void left them', async () => {
    const { wallet } = await fundedWallet(1_000);
    const store = await w.open('store_payable', `s-${uid()}`);
    const pending = await w.transfers.one(spend(wallet.id, store.id, 800, { kind: 'pending' }));
    await w.transfers.one({ id: `void-${uid()}`, kind: 'void_pending', pendingId: pending.transfer.id });
    const after = await w.snapshot([wallet.id, store.id]);
    expect(after[wallet.id]).to.include({ debitsPending: 0, debitsPosted: 0, creditsPosted: 1_000 });
    expect(await codeOf(w.transfers.one({ id: `post-${uid()}`, kind: 'post_pending', pendingId: pending.transfer.id }))).to.equal('LEDGER_PENDING_ALREADY_VOIDED');
    expect(await w.snapshot([wallet.id, store.id])).to.deep.equal(after);
  });

  it('when a pending transfer reserves funds, then a debit past the rest is refused (pending counts against "debits must not exceed credits")', async () => {
    const { wallet } = await fundedWallet(1_000);
    const store = await w.open('store_payable', `s-${uid()}`);
    await w.transfers.one(spend(wallet.id, store.id, 800, { kind: 'pending' }));
    expect(await codeOf(w.transfers.one(spend(wallet.id, store.id, 201)))).to.equal('LEDGER_EXCEEDS_CREDITS');
    expect(await codeOf(w.transfers.one(spend(wallet.id, store.id, 201, { kind: 'pending' })))).to.equal('LEDGER_EXCEEDS_CREDITS');
    await w.transfers.one(spend(wallet.id, store.id, 200));
    expect(await w.ledger.findAccount(wallet.id)).to.include({ debitsPending: 800, debitsPosted: 200, creditsPosted: 1_000 });
  });

  it('when a pending transfer times out, then a post is refused with LEDGER_PENDING_EXPIRED, the expiry job voids it once, and a second run finds nothing', async () => {
    const { wallet } = await fundedWallet(1_000);
    const store = await w.open('store_payable', `s-${uid()}`);
    const pending = await w.transfers.one(spend(wallet.id, store.id, 600, { kind: 'pending', timeoutSeconds: 60 }));
    w.clock.advance(30);
    expect(await w.expire.execute()).to.equal(0);
    w.clock.advance(31);
    expect(await codeOf(w.transfers.one({ id: `post-${uid()}`, kind: 'post_pending', pendingId: pending.transfer.id }))).to.equal('LEDGER_PENDING_EXPIRED');
    expect(await w.ledger.findAccount(wallet.id)).to.include({ debitsPending: 600 });
    const [expired, again] = [await w.expire.execute(), await w.expire.execute()];
    expect([expired >= 1, again]).to.deep.equal([true, 0]);
    expect(await w.ledger.findAccount(wallet.id)).to.include({ debitsPending: 0, debitsPosted: 0 });
    expect(await w.ledger.findAccount(store.id)).to.include({ creditsPending: 0, creditsPosted: 0 });
    const [state] = await w.ledger.lockPendingStates([pending.transfer.id]);
    expect(state).to.include({ status: 'expired', resolvedBy: `${pending.transfer.id}:expired` });
    expect(await codeOf(w.transfers.one({ id: `void-${uid()}`, kind: 'void_pending', pendingId: pending.transfer.id }))).to.equal('LEDGER_PENDING_EXPIRED');
  });

  it('when one transfer of a linked batch fails, then none of them is written and the error names its index; when all hold, then all are', async () => {
    const { gateway, wallet } = await fundedWallet(1_000);
    const store = await w.open('store_payable', `s-${uid()}`);
    const revenue = await w.open('platform_revenue', `platform-${uid()}`);
    const before = await w.snapshot([gateway.id, wallet.id, store.id, revenue.id]);
    const batch = [spend(wallet.id, store.id, 900), spend(store.id, revenue.id, 100), spend(wallet.id, revenue.id, 101)];
    let err: { code?: string; details?: { index?: number }[] } = {};
    await w.transfers.execute(batch).catch((e: typeof err) => (err = e));
    expect([err.code, err.details?.[0]?.index]).to.deep.equal(['LEDGER_EXCEEDS_CREDITS', 2]);
    expect(await w.snapshot([gateway.id, wallet.id, store.id, revenue.id])).to.deep.equal(before);
    expect(await w.ledger.findTransfers(batch.map((t) => t.id))).to.deep.equal([]);
    const ok = await w.transfers.execute(batch.slice(0, 2));
    expect(ok.map((r) => r.created)).to.deep.equal([true, true]);
    expect(await w.ledger.findAccount(store.id)).to.include({ creditsPosted: 900, debitsPosted: 100 });
    // A pending transfer and its post in one batch.
    const hold = spend(wallet.id, revenue.id, 50, { kind: 'pending' });
    await w.transfers.execute([hold, { id: `post-${uid()}`, kind: 'post_pending', pendingId: hold.id }]);
    expect(await w.ledger.findAccount(wallet.id)).to.include({ debitsPending: 0, debitsPosted: 950 });
  });

  it("when an account's statement is read, then its entries on both sides come oldest first with the total", async () => {
    const { gateway, wallet } = await fundedWallet(1_000);
    const store = await w.open('store_payable', `s-${uid()}`);
    w.clock.advance(1);
    const a = await w.transfers.one(spend(wallet.id, store.id, 100));
    w.clock.advance(1);
    const b = await w.transfers.one(spend(wallet.id, store.id, 200));
    const page = await w.ledger.statement(wallet.id, 1, 10);
    expect(page.total).to.equal(3);
    expect(page.transfers.map((t) => t.id)).to.deep.equal([a.transfer.id, b.transfer.id]);
    expect((await w.ledger.statement(gateway.id, 0, 10)).transfers).to.have.length(1);
  });

  it('when a transfer is written inside a transaction that rolls back, then neither the transfer nor a balance remains', async () => {
    const { wallet } = await fundedWallet(1_000);
    const store = await w.open('store_payable', `s-${uid()}`);
    const before = await w.snapshot([wallet.id, store.id]);
    const t = spend(wallet.id, store.id, 300);
    await createRepositories(ctx.store).unitOfWork.transaction(async () => {
      await w.transfers.one(t);
      throw new Error('rollback');
    }).catch(() => undefined);
    expect(await w.snapshot([wallet.id, store.id])).to.deep.equal(before);
    expect(await w.ledger.findTransfers([t.id])).to.deep.equal([]);
  });

  ctx.itIsolation('when 200 debits of 1 race on a wallet holding 50, then exactly 50 succeed, the rest are LEDGER_EXCEEDS_CREDITS, and debits never exceed credits', async () => {
    const { wallet } = await fundedWallet(50);
    const store = await w.open('store_payable', `s-${uid()}`);
    const results = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => w.transfers.one(spend(wallet.id, store.id, 1, { kind: i % 2 ? 'pending' : 'posted' }))));
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as { code?: string }).code] : []));
    expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(50);
    expect(new Set(refused)).to.deep.equal(new Set(['LEDGER_EXCEEDS_CREDITS']));
    const a = (await w.ledger.findAccount(wallet.id))!;
    expect(a.debitsPending + a.debitsPosted).to.equal(50);
    const t = await w.ledger.totals();
    expect([t.debitsPosted, t.debitsPending]).to.deep.equal([t.creditsPosted, t.creditsPending]);
  });

  ctx.itIsolation('when 20 submissions of one transfer id race, then one is created, all answer the same transfer, and the money moved once', async () => {
    const { wallet } = await fundedWallet(1_000);
    const store = await w.open('store_payable', `s-${uid()}`);
    const t = spend(wallet.id, store.id, 10);
    const results = await Promise.all(Array.from({ length: 20 }, () => w.transfers.one(t)));
    expect(results.filter((r) => r.created)).to.have.length(1);
    expect(new Set(results.map((r) => JSON.stringify(r.transfer))).size).to.equal(1);
    expect(await w.ledger.findAccount(store.id)).to.include({ creditsPosted: 10 });
  });

  ctx.itIsolation('when 10 posts and voids of one pending transfer race, then exactly one resolves it', async () => {
    const { wallet } = await fundedWallet(1_000);
    const store = await w.open('store_payable', `s-${uid()}`);
    const pending = await w.transfers.one(spend(wallet.id, store.id, 400, { kind: 'pending' }));
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => w.transfers.one({ id: `r-${i}-${uid()}`, kind: i % 2 ? 'void_pending' : 'post_pending', pendingId: pending.transfer.id })));
    expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(1);
    const a = (await w.ledger.findAccount(wallet.id))!;
    expect(a.debitsPending).to.equal(0);
    expect([0, 400]).to.include(a.debitsPosted);
  });
});
