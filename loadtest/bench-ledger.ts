/**
 * npm run bench:ledger: the ledger's transfers per second, on PostgreSQL (BENCH_PG, default
 * postgres://postgres@127.0.0.1:5432/test, in a schema of its own, dropped at the end) and PGlite
 * (in memory). Writes loadtest/results/ledger.json in the issue's shape, plus `meta` (windows, medians,
 * paired ratios, load average):
 * - spread: BENCH_CLIENTS (64) concurrent clients, each transfer between two of 10,000 wallets;
 * - hot: the same, every transfer crediting one of 10 hot accounts (the platform revenue account is hot in real life);
 * - naive: the same hot load through a read-the-balance-then-write-it implementation without locks or a
 *   transaction, on its own copy of the tables; its invariant violations are counted after each window;
 * - duplicates: 1,000 submissions (50 ids × 20, fired at once) on each backend: double postings (summed).
 * Windows alternate (ledger-spread, naive-spread, ledger-hot, naive-hot) over BENCH_ROUNDS rounds of
 * BENCH_WINDOW_S seconds, so a slow spell of the shared box moves both sides of a ratio; figures are
 * medians over windows, ratios medians of per-round ratios. Every invariant is checked after each window.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { openPglite, openPostgres, type SqlClient } from '../infra/db/sql/client.js';
import { prepareStore, closeStore, createRepositories, type Store } from '../infra/db/index.js';
import { CreateTransfers } from '../domain/finance/use-cases/create-transfers.js';
import { systemClock } from '../domain/shared/ids.js';
import { median, pairedRatio, type WindowRecord } from './bench-windows.js';

const PG = process.env.BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 64);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WINDOW_S = Number(process.env.BENCH_WINDOW_S ?? 4);
/** PostgreSQL connections behind the 64 clients: the box's server is shared (max_connections 100). */
const PG_POOL = Number(process.env.BENCH_PG_POOL ?? 32);
const ACCOUNTS = 10_000;
const HOT = 10;
const SEED_MINOR = 1_000_000_000;
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const log = (m: string) => process.stdout.write(`${m}\n`);
const load = () => os.loadavg().map((x) => round(x, 2));

const wallet = (i: number) => `w${String(i).padStart(5, '0')}`;
const hot = (i: number) => `hot${i}`;
const pick = (n: number) => Math.floor(Math.random() * n);

/** Seeds `accounts` and `transfers` tables (the ledger's, or the naive copy): 10,000 funded wallets, 10 hot accounts, one gateway. */
async function seed(db: SqlClient, accounts: string, transfers: string): Promise<void> {
  const at = new Date().toISOString();
  await db.query(
    `insert into ${accounts} (id, currency, owner_kind, owner_id, debits_must_not_exceed_credits, credits_must_not_exceed_debits, debits_pending, debits_posted, credits_pending, credits_posted, created_at)
     select 'w' || lpad(i::text, 5, '0'), 'SYP', 'customer_wallet', 'c' || i, true, false, 0::bigint, 0::bigint, 0::bigint, $1::bigint, $2::timestamptz from generate_series(0, $3::int - 1) as i
     union all select 'hot' || i, 'SYP', 'platform_revenue', 'p' || i, false, false, 0, 0, 0, 0, $2::timestamptz from generate_series(0, $4::int - 1) as i
     union all select 'gateway', 'SYP', 'gateway_clearing', 'platform', false, false, 0, $1::bigint * $3::int, 0, 0, $2::timestamptz`,
    [SEED_MINOR, at, ACCOUNTS, HOT],
  );
  await db.query(
    `insert into ${transfers} (id, debit_account_id, credit_account_id, amount_minor, currency, code, reference, kind, pending_id, timeout_seconds, created_at)
     select 'seed-' || i, 'gateway', 'w' || lpad(i::text, 5, '0'), $1::bigint, 'SYP', 'wallet_top_up', 'bench', 'posted', null, 0, $2::timestamptz from generate_series(0, $3::int - 1) as i`,
    [SEED_MINOR, at, ACCOUNTS],
  );
}

