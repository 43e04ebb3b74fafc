/**
 * The reservation part of the catalog benchmark: 200 checkouts reserve the
 * last 20 units of one variant at once, through the real ReserveStock use
 * case (atomic conditional update + movement in one transaction). Expected:
 * exactly 20 successes, 180 INSUFFICIENT_STOCK, and the movements summing to
 * on hand and reserved. Also 50 concurrent adjustments on one variant (none lost).
 *
 *   node --require tsx/cjs loadtest/bench-catalog-stock.ts     # PGlite, and PostgreSQL when reachable
 *
 * Env: BENCH_PG (postgres://postgres@127.0.0.1:5432/test), BENCH_ROUNDS (5).
 * Writes loadtest/results/catalog-stock.json; its `reservations` section is the
 * shape `npm run bench:catalog` puts into catalog.json.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { openPglite, openPostgres } from '../infra/db/sql/client.js';
import { closeStore, createRepositories, prepareStore, type Store } from '../infra/db/index.js';
import { ReserveStock } from '../domain/catalog/use-cases/reserve-stock.js';
import { moveStock, type StockDeps } from '../domain/catalog/use-cases/stock-support.js';
import { manualChange } from '../domain/catalog/inventory.js';
import { isAppError } from '../domain/shared/errors.js';
import { systemClock, uuidIds } from '../domain/shared/ids.js';

export const ATTEMPTS = 200;
export const UNITS = 20;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PG = process.env.BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

/** One race: ATTEMPTS parallel reservations of one unit each for the last UNITS units of one variant. */
export async function reservationRace(deps: StockDeps) {
  const variantId = `bench-${randomUUID()}`;
  await deps.inventory.ensureLevel({ variantId, productId: 'bench-product', storeId: 'bench-store', at: new Date() });
  await deps.unitOfWork.transaction(() => moveStock(deps, { variantId, kind: 'receipt', change: manualChange('receipt', UNITS), at: new Date() }));
  const reserve = new ReserveStock(deps);
  const latencies: number[] = [];
  const t0 = performance.now();
  const outcomes = await Promise.all(
    Array.from({ length: ATTEMPTS }, async (_, i) => {
      const start = performance.now();
      const o = await reserve.execute({ lines: [{ variantId, quantity: 1 }], ttlS: 600, key: `bench-${variantId}-${i}` }).then(() => 'ok', (e: unknown) => (isAppError(e) ? e.code : String(e)));
      latencies.push(performance.now() - start);
      return o;
    }),
  );
  const wallMs = performance.now() - t0;
  const level = (await deps.inventory.findLevel(variantId))!;
  const totals = await deps.inventory.movementTotals(variantId);
  return {
    succeeded: outcomes.filter((o) => o === 'ok').length,
    insufficientStock: outcomes.filter((o) => o === 'INSUFFICIENT_STOCK').length,
    otherErrors: outcomes.filter((o) => o !== 'ok' && o !== 'INSUFFICIENT_STOCK').length,
    movementsMatchOnHand: totals.onHand === level.onHand && totals.reserved === level.reserved && level.reserved <= level.onHand,
    wallMs,
    latencies,
  };
}

async function adjustments(deps: StockDeps) {
  const variantId = `bench-adj-${randomUUID()}`;
  await deps.inventory.ensureLevel({ variantId, productId: 'bench-product', storeId: 'bench-store', at: new Date() });
  await deps.unitOfWork.transaction(() => moveStock(deps, { variantId, kind: 'receipt', change: manualChange('receipt', 100), at: new Date() }));
  await Promise.all(Array.from({ length: 50 }, (_, i) => deps.unitOfWork.transaction(() => moveStock(deps, { variantId, kind: 'adjustment', change: manualChange('adjustment', i % 2 ? -1 : 3), key: `adj-${i}`, at: new Date() }))));
  const level = (await deps.inventory.findLevel(variantId))!;
  const totals = await deps.inventory.movementTotals(variantId);
  return { adjustments: 50, expectedOnHand: 150, onHand: level.onHand, lostUpdates: 150 - level.onHand, movementsMatchOnHand: totals.onHand === level.onHand };
}

async function onBackend(name: string, open: () => Promise<Store>) {
  let store: Store;
  try {
    store = await open();
  } catch (err) {
    return { backend: name, skipped: (err as Error).message };
  }
  await prepareStore(store);
  const repos = createRepositories(store);
  const deps: StockDeps = { inventory: repos.inventory, outbox: repos.outbox, unitOfWork: repos.unitOfWork, clock: systemClock, ids: uuidIds };
  const rounds = [];
  for (let i = 0; i < ROUNDS; i++) rounds.push(await reservationRace(deps));
  const latencies = rounds.flatMap((r) => r.latencies);
  const adj = await adjustments(deps);
  await closeStore(store);
  return {
    backend: name,
    rounds: ROUNDS,
    attempts: ATTEMPTS,
    units: UNITS,
    succeeded: rounds.map((r) => r.succeeded),
    insufficientStock: rounds.map((r) => r.insufficientStock),
    otherErrors: rounds.map((r) => r.otherErrors),
    movementsMatchOnHand: rounds.every((r) => r.movementsMatchOnHand),
    wallMsPerRace: rounds.map((r) => round(r.wallMs)),
    reservationLatencyMs: { p50: round(pct(latencies, 50)), p99: round(pct(latencies, 99)) },
    concurrentAdjustments: adj,
  };
}

async function main(): Promise<void> {
  const loadAvgBefore = os.loadavg().map((x) => round(x, 2));
  const backends = [
    await onBackend('pglite', async () => ({ kind: 'sql', engine: 'pglite', sql: await openPglite() })),
    await onBackend('postgres', async () => ({ kind: 'sql', engine: 'postgres', sql: await openPostgres({ url: PG, schema: `bench_${randomBytes(4).toString('hex')}`, max: 20 }) })),
  ];
  const ran = backends.filter((b): b is Extract<typeof b, { succeeded: number[] }> => 'succeeded' in b);
  const everyRound = ran.flatMap((b) => b.succeeded);
  const out = {
    reservations: {
      attempts: ATTEMPTS,
      units: UNITS,
      // The worst round of any backend: the claim must hold every time, not on average.
      succeeded: everyRound.find((s) => s !== UNITS) ?? UNITS,
      insufficientStock: Math.min(...ran.flatMap((b) => b.insufficientStock)),
      movementsMatchOnHand: ran.every((b) => b.movementsMatchOnHand),
    },
    backends,
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadAvgBefore, loadAvgAfter: os.loadavg().map((x) => round(x, 2)) },
    at: new Date().toISOString(),
  };
  mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  writeFileSync(path.join(__dirname, 'results', 'catalog-stock.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(JSON.stringify(out, null, 2));
  const ok = out.reservations.succeeded === UNITS && out.reservations.insufficientStock === ATTEMPTS - UNITS && out.reservations.movementsMatchOnHand && ran.every((b) => b.concurrentAdjustments.lostUpdates === 0);
  process.exit(ok ? 0 : 1);
}

// bench-catalog.ts imports the race; only running this file runs its own benchmark.
if (require.main === module) {
  void main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
