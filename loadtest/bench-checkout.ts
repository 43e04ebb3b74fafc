/**
 * npm run bench:checkout: the checkout under load, against the real app (startSystem on port 0,
 * its own redis-server, the Stripe stub for cards), on PGlite and on PostgreSQL (BENCH_PG, default
 * postgres://postgres@127.0.0.1:5432/test, in a schema of its own, dropped at the end; skipped with
 * a note when unreachable). Writes loadtest/results/checkout.json:
 * - throughput: BENCH_CUSTOMERS (50) customers at once, each checkout spanning 2 stores and 3 lines,
 *   paid by card; each customer refills their cart (not timed) and checks out again until
 *   BENCH_CHECKOUTS (300) checkouts are made; checkouts/s and p50/p99 of the checkout request;
 * - duplicates: 20 keys × 50 repeats fired at once (1,000 requests): checkouts made, reservations
 *   beyond one per order, and holds or captures beyond one per order at the stub;
 * - last units: 200 customers race for the last 20 units: orders made and the lowest stock seen
 *   (sampled through the race, and after it).
 */
import os from 'node:os';
import path from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../test/helpers/app.js';
import { startStripeStub, type StripeStub } from '../test/helpers/stripe-stub.js';
import { checkout, fillCart, seedCustomer, seedStore, stockOf, DAMASCUS, type SeededCustomer, type SeededStore } from '../test/helpers/checkout-world.js';
import { openPostgres } from '../infra/db/sql/client.js';
import { pageRequest } from '../domain/shared/pagination.js';
import type { Cradle } from '../infra/container.js';

const PG = process.env.BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 50);
const CHECKOUTS = Number(process.env.BENCH_CHECKOUTS ?? 300);
const NEAR = { lat: DAMASCUS.lat + 0.005, lng: DAMASCUS.lng };
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const log = (m: string) => process.stdout.write(`${m}\n`);

interface Backend { name: 'pglite' | 'postgres'; checkoutsPerSec: number; p50Ms: number; p99Ms: number; checkouts: number; errors: Record<string, number> }

async function world(app: TestApp): Promise<{ a: SeededStore; b: SeededStore }> {
  const a = await seedStore(app, { products: [{ price: 12_500, stock: 1_000_000 }, { price: 3_000, stock: 1_000_000 }] });
  const b = await seedStore(app, { location: { lat: DAMASCUS.lat + 0.01, lng: DAMASCUS.lng }, products: [{ price: 99_999, stock: 1_000_000 }] });
  return { a, b };
}
const threeLines = (w: { a: SeededStore; b: SeededStore }) => [
  { variantId: w.a.variants[0]!.variantId, quantity: 2 }, { variantId: w.a.variants[1]!.variantId, quantity: 1 }, { variantId: w.b.variants[0]!.variantId, quantity: 1 },
];
const CARD = { paymentMethod: 'card', paymentMethodToken: 'pm_card_visa' };

/**
 * CHECKOUTS customers, each with a filled cart (2 stores, 3 lines), then BENCH_CUSTOMERS of them checking
 * out at once (a pool: when one finishes the next starts), so the wall time is checkout time only.
 */
async function throughput(app: TestApp, name: Backend['name']): Promise<Backend> {
  const w = await world(app);
  const customers: SeededCustomer[] = [];
  for (let i = 0; i < CHECKOUTS; i += 25) {
    const batch = await Promise.all(Array.from({ length: Math.min(25, CHECKOUTS - i) }, () => seedCustomer(app, NEAR)));
    await Promise.all(batch.map((c) => fillCart(app, c, threeLines(w))));
    customers.push(...batch);
  }
  const times: number[] = [];
  const errors: Record<string, number> = {};
  let next = 0;
  const worker = async () => {
    while (next < customers.length) {
      const c = customers[next++]!;
      const t0 = performance.now();
      const r = await checkout(app, c, CARD);
      const ms = performance.now() - t0;
      if (r.status === 201) times.push(ms);
      else errors[r.body?.error?.code ?? String(r.status)] = (errors[r.body?.error?.code ?? String(r.status)] ?? 0) + 1;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: CUSTOMERS }, worker));
  const wallS = (performance.now() - start) / 1000;
  const checkoutsPerSec = round(times.length / wallS, 1);
  log(`  ${name}: ${times.length} checkouts in ${round(wallS, 2)} s at ${CUSTOMERS} at once: ${checkoutsPerSec}/s, p50 ${round(pct(times, 50))} ms, p99 ${round(pct(times, 99))} ms, errors ${JSON.stringify(errors)}`);
  return { name, checkoutsPerSec, p50Ms: round(pct(times, 50), 1), p99Ms: round(pct(times, 99), 1), checkouts: times.length, errors };
}

