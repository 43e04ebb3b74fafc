import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { forEachBackend } from '../helpers/databases.js';
import { ledgerWorld, type LedgerWorld } from '../helpers/ledger.js';
import type { Account, OwnerKind, Transfer, TransferRequest } from '../../domain/finance/model.js';

/**
 * The ledger's invariants, checked after random sequences of transfers (fast-check) and
 * after a storm of concurrent ones:
 * - across all accounts, posted debits = posted credits (and pending debits = pending credits);
 * - every account's balances are the sum of its transfers;
 * - a transfer id exists at most once, and a retry changes nothing;
 * - a pending transfer resolves at most once;
 * - flagged accounts never cross their limit;
 * - a refused transfer leaves every balance as it was.
 */

const KINDS: OwnerKind[] = ['gateway_clearing', 'customer_wallet', 'customer_wallet', 'store_payable', 'courier_cash_in_hand', 'platform_revenue'];

type Op =
  | { t: 'move'; kind: 'posted' | 'pending'; from: number; to: number; amount: number; timeout: number }
  | { t: 'post'; pending: number; amount: number | null }
  | { t: 'void'; pending: number }
  | { t: 'retry'; of: number; mutate: boolean }
  | { t: 'tick'; seconds: number }
  | { t: 'expire' };

const account = fc.nat({ max: KINDS.length - 1 });
const amount = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 400 }) }, { weight: 1, arbitrary: fc.constantFrom(0, -3, 2.5) });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant('move' as const), kind: fc.constantFrom('posted' as const, 'pending' as const), from: account, to: account, amount, timeout: fc.constantFrom(0, 0, 30) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('post' as const), pending: fc.nat(20), amount: fc.option(fc.integer({ min: 1, max: 400 })) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('void' as const), pending: fc.nat(20) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('retry' as const), of: fc.nat(30), mutate: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('tick' as const), seconds: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 1, arbitrary: fc.constant({ t: 'expire' as const }) },
);

async function assertInvariants(w: LedgerWorld, accounts: Account[], submitted: Set<string>): Promise<void> {
  const totals = await w.ledger.totals();
  expect(totals.debitsPosted, 'Σ posted debits = Σ posted credits').to.equal(totals.creditsPosted);
  expect(totals.debitsPending, 'Σ pending debits = Σ pending credits').to.equal(totals.creditsPending);
  const seen = new Map<string, Transfer>();
  for (const a of accounts) {
    const now = (await w.ledger.findAccount(a.id))!;
    const { transfers } = await w.ledger.statement(a.id, 0, 10_000);
    for (const t of transfers) seen.set(t.id, t);
    const sum = (side: 'debitAccountId' | 'creditAccountId', kinds: string[]) => transfers.filter((t) => t[side] === a.id && kinds.includes(t.kind)).reduce((s, t) => s + t.amountMinor, 0);
    const open = (side: 'debitAccountId' | 'creditAccountId') => transfers.filter((t) => t[side] === a.id && t.kind === 'pending' && !transfers.some((r) => r.pendingId === t.id)).reduce((s, t) => s + t.amountMinor, 0);
    expect(now.debitsPosted, `${a.id} posted debits = Σ its entries`).to.equal(sum('debitAccountId', ['posted', 'post_pending']));
    expect(now.creditsPosted, `${a.id} posted credits = Σ its entries`).to.equal(sum('creditAccountId', ['posted', 'post_pending']));
    expect(now.debitsPending, `${a.id} pending debits = its open reservations`).to.equal(open('debitAccountId'));
    expect(now.creditsPending, `${a.id} pending credits = its open reservations`).to.equal(open('creditAccountId'));
    if (now.flags.debitsMustNotExceedCredits) expect(now.debitsPending + now.debitsPosted).to.be.at.most(now.creditsPosted);
    if (now.flags.creditsMustNotExceedDebits) expect(now.creditsPending + now.creditsPosted).to.be.at.most(now.debitsPosted);
  }
  const resolutions = [...seen.values()].filter((t) => t.pendingId !== null).map((t) => t.pendingId);
  expect(new Set(resolutions).size, 'a pending transfer resolves at most once').to.equal(resolutions.length);
  const stored = await w.ledger.findTransfers([...submitted]);
  expect(new Set(stored.map((t) => t.id)).size, 'a transfer id exists at most once').to.equal(stored.length);
}

