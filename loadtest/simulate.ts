/**
 * `npm run simulate`: a day in the demo city, dispatched three ways through the real app (greedy offers,
 * batch matching, batch matching with stacking), on the same seed. Each run starts its own app (embedded
 * PGlite, its own redis-server), seeds the demo city, brings the fleet online on /courier and places the
 * day's orders over the API (loadtest/sim/). Progress lines every few seconds; at the end it writes
 * loadtest/results/dispatch-sim.json and exits 1 if a target is missed (batch's mean delivery time not
 * below greedy's on a seed, any double assignment, any courier over capacity).
 *
 * Several seeds and a busier day: `npm run simulate -- --seeds 42,7,1234 --rate 1.5` plays each seed's day
 * (all runs of one seed, then the next seed). The JSON keeps the one-seed shape for the first seed and adds
 * `seeds: [{seed, runs, doubleAssignments, overCapacity}]` and `meanOverSeeds`; the safety counts at the top
 * add up every seed. The file is rewritten after every run, so an interrupted day keeps what finished.
 *
 * Flags: --seeds a,b,c  --rate λ (orders per simulated minute)  --minutes n  --runs greedy,batch  --out file.
 * Knobs (environment, the flags win): SIM_SEED (42), SIM_SEEDS, SIM_COMPRESSION (20: simulated seconds per wall second),
 * SIM_MINUTES (60: the ordering window), SIM_RATE (orders per simulated minute, 1), SIM_COURIERS (20),
 * SIM_ACCEPT (0.85), SIM_DRAIN (60: simulated minutes to wait after the last order), SIM_STORES (24), SIM_CUSTOMERS (120), SIM_RUNS (greedy,batch,batchStacked),
 * SIM_OUT (the JSON's path), SIM_DUMP (a directory for each run's server records).
 */
import os from 'node:os';
import path from 'node:path';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { DEFAULT_SIM, RUNS, runDay, type RunName, type RunResult, type SimOptions } from './sim/run.js';