/** Invariant breaches: Σ debits ≠ Σ credits (1), accounts whose balances are not the sum of their entries, accounts past their flag. */
async function violations(db: SqlClient, accounts: string, transfers: string): Promise<{ total: number; imbalance: number; driftedAccounts: number; flagBreaches: number }> {
  const t = await db.query<{ d: string; c: string }>(`select coalesce(sum(debits_posted), 0)::text as d, coalesce(sum(credits_posted), 0)::text as c from ${accounts}`);
  const imbalance = Number(t.rows[0]!.d) - Number(t.rows[0]!.c);
  const drift = await db.query<{ n: string }>(
    `with e as (
       select debit_account_id as id, amount_minor as d, 0::bigint as c from ${transfers} where kind in ('posted', 'post_pending')
       union all select credit_account_id, 0, amount_minor from ${transfers} where kind in ('posted', 'post_pending')),
     s as (select id, sum(d) as d, sum(c) as c from e group by id)
     select count(*)::text as n from ${accounts} a left join s on s.id = a.id
     where a.debits_posted <> coalesce(s.d, 0) or a.credits_posted <> coalesce(s.c, 0)`,
  );
  const flags = await db.query<{ n: string }>(
    `select count(*)::text as n from ${accounts} where (debits_must_not_exceed_credits and debits_pending + debits_posted > credits_posted)
       or (credits_must_not_exceed_debits and credits_pending + credits_posted > debits_posted)`,
  );
  const driftedAccounts = Number(drift.rows[0]!.n);
  const flagBreaches = Number(flags.rows[0]!.n);
  return { total: (imbalance !== 0 ? 1 : 0) + driftedAccounts + flagBreaches, imbalance, driftedAccounts, flagBreaches };
}

type Load = 'spread' | 'hot';
const pair = (l: Load): [string, string] => {
  const from = wallet(pick(ACCOUNTS));
  if (l === 'hot') return [from, hot(pick(HOT))];
  let to = wallet(pick(ACCOUNTS));
  while (to === from) to = wallet(pick(ACCOUNTS));
  return [from, to];
};

/** The naive transfer: read both balances, check the flag, write the new balances, insert the entry: no lock, no transaction. */
async function naiveTransfer(db: SqlClient, from: string, to: string, amount: number): Promise<void> {
  const r = await db.query<{ id: string; debits_posted: string; credits_posted: string; debits_must_not_exceed_credits: boolean }>(
    'select id, debits_posted::text, credits_posted::text, debits_must_not_exceed_credits from naive_accounts where id = any($1::text[])', [[from, to]],
  );
  const debit = r.rows.find((x) => x.id === from)!;
  const credit = r.rows.find((x) => x.id === to)!;
  if (debit.debits_must_not_exceed_credits && Number(debit.debits_posted) + amount > Number(debit.credits_posted)) throw new Error('overdraft');
  await db.query('update naive_accounts set debits_posted = $2 where id = $1', [from, Number(debit.debits_posted) + amount]);
  await db.query('update naive_accounts set credits_posted = $2 where id = $1', [to, Number(credit.credits_posted) + amount]);
  await db.query(
    `insert into naive_transfers (id, debit_account_id, credit_account_id, amount_minor, currency, code, reference, kind, pending_id, timeout_seconds, created_at)
     values ($1, $2, $3, $4, 'SYP', 'bench', 'bench', 'posted', null, 0, now())`, [randomUUID(), from, to, amount],
  );
}

interface Window extends WindowRecord { backend: string; side: string; rate: number; round: number; valid: boolean; transfers: number; errors: number; transfersPerSec: number; violations: number; load: number[] }

/** CLIENTS loops for WINDOW_S seconds, each sending one transfer after another. */
async function window(send: () => Promise<void>): Promise<{ ok: number; errors: number; seconds: number }> {
  let ok = 0;
  let errors = 0;
  const end = performance.now() + WINDOW_S * 1000;
  const start = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    while (performance.now() < end) {
      try {
        await send();
        ok++;
      } catch {
        errors++;
      }
    }
  }));
  return { ok, errors, seconds: (performance.now() - start) / 1000 };
}