forEachBackend('Ledger invariants', (ctx) => {
  let w: LedgerWorld;
  before(async () => {
    w = await ledgerWorld(ctx.store);
  });
  after(async () => {
    await w?.close();
  });

  const openAll = async () => Promise.all(KINDS.map((k) => w.open(k, `inv-${randomUUID().slice(0, 8)}`)));

  it('when random sequences of transfers, posts, voids, retries and expiries run, then every invariant holds after each sequence and a refused step changes nothing', async function () {
    this.timeout(60_000);
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
        const accounts = await openAll();
        const ids = accounts.map((a) => a.id);
        const sent: TransferRequest[] = [];
        const pendings: string[] = [];
        const submitted = new Set<string>();
        for (const o of ops) {
          let req: TransferRequest | null = null;
          if (o.t === 'tick') w.clock.advance(o.seconds);
          else if (o.t === 'expire') await w.expire.execute();
          else if (o.t === 'move') req = { id: randomUUID(), kind: o.kind, debitAccountId: ids[o.from]!, creditAccountId: ids[o.to]!, amountMinor: o.amount, currency: 'SYP', code: 'test', reference: 'prop', ...(o.kind === 'pending' ? { timeoutSeconds: o.timeout } : {}) };
          else if ((o.t === 'post' || o.t === 'void') && pendings.length) {
            const pendingId = pendings[o.pending % pendings.length]!;
            req = o.t === 'post' ? { id: randomUUID(), kind: 'post_pending', pendingId, ...(o.amount !== null ? { amountMinor: o.amount } : {}) } : { id: randomUUID(), kind: 'void_pending', pendingId };
          } else if (o.t === 'retry' && sent.length) {
            const prev = sent[o.of % sent.length]!;
            req = o.mutate ? ({ ...prev, reference: 'changed' } as TransferRequest) : prev;
          }
          if (!req) continue;
          submitted.add(req.id);
          const before = await w.snapshot(ids);
          const totals = await w.ledger.totals();
          try {
            const r = await w.transfers.one(req);
            sent.push(req);
            if (r.transfer.kind === 'pending') pendings.push(r.transfer.id);
            if (!r.created) expect(await w.snapshot(ids), 'a retry changes nothing').to.deep.equal(before);
          } catch (err) {
            const code = (err as { code?: string }).code ?? '';
            expect(code, String(err)).to.match(/^LEDGER_/);
            expect(await w.snapshot(ids), `refused with ${code}, nothing moved`).to.deep.equal(before);
            expect(await w.ledger.totals()).to.deep.equal(totals);
          }
        }
        await assertInvariants(w, accounts, submitted);
      }),
      { numRuns: ctx.backend === 'pglite' ? 12 : ctx.backend === 'postgres' ? 8 : 5, seed: Number(process.env.FC_SEED ?? Date.now() % 2 ** 31), endOnFailure: true },
    );
  });

  ctx.itIsolation('when 200 random transfers, posts and voids run at once on six accounts, then every invariant holds', async () => {
    const accounts = await openAll();
    const ids = accounts.map((a) => a.id);
    await w.transfers.one({ id: randomUUID(), debitAccountId: ids[0]!, creditAccountId: ids[1]!, amountMinor: 3_000, currency: 'SYP', code: 'seed', reference: 'storm' });
    await w.transfers.one({ id: randomUUID(), debitAccountId: ids[4]!, creditAccountId: ids[5]!, amountMinor: 3_000, currency: 'SYP', code: 'seed', reference: 'storm' });
    const pendingIds = Array.from({ length: 20 }, () => randomUUID());
    const submitted = new Set<string>();
    const jobs = fc.sample(fc.tuple(account, account, fc.integer({ min: 1, max: 120 }), fc.nat(19), fc.nat(5)), { numRuns: 200, seed: 7 }).map(([from, to, amt, p, kind], i) => {
      const id = i < 20 ? pendingIds[i]! : randomUUID();
      submitted.add(id);
      const req: TransferRequest = i < 20 || kind === 0
        ? { id, kind: i < 20 ? 'pending' : 'posted', debitAccountId: ids[from]!, creditAccountId: ids[to]!, amountMinor: amt, currency: 'SYP', code: 'storm', reference: 'storm' }
        : kind < 3 ? { id, kind: 'post_pending', pendingId: pendingIds[p]!, amountMinor: Math.min(amt, 1) } : kind < 5 ? { id, kind: 'void_pending', pendingId: pendingIds[p]! } : { id: pendingIds[p]!, kind: 'pending', debitAccountId: ids[from]!, creditAccountId: ids[to]!, amountMinor: amt, currency: 'SYP', code: 'storm', reference: 'storm' };
      return w.transfers.one(req);
    });
    const results = await Promise.allSettled(jobs);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as { code?: string }).code, String(r.reason)).to.match(/^LEDGER_/);
    expect(results.filter((r) => r.status === 'fulfilled').length).to.be.greaterThan(20);
    await assertInvariants(w, accounts, submitted);
  });
});