/** `--name value` flags, over the environment's SIM_* knobs. */
export function flagsOf(argv: readonly string[]): Record<string, string> {
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z]+)(?:=(.*))?$/.exec(argv[i]!);
    if (!m) throw new Error(`simulate: unexpected argument ${argv[i]} (flags: --seeds, --rate, --minutes, --runs, --out)`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new Error(`simulate: --${m[1]} needs a value`);
    flags[m[1]!] = value;
  }
  return flags;
}
const FLAG_ENV: Record<string, string> = { seeds: 'SIM_SEEDS', rate: 'SIM_RATE', minutes: 'SIM_MINUTES', runs: 'SIM_RUNS', out: 'SIM_OUT' };
const flags = flagsOf(process.argv.slice(2));
for (const k of Object.keys(flags)) if (!FLAG_ENV[k]) throw new Error(`simulate: unknown flag --${k} (${Object.keys(FLAG_ENV).map((f) => `--${f}`).join(', ')})`);
const setting = (name: string): string | undefined => {
  const flag = Object.entries(FLAG_ENV).find(([, env]) => env === name)?.[0];
  return (flag && flags[flag]) ?? process.env[name];
};
const num = (name: string, fallback: number) => {
  const raw = setting(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new Error(`simulate: ${name} must be a number, not ${raw}`);
  return n;
};
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

/** The seeds to play: --seeds / SIM_SEEDS, else the one SIM_SEED. */
function seedsOf(opts: SimOptions): number[] {
  const raw = setting('SIM_SEEDS');
  if (raw === undefined) return [opts.seed];
  const seeds = raw.split(',').map((x) => Number(x.trim()));
  if (seeds.length === 0 || seeds.some((x) => !Number.isInteger(x))) throw new Error(`simulate: --seeds takes integers separated by commas, not ${raw}`);
  return seeds;
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

type Figures = { meanDeliveryMin: number | null; meanTimeToAssignS: number | null; utilisation: number | null };
const figuresOf = (r: RunResult): Figures => ({ meanDeliveryMin: r.figures.meanDeliveryMin, meanTimeToAssignS: r.figures.meanTimeToAssignS, utilisation: r.figures.utilisation });
const mean = (xs: (number | null | undefined)[]): number | null => {
  const v = xs.filter((x): x is number => typeof x === 'number');
  return v.length ? Math.round((v.reduce((a, b) => a + b, 0) / v.length) * 1000) / 1000 : null;
};

interface SeedResult { seed: number; runs: Record<string, Figures>; details: Record<string, Details> }

async function main(): Promise<number> {
  const opts = optionsFromEnv();
  const seeds = seedsOf(opts);
  const names = (setting('SIM_RUNS') ?? RUNS.map((r) => r.name).join(',')).split(',') as RunName[];
  const specs = names.map((name) => {
    const spec = RUNS.find((r) => r.name === name);
    if (!spec) throw new Error(`SIM_RUNS: unknown run ${name} (${RUNS.map((r) => r.name).join(', ')})`);
    return spec;
  });
  const file = setting('SIM_OUT') ?? path.resolve(__dirname, 'results/dispatch-sim.json');
  const before = load();
  log(`simulate: seed${seeds.length > 1 ? 's' : ''} ${seeds.join(', ')}, ${opts.couriers} couriers, λ ${opts.day.ordersPerMinute}/min over ${opts.day.minutes} min, time ×${opts.compression}; load ${before.join(' ')}`);
  const day = { compression: opts.compression, day: opts.day, couriers: opts.couriers, city: { stores: opts.stores, customers: opts.customers, products: opts.products }, acceptProbability: opts.acceptProbability };
  // One seed and SIM_RUNS a subset: the other runs of the same seeded day are kept from the file.
  const earlier = seeds.length === 1 ? sameDay(file, seeds[0]!, day) : null;
  const played: SeedResult[] = seeds.map((seed, i) => ({ seed, runs: i === 0 ? { ...(earlier?.runs as Record<string, Figures> | undefined) } : {}, details: i === 0 ? { ...earlier?.meta.details } : {} }));

  const write = () => {
    const safety = (s: SeedResult) => ({ doubleAssignments: Object.values(s.details).reduce((n, d) => n + d.doubleAssignments, 0), overCapacity: Object.values(s.details).reduce((n, d) => n + d.overCapacity, 0) });
    const first = played[0]!;
    const out = {
      seed: first.seed,
      runs: first.runs,
      doubleAssignments: played.reduce((n, s) => n + safety(s).doubleAssignments, 0),
      overCapacity: played.reduce((n, s) => n + safety(s).overCapacity, 0),
      ...(seeds.length > 1
        ? {
            seeds: played.map((s) => ({ seed: s.seed, runs: s.runs, ...safety(s) })),
            meanOverSeeds: Object.fromEntries(names.map((n) => [n, { meanDeliveryMin: mean(played.map((s) => s.runs[n]?.meanDeliveryMin)), meanTimeToAssignS: mean(played.map((s) => s.runs[n]?.meanTimeToAssignS)), utilisation: mean(played.map((s) => s.runs[n]?.utilisation)) }])),
          }
        : {}),
      meta: {
        at: new Date().toISOString(),
        loadAverage: { before, after: load() },
        cpus: os.cpus().length,
        ...day,
        stopSeconds: opts.stopSeconds,
        promiseMinutes: opts.promiseMinutes,
        details: first.details,
        ...(seeds.length > 1 ? { detailsBySeed: Object.fromEntries(played.map((s) => [s.seed, s.details])) } : {}),
      },
    };
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
    return out;
  };

  for (const seeded of played) {
    for (const spec of specs) {
      const r = await runDay({ ...opts, seed: seeded.seed }, spec);
      log(`seed ${seeded.seed} ${spec.name}: ${r.figures.delivered}/${r.figures.placed} delivered (${r.planned} planned, ${r.orders.failed} failed to place), mean delivery ${r.figures.meanDeliveryMin} min, time to assign ${r.figures.meanTimeToAssignS} s, utilisation ${r.figures.utilisation}; double assignments ${r.doubleAssignments}, over capacity ${r.overCapacity} (most held at once ${r.mostHeld}); ${r.wallS} s wall, load ${r.loadAverage.join(' ')}`);
      if (r.orders.errors.length || r.couriers.errors.length) log(`  errors: ${[...r.orders.errors, ...r.couriers.errors].slice(0, 5).join(' | ')}`);
      seeded.runs[spec.name] = figuresOf(r);
      seeded.details[spec.name] = detailsOf(r);
      write();
    }
  }
  const out = write();
  log(`wrote ${file}`);
  const misses = [
    ...played.flatMap((s) => {
      const g = s.runs.greedy?.meanDeliveryMin;
      const b = s.runs.batch?.meanDeliveryMin;
      return g != null && b != null && !(b < g) ? [`seed ${s.seed}: batch's mean delivery ${b} min is not below greedy's ${g} min`] : [];
    }),
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
