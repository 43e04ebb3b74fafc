/**
 * `npm run simulate`: a day in the demo city, dispatched three ways through the real app (greedy offers,
 * batch matching, batch matching with stacking), on the same seed. Each run starts its own app (embedded
 * PGlite, its own redis-server), seeds the demo city, brings the fleet online on /courier and places the
 * day's orders over the API (loadtest/sim/). Progress lines every few seconds; at the end it writes
 * loadtest/results/dispatch-sim.json and exits 1 if a target is missed (batch's mean delivery time not
 * below greedy's, any double assignment, any courier over capacity).
 *
 * Knobs (environment): SIM_SEED (42), SIM_COMPRESSION (20: simulated seconds per wall second),
 * SIM_MINUTES (60: the ordering window), SIM_RATE (orders per simulated minute, 1), SIM_COURIERS (20),
 * SIM_ACCEPT (0.85), SIM_DRAIN (60: simulated minutes to wait after the last order), SIM_STORES (24), SIM_CUSTOMERS (120), SIM_RUNS (greedy,batch,batchStacked),
 * SIM_OUT (the JSON's path), SIM_DUMP (a directory for each run's server records).
 */
import os from 'node:os';
import path from 'node:path';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { DEFAULT_SIM, RUNS, runDay, type RunName, type RunResult, type SimOptions } from './sim/run.js';

const num = (name: string, fallback: number) => (process.env[name] === undefined ? fallback : Number(process.env[name]));
const load = () => os.loadavg().map((x) => Math.round(x * 100) / 100);
const log = (line: string) => process.stdout.write(`${line}\n`);

export function optionsFromEnv(): SimOptions {
  return {
    ...DEFAULT_SIM,
    seed: num('SIM_SEED', DEFAULT_SIM.seed),
    compression: num('SIM_COMPRESSION', DEFAULT_SIM.compression),
    couriers: num('SIM_COURIERS', DEFAULT_SIM.couriers),
    stores: num('SIM_STORES', DEFAULT_SIM.stores),
    customers: num('SIM_CUSTOMERS', DEFAULT_SIM.customers),
    acceptProbability: num('SIM_ACCEPT', DEFAULT_SIM.acceptProbability),
    drainMinutes: num('SIM_DRAIN', DEFAULT_SIM.drainMinutes),
    ...(process.env.SIM_DUMP ? { dumpDir: process.env.SIM_DUMP } : {}),
    day: { ...DEFAULT_SIM.day, minutes: num('SIM_MINUTES', DEFAULT_SIM.day.minutes), ordersPerMinute: num('SIM_RATE', DEFAULT_SIM.day.ordersPerMinute) },
    log,
  };
}

type Details = ReturnType<typeof detailsOf>;
interface Written { seed: number; runs: Record<string, unknown>; meta: { details: Record<string, Details> } & Record<string, unknown> }

function detailsOf(r: RunResult) {
  return {
    planned: r.planned, placed: r.figures.placed, delivered: r.figures.delivered, failedToPlace: r.orders.failed,
    stats: r.figures.stats, mostHeld: r.mostHeld, doubleAssignments: r.doubleAssignments, overCapacity: r.overCapacity,
    overCapacityCases: r.overCapacityCases.slice(0, 20).map((c) => ({ ...c, at: new Date(c.at).toISOString() })),
    offers: r.couriers.offers, accepts: r.couriers.accepts, declines: r.couriers.declines, refused: r.couriers.refused,
    fixes: r.couriers.fixes, fixErrors: r.couriers.fixErrors, errors: [...r.orders.errors, ...r.couriers.errors].slice(0, 10),
    wallS: r.wallS, loadAverage: r.loadAverage,
  };
}