async function duplicates(transfers: CreateTransfers, db: SqlClient): Promise<{ submissions: number; doublePostings: number }> {
  const ids = Array.from({ length: 50 }, () => `dup-${randomUUID()}`);
  const target = hot(0);
  const before = await db.query<{ c: string }>('select credits_posted::text as c from ledger_accounts where id = $1', [target]);
  const jobs = ids.flatMap((id, i) => Array.from({ length: 20 }, () => transfers.one({ id, debitAccountId: wallet(i), creditAccountId: target, amountMinor: 7, currency: 'SYP', code: 'bench_duplicate', reference: 'bench' })));
  const results = await Promise.allSettled(jobs);
  const after = await db.query<{ c: string }>('select credits_posted::text as c from ledger_accounts where id = $1', [target]);
  const rows = await db.query<{ n: string }>('select count(*)::text as n from ledger_transfers where id = any($1::text[])', [ids]);
  const moved = (Number(after.rows[0]!.c) - Number(before.rows[0]!.c)) / 7;
  const failed = results.filter((r) => r.status === 'rejected').length;
  if (failed) log(`  duplicates: ${failed} submissions failed: ${String((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason)}`);
  return { submissions: jobs.length, doublePostings: Math.max(0, moved - ids.length) + Math.max(0, Number(rows.rows[0]!.n) - ids.length) };
}

async function runBackend(name: 'postgres' | 'pglite'): Promise<{ result: Record<string, unknown>; windows: Window[]; dup: { submissions: number; doublePostings: number }; invariantsHold: boolean; ratios: Record<string, number | null> } | null> {
  let store: Store;
  let drop: (() => Promise<void>) | undefined;
  if (name === 'postgres') {
    const schema = `bench_ledger_${randomBytes(4).toString('hex')}`;
    try {
      const sql = await openPostgres({ url: PG, schema, max: PG_POOL });
      store = { kind: 'sql', engine: 'postgres', sql };
      drop = async () => void (await sql.query(`drop schema ${schema} cascade`));
    } catch (err) {
      log(`  postgres: skipped, not reachable (${(err as Error).message})`);
      return null;
    }
  } else {
    store = { kind: 'sql', engine: 'pglite', sql: await openPglite() };
  }
  const db = store.sql;
  try {
    await prepareStore(store);
    // The naive side's own tables: the ledger's columns without its checks, so nothing stops a lost update.
    await db.exec('create table naive_accounts (like ledger_accounts including defaults); alter table naive_accounts add primary key (id); create table naive_transfers (like ledger_transfers including defaults);');
    await seed(db, 'ledger_accounts', 'ledger_transfers');
    await seed(db, 'naive_accounts', 'naive_transfers');
    const transfers = new CreateTransfers({ ...createRepositories(store), clock: systemClock });
    const sides: Record<string, { load: Load; send: () => Promise<void>; tables: [string, string] }> = {
      ledger_spread: { load: 'spread', tables: ['ledger_accounts', 'ledger_transfers'], send: async () => void (await transfers.one(move('spread'))) },
      naive_spread: { load: 'spread', tables: ['naive_accounts', 'naive_transfers'], send: () => naiveSend('spread') },
      ledger_hot: { load: 'hot', tables: ['ledger_accounts', 'ledger_transfers'], send: async () => void (await transfers.one(move('hot'))) },
      naive_hot: { load: 'hot', tables: ['naive_accounts', 'naive_transfers'], send: () => naiveSend('hot') },
    };
    function move(l: Load) {
      const [from, to] = pair(l);
      return { id: randomUUID(), debitAccountId: from, creditAccountId: to, amountMinor: 1 + pick(100), currency: 'SYP', code: 'bench', reference: 'bench' };
    }
    function naiveSend(l: Load) {
      const [from, to] = pair(l);
      return naiveTransfer(db, from, to, 1 + pick(100));
    }
    const windows: Window[] = [];
    let invariantsHold = true;
    // Warm-up (not counted): the first window of a fresh database pays for caches, plans and the JIT.
    await window(sides.ledger_spread!.send);
    await window(sides.naive_spread!.send);
    for (let r = 0; r < ROUNDS; r++) {
      for (const [side, s] of Object.entries(sides)) {
        const w = await window(s.send);
        const v = await violations(db, ...s.tables);
        if (side.startsWith('ledger') && v.total > 0) {
          invariantsHold = false;
          log(`  !! ${name} ${side}: invariants broken ${JSON.stringify(v)}`);
        }
        const rec: Window = { backend: name, side, rate: 0, round: r, valid: true, transfers: w.ok, errors: w.errors, transfersPerSec: round(w.ok / w.seconds), violations: v.total, load: load() };
        windows.push(rec);
        log(`  ${name} round ${r} ${side.padEnd(13)} ${String(rec.transfersPerSec).padStart(7)}/s  errors ${w.errors}  violations ${v.total}${v.total ? ` (imbalance ${v.imbalance}, drifted ${v.driftedAccounts}, flags ${v.flagBreaches})` : ''}  load ${rec.load.join(' ')}`);
      }
    }
    const dup = await duplicates(transfers, db);
    const final = await violations(db, 'ledger_accounts', 'ledger_transfers');
    if (final.total > 0 || dup.doublePostings > 0) invariantsHold = false;
    const med = (side: string) => median(windows.filter((w) => w.side === side).map((w) => w.transfersPerSec)) ?? 0;
    const naiveViolations = Math.max(...windows.filter((w) => w.side === 'naive_hot').map((w) => w.violations));
    const tps = (w: Window) => w.transfersPerSec;
    const ratios = {
      ledgerSpreadToNaiveSpread: pairedRatio(windows, 'ledger_spread', 'naive_spread', 0, tps),
      ledgerHotToNaiveHot: pairedRatio(windows, 'ledger_hot', 'naive_hot', 0, tps),
      ledgerHotToLedgerSpread: pairedRatio(windows, 'ledger_hot', 'ledger_spread', 0, tps),
    };
    return {
      result: { name, spread: { transfersPerSec: med('ledger_spread') }, hot: { transfersPerSec: med('ledger_hot') }, naive: { transfersPerSec: med('naive_hot'), invariantViolations: naiveViolations } },
      windows, dup, invariantsHold, ratios,
    };
  } finally {
    await drop?.().catch(() => undefined);
    await closeStore(store);
  }
}