/** 20 keys × 50 repeats at once: one checkout per key, one reservation per order, one hold per order. */
async function duplicates(app: TestApp, stripe: StripeStub) {
  const w = await world(app);
  const customers = await Promise.all(Array.from({ length: 20 }, () => seedCustomer(app, NEAR)));
  for (const c of customers) await fillCart(app, c, threeLines(w));
  const reservedBefore = (await stockOf(app, w.a, w.a.variants[0]!.variantId)).reserved;
  const before = stripe.stats();
  const keys = customers.map(() => randomUUID());
  const requests = customers.flatMap((c, i) => Array.from({ length: 50 }, () => ({ c, key: keys[i]! })));
  // 1,000 connects at once overrun the listen backlog (511) on a loaded box: a client whose connection
  // failed sends the same request again with the same key, as any client would.
  let connectionRetries = 0;
  const send = async (r: { c: SeededCustomer; key: string }): Promise<Awaited<ReturnType<typeof checkout>>> => {
    for (;;) {
      try {
        return await checkout(app, r.c, CARD, r.key);
      } catch {
        connectionRetries++;
        await new Promise((ok) => setTimeout(ok, 50));
      }
    }
  };
  const answers = await Promise.all(requests.map(send));
  // Clients retry 409 IDEMPOTENCY_KEY_IN_USE; after the race each key answers its one checkout.
  const cradle = app.system.composed.container.cradle as Cradle;
  let checkouts = 0;
  for (const c of customers) checkouts += (await cradle.orders.list({ customerId: c.customerId }, pageRequest(1, 100))).pagination.total / 2;
  const reserved = (await stockOf(app, w.a, w.a.variants[0]!.variantId)).reserved - reservedBefore;
  const after = stripe.stats();
  const statuses: Record<string, number> = {};
  for (const a of answers) statuses[`${a.status}${a.headers.get('idempotent-replayed') ? ' replayed' : ''}`] = (statuses[`${a.status}${a.headers.get('idempotent-replayed') ? ' replayed' : ''}`] ?? 0) + 1;
  log(`  duplicates: ${requests.length} requests (${connectionRetries} resent after a failed connection) → ${JSON.stringify(statuses)}; ${checkouts} checkouts; ${reserved} units reserved of variant A (2 per checkout expected)`);
  return {
    keys: keys.length,
    requests: requests.length,
    checkouts,
    doubleReservations: Math.max(0, reserved / 2 - checkouts),
    doubleCharges: after.doubleAuthorizations - before.doubleAuthorizations + (after.doubleCharges - before.doubleCharges),
    answers: statuses,
    connectionRetries,
  };
}

/** 200 customers race for the last 20 units; the stock is sampled through the race. */
async function lastUnits(app: TestApp) {
  const store = await seedStore(app, { products: [{ price: 20_000, stock: 20 }] });
  const variantId = store.variants[0]!.variantId;
  const customers = await Promise.all(Array.from({ length: 200 }, () => seedCustomer(app, NEAR)));
  for (const c of customers) await fillCart(app, c, [{ variantId, quantity: 1 }]);
  let minStock = Infinity;
  let racing = true;
  const sampler = (async () => {
    while (racing) {
      minStock = Math.min(minStock, (await stockOf(app, store, variantId)).available);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const answers = await Promise.all(customers.map((c) => checkout(app, c, { paymentMethod: 'cash' })));
  racing = false;
  await sampler;
  minStock = Math.min(minStock, (await stockOf(app, store, variantId)).available);
  const orders = answers.filter((a) => a.status === 201).length;
  log(`  last units: ${orders} orders of 200 customers for 20 units; lowest stock seen ${minStock}`);
  return { customers: 200, units: 20, orders, minStock };
}

async function onBackend(name: Backend['name'], env: Record<string, string>, extra: boolean) {
  const stripe = await startStripeStub();
  const app = await startTestApp({ env: { ...stripe.env, RATE_LIMIT_AUTH_PER_MIN: '1000000', RATE_LIMIT_ANON_PER_MIN: '1000000', ...env } });
  try {
    const backend = await throughput(app, name);
    return { backend, ...(extra ? { duplicates: await duplicates(app, stripe), lastUnits: await lastUnits(app) } : {}) };
  } finally {
    await app.stop();
    await stripe.close();
  }
}

async function main(): Promise<void> {
  log(`bench:checkout — ${CUSTOMERS} customers, ${CHECKOUTS} checkouts per backend; load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const pglite = await onBackend('pglite', {}, true);
  let postgres: Awaited<ReturnType<typeof onBackend>> | null = null;
  const schema = `bench_checkout_${randomBytes(4).toString('hex')}`;
  const probe = await openPostgres({ url: PG, max: 1 }).catch((err: Error) => err);
  if (probe instanceof Error) log(`  postgres: skipped, not reachable at ${PG.replace(/\/\/[^@]*@/, '//')} (${probe.message})`);
  else {
    await probe.query(`create schema ${schema}`);
    try {
      postgres = await onBackend('postgres', { DATABASE_URL: PG, DATABASE_SCHEMA: schema }, false);
    } finally {
      await probe.query(`drop schema ${schema} cascade`);
      await probe.close();
    }
  }
  const strip = (b: Backend) => ({ name: b.name, checkoutsPerSec: b.checkoutsPerSec, p50Ms: b.p50Ms, p99Ms: b.p99Ms });
  const result = {
    backends: [pglite.backend, ...(postgres ? [postgres.backend] : [])].map(strip),
    duplicates: (({ keys, requests, checkouts, doubleReservations, doubleCharges }) => ({ keys, requests, checkouts, doubleReservations, doubleCharges }))(pglite.duplicates!),
    lastUnits: pglite.lastUnits!,
    meta: { customers: CUSTOMERS, checkoutsPerBackend: CHECKOUTS, linesPerCheckout: 3, storesPerCheckout: 2, loadAverage: os.loadavg().map((x) => round(x, 2)), cpus: os.cpus().length, at: new Date().toISOString(), duplicateAnswers: pglite.duplicates!.answers, duplicateConnectionRetries: pglite.duplicates!.connectionRetries },
  };
  const out = path.resolve(__dirname, 'results/checkout.json');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  log(`wrote ${out}`);
  const ok = result.duplicates.checkouts === 20 && result.duplicates.doubleReservations === 0 && result.duplicates.doubleCharges === 0 && result.lastUnits.orders === 20 && result.lastUnits.minStock >= 0;
  if (!ok) {
    log('FAILED: the correctness figures are not what they must be');
    process.exitCode = 1;
  }
}

void main().then(() => process.exit(process.exitCode ?? 0), (err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