/** The file's earlier runs when they played the same day (seed, city, fleet, demand, compression). */
function sameDay(file: string, seed: number, day: Record<string, unknown>): Written | null {
  if (!existsSync(file)) return null;
  try {
    const w = JSON.parse(readFileSync(file, 'utf8')) as Written;
    const same = w.seed === seed && Object.entries(day).every(([k, v]) => JSON.stringify(w.meta[k]) === JSON.stringify(v));
    return same ? w : null;
  } catch {
    return null;
  }
}

async function main(): Promise<number> {
  const opts = optionsFromEnv();
  const names = (process.env.SIM_RUNS ?? RUNS.map((r) => r.name).join(',')).split(',') as RunName[];
  const before = load();
  log(`simulate: seed ${opts.seed}, ${opts.couriers} couriers, λ ${opts.day.ordersPerMinute}/min over ${opts.day.minutes} min, time ×${opts.compression}; load ${before.join(' ')}`);
  const results: RunResult[] = [];
  for (const name of names) {
    const spec = RUNS.find((r) => r.name === name);
    if (!spec) throw new Error(`SIM_RUNS: unknown run ${name} (${RUNS.map((r) => r.name).join(', ')})`);
    const r = await runDay(opts, spec);
    log(`${name}: ${r.figures.delivered}/${r.figures.placed} delivered (${r.planned} planned, ${r.orders.failed} failed to place), mean delivery ${r.figures.meanDeliveryMin} min, time to assign ${r.figures.meanTimeToAssignS} s, utilisation ${r.figures.utilisation}; double assignments ${r.doubleAssignments}, over capacity ${r.overCapacity} (most held at once ${r.mostHeld}); ${r.wallS} s wall, load ${r.loadAverage.join(' ')}`);
    if (r.orders.errors.length || r.couriers.errors.length) log(`  errors: ${[...r.orders.errors, ...r.couriers.errors].slice(0, 5).join(' | ')}`);
    results.push(r);
  }
  const file = process.env.SIM_OUT ?? path.resolve(__dirname, 'results/dispatch-sim.json');
  const day = { compression: opts.compression, day: opts.day, couriers: opts.couriers, city: { stores: opts.stores, customers: opts.customers, products: opts.products }, acceptProbability: opts.acceptProbability };
  // SIM_RUNS a subset: the other runs of the same seeded day are kept from the file.
  const earlier = sameDay(file, opts.seed, day);
  const runs = { ...earlier?.runs, ...Object.fromEntries(results.map((r) => [r.name, { meanDeliveryMin: r.figures.meanDeliveryMin, meanTimeToAssignS: r.figures.meanTimeToAssignS, utilisation: r.figures.utilisation }])) };
  const details = { ...earlier?.meta.details, ...Object.fromEntries(results.map((r) => [r.name, detailsOf(r)])) };
  const out = {
    seed: opts.seed,
    runs,
    doubleAssignments: Object.values(details).reduce((s, d) => s + d.doubleAssignments, 0),
    overCapacity: Object.values(details).reduce((s, d) => s + d.overCapacity, 0),
    meta: {
      at: new Date().toISOString(),
      loadAverage: { before, after: load() },
      cpus: os.cpus().length,
      ...day,
      stopSeconds: opts.stopSeconds,
      promiseMinutes: opts.promiseMinutes,
      details,
    },
  };
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  log(`wrote ${file}`);
  const g = (runs.greedy as { meanDeliveryMin?: number | null } | undefined)?.meanDeliveryMin;
  const b = (runs.batch as { meanDeliveryMin?: number | null } | undefined)?.meanDeliveryMin;
  const misses = [
    ...(g != null && b != null && !(b < g) ? [`batch's mean delivery ${b} min is not below greedy's ${g} min`] : []),
    ...(out.doubleAssignments ? [`${out.doubleAssignments} double assignments`] : []),
    ...(out.overCapacity ? [`${out.overCapacity} assignments over capacity`] : []),
  ];
  for (const m of misses) log(`TARGET MISSED: ${m}`);
  return misses.length ? 1 : 0;
}

main().then((code) => process.exit(code), (err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