async function main(): Promise<void> {
  const loadBefore = load();
  log(`bench:ledger — ${CLIENTS} clients, ${ACCOUNTS} accounts (${HOT} hot), ${ROUNDS} rounds of ${WINDOW_S} s windows; load ${loadBefore.join(' ')}`);
  const started = performance.now();
  const runs = [];
  for (const name of ['postgres', 'pglite'] as const) {
    const r = await runBackend(name);
    if (r) runs.push(r);
  }
  const out = {
    backends: runs.map((r) => r.result),
    // 1,000 submissions on each backend; double postings summed over both.
    duplicates: { submissions: Math.min(...runs.map((r) => r.dup.submissions)), doublePostings: runs.reduce((s, r) => s + r.dup.doublePostings, 0) },
    invariantsHold: runs.length > 0 && runs.every((r) => r.invariantsHold),
    meta: {
      command: 'npm run bench:ledger',
      clients: CLIENTS, accounts: ACCOUNTS, hotAccounts: HOT, rounds: ROUNDS, windowS: WINDOW_S, postgresPool: PG_POOL,
      naive: 'read both balances, check the flag, write the new balances, insert the entry; no lock, no transaction; same hot load, own tables',
      duplicatesPerBackend: Object.fromEntries(runs.map((r) => [r.result.name as string, r.dup])),
      ratios: Object.fromEntries(runs.map((r) => [r.result.name as string, r.ratios])),
      naiveSpread: Object.fromEntries(runs.map((r) => [r.result.name as string, { transfersPerSec: median(r.windows.filter((w) => w.side === 'naive_spread').map((w) => w.transfersPerSec)), invariantViolations: Math.max(...r.windows.filter((w) => w.side === 'naive_spread').map((w) => w.violations)) }])),
      windows: runs.flatMap((r) => r.windows.map(({ rate: _rate, valid: _valid, ...w }) => w)),
      loadAverage: { before: loadBefore, after: load() },
      cpus: os.cpus().length,
      seconds: round((performance.now() - started) / 1000),
      at: new Date().toISOString(),
    },
  };
  const file = path.join(__dirname, 'results', 'ledger.json');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  log(`wrote ${path.relative(process.cwd(), file)}: ${JSON.stringify({ backends: out.backends, duplicates: out.duplicates, invariantsHold: out.invariantsHold, ratios: out.meta.ratios })}`);
  if (!out.invariantsHold) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
