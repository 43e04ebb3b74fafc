/**
 * `npm run bench:hub` (`-- --quick` for a short run): the real hub against two bare Socket.IO relays,
 * in one run, with one generator and one fleet, built so that a verdict survives a noisy 2-core box.
 * docs/loadtest.md says what is measured and how to read it.
 *
 *  0. two private redis-servers (the hub's, the sharded relay's) and a temp DATA_DIR; `seed`
 *     (scripts/seed.ts) creates verified couriers, customers and one assigned delivery each, with
 *     real sessions and tokens;
 *  1. three sides, all started at once, each with the whole fleet connected (memory per idle socket):
 *     (a) `bare`, the relay on the in-memory adapter; (b) `bareSharded`, the relay on the stock
 *     sharded Redis adapter; (c) `hub`, the product's hub (its own start command, role hub);
 *  2. rounds of steady windows at 3k and 5k fixes/s in alternating order (a, b, c, a, b, c), each round
 *     closed by one long window of the hub at 2,500/s; a window where a generator stalled is invalid;
 *  3. the saturation search of each side, the sides again in turn: the highest rate whose ack p99
 *     stays under 100 ms.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedRedis, type EmbeddedRedis } from '../infra/embedded-redis.js';
import { loadConfig } from '../infra/config.js';
import { seed } from '../scripts/seed.js';
import { connectSide, drain, Generators, measure, windowText, type Measured, type Side } from './bench-measure.js';
import { nofile, sleep, startServer, type Child } from './bench-procs.js';
import { rateKey, rateSummary, SIDES, verdict } from './bench-report.js';
import { alternatingPlan } from './bench-windows.js';
import type { Fleet } from './hub-fleet.js';
import { productHubCommand } from './hub-process.js';
import { SaturationSearch, type SearchResult } from './hub-stats.js';
import type { ThreadKinds } from './server-readings.js';

const env = process.env;
const QUICK = process.argv.includes('--quick');
const num = (k: string, full: number, quick: number) => Number(env[k] ?? (QUICK ? quick : full));
const CFG = {
  couriers: num('BENCH_COURIERS', 5_000, 2_500),
  generatorProcesses: num('BENCH_PROCS', 2, 2),
  sides: (env.BENCH_SIDES ?? `${SIDES.a},${SIDES.b},${SIDES.c}`).split(','),
  rates: (env.BENCH_RATES ?? '3000,5000').split(',').map(Number),
  rounds: num('BENCH_ROUNDS', 3, 2),
  windowS: num('BENCH_WINDOW_S', 30, 4),
  warmS: num('BENCH_WARM_S', 1, 0.5),
  /** The hub's long windows, one per round: the p99 target at 2,500/s is the median of three 60 s windows. */
  long: { rate: 2_500, windowS: num('BENCH_LONG_WINDOW_S', 60, 4) },
  primeS: num('BENCH_PRIME_S', 2, 1.5),
  drainMaxS: 15,
  saturation: { warmS: 0.5, windowS: num('BENCH_PROBE_S', 3, 2), growth: 1.25, precision: QUICK ? 0.15 : 0.05, maxProbes: num('BENCH_PROBES', 5, 3) },
  /** Settling time between the last connection and the idle-memory reading. */
  settleS: QUICK ? 0.5 : 2,
};
/** Set, any of these changes what is measured: the run writes hub.partial.tmp.json, not hub.json. */
const PARTIAL_KNOBS = ['BENCH_HUB_CPU_PROF', 'BENCH_COURIERS', 'BENCH_PROCS', 'BENCH_SIDES', 'BENCH_RATES', 'BENCH_ROUNDS', 'BENCH_WINDOW_S', 'BENCH_WARM_S', 'BENCH_LONG_WINDOW_S', 'BENCH_PRIME_S', 'BENCH_PROBE_S', 'BENCH_PROBES', 'BENCH_BARE_NODE_ARGS'];
/** The hub coalesces positions to 2 per second per order. */
const HUB_POSITIONS_PER_ORDER_PER_S = 2;
/** The relays run on Node's defaults, as a plain Socket.IO server is run; BENCH_BARE_NODE_ARGS adds flags. */
const BARE_NODE_ARGS = ['--require', 'tsx/cjs', ...(env.BENCH_BARE_NODE_ARGS ?? '').split(' ').filter(Boolean)];
/** The servers' own output (warnings while overloaded, stack traces): kept out of the report, gitignored. */
const SERVER_LOG = path.join(__dirname, 'results', 'bench-hub-servers.tmp.log');
/** BENCH_HUB_CPU_PROF=1: a CPU profile of every steady window of the hub, folded into the parts of the fix path (gitignored). */
const PROF_DIR = env.BENCH_HUB_CPU_PROF ? path.join(__dirname, 'results', 'prof') : null;
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const log = (s: string) => console.log(`[bench:hub ${new Date().toISOString().slice(11, 19)}] ${s}`);

/** Seconds the plan will take, roughly (windows, warm-ups, drains; not the seed and connections). */
function estimateS(): number {
  const steady = CFG.rounds * (CFG.rates.length * CFG.sides.length * (CFG.windowS + CFG.warmS + 1) + (CFG.sides.includes(SIDES.c) ? CFG.long.windowS + CFG.warmS + 1 : 0));
  return steady + CFG.sides.length * CFG.saturation.maxProbes * (CFG.saturation.windowS + CFG.saturation.warmS + 1.5);
}

async function startSides(redisHub: EmbeddedRedis, redisBare: EmbeddedRedis, hubEnv: NodeJS.ProcessEnv): Promise<{ sides: Side[]; hubCommand: string }> {
  const hub = productHubCommand();
  const started: { name: string; server: Child; redisPid?: number; perOrder: number }[] = [];
  for (const name of CFG.sides) {
    if (name === SIDES.a || name === SIDES.b) {
      const sharded = name === SIDES.b;
      const server = await startServer(path.join(__dirname, 'bare-relay.ts'), { env: { ...env, BARE_ADAPTER: sharded ? 'sharded' : 'memory', REDIS_URL: redisBare.url }, execArgv: BARE_NODE_ARGS, readyPath: '/ready', logFile: SERVER_LOG });
      started.push({ name, server, ...(sharded ? { redisPid: redisBare.pid } : {}), perOrder: Number.POSITIVE_INFINITY });
    } else if (name === SIDES.c) {
      const server = await startServer(hub.entry, { env: { ...hubEnv, ...hub.env }, execArgv: hub.nodeArgs, readyPath: '/ready', logFile: SERVER_LOG });
      started.push({ name, server, redisPid: redisHub.pid, perOrder: HUB_POSITIONS_PER_ORDER_PER_S });
    } else throw new Error(`unknown side ${name}: ${Object.values(SIDES).join(', ')}`);
    log(`${name}: pid ${started[started.length - 1]?.server.pid}, port ${started[started.length - 1]?.server.port}`);
  }
  const sides = await Promise.all(started.map(async (s) => ({
    name: s.name,
    server: s.server,
    kinds: await s.server.request<ThreadKinds>({ cmd: 'probe' }),
    ...(s.redisPid ? { redisPid: s.redisPid } : {}),
    positionsPerOrderPerS: s.perOrder,
  })));
  for (const s of sides) log(`${s.name}: main thread ${s.kinds.mainTid}, ${s.kinds.v8Tids.length} threads alive at start-up counted as V8's (GC) threads`);
  return { sides, hubCommand: `${hub.script}: node ${hub.nodeArgs.join(' ')} ${path.relative(process.cwd(), hub.entry)} (ROLE=hub)` };
}

/** Each side's saturation search, one probe per side in turn, so the sides meet the same box. */
async function saturate(sides: Side[], gens: Generators, fleet: { couriers: number; watchers: number }, windows: Measured[]) {
  // The steady windows already say which rates each side kept up with: start one step above the best of them.
  const steadyRates = [...new Set(windows.map((w) => w.rate))].sort((a, b) => a - b);
  const searches = new Map(sides.map((side) => {
    const kept = steadyRates.filter((rate) => {
      const r = rateSummary(windows, side.name, rate);
      return r.validWindows > 0 && r.keptUp * 2 > r.validWindows;
    });
    const start = Math.round((kept.length ? (kept[kept.length - 1] as number) * CFG.saturation.growth : (steadyRates[0] ?? 4_000) / CFG.saturation.growth) / 50) * 50;
    return [side.name, new SaturationSearch({ start, growth: CFG.saturation.growth, precision: CFG.saturation.precision, maxProbes: CFG.saturation.maxProbes })];
  }));
  const probes = new Map<string, Measured[]>(sides.map((s) => [s.name, []]));
  for (let progress = true; progress; ) {
    progress = false;
    for (const side of sides) {
      const search = searches.get(side.name) as SaturationSearch;
      const rate = search.next();
      if (rate === null) continue;
      progress = true;
      const m = await measure(side, gens, fleet, { rate, round: -1, warmS: CFG.saturation.warmS, windowS: CFG.saturation.windowS }, CFG.drainMaxS * 1000);
      search.record(rate, m.verdict, m.ackedPerSec, { valid: m.valid });
      probes.get(side.name)?.push(m);
      log(`saturation ${side.name} ${rate}/s: ${m.verdict}${m.valid ? '' : ' (invalid)'}, acked ${m.ackedPerSec}/s, ack p99 ${m.ackRtt.p99Ms} ms${m.unackedAfterDrain ? `, ${m.unackedAfterDrain} unacked after the drain` : ''}`);
    }
  }
  return Object.fromEntries(sides.map((s) => [s.name, { ...(searches.get(s.name) as SaturationSearch).result(), steps: probes.get(s.name) as Measured[] }])) as Record<string, SearchResult & { steps: Measured[] }>;
}

async function main(): Promise<void> {
  const started = Date.now();
  const loadBefore = os.loadavg().map((x) => round(x, 2));
  log(`${QUICK ? 'quick run' : 'full run'}: ${CFG.sides.join(', ')}; ${CFG.rounds} rounds of ${CFG.rates.join(' and ')} fixes/s × ${CFG.windowS} s${CFG.sides.includes(SIDES.c) ? ` + hub at ${CFG.long.rate}/s × ${CFG.long.windowS} s` : ''}; about ${Math.round(estimateS() / 60)} min of windows after the seed`);
  const limits = nofile();
  log(`open files: soft ${limits.soft}, hard ${limits.hard}; children are raised to the hard limit (each server needs ~${2 * CFG.couriers + 100}, each generator ~${Math.ceil((2 * CFG.couriers * CFG.sides.length) / CFG.generatorProcesses) + 100})`);
  mkdirSync(path.dirname(SERVER_LOG), { recursive: true });
  if (PROF_DIR) mkdirSync(PROF_DIR, { recursive: true });
  writeFileSync(SERVER_LOG, '');
  const redisHub = await startEmbeddedRedis();
  const redisBare = await startEmbeddedRedis();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'daraa-bench-hub-'));
  let sides: Side[] = [];
  let gens: Generators | undefined;
  const windows: Measured[] = [];
  const memory: Record<string, Awaited<ReturnType<typeof connectSide>>> = {};
  let saturation: Awaited<ReturnType<typeof saturate>> = {};
  let hubCommand: string | undefined;
  try {
    const hubEnv = {
      ...env,
      NODE_ENV: 'development',
      DATA_DIR: dataDir,
      REDIS_URL: redisHub.url,
      LOG_LEVEL: env.BENCH_LOG_LEVEL ?? 'warn',
      // Saturation needs more than a phone's 5 fixes/s per socket; steady windows stay at ≤ 1/s per courier anyway.
      COURIER_FIX_RATE_PER_S: '10000',
      COURIER_FIX_BURST: '100000',
    };
    const t0 = Date.now();
    const seeded = await seed(loadConfig({ ...hubEnv, PORT: '0' }), { couriers: CFG.couriers, customers: CFG.couriers, log: (s) => log(`seed: ${s}`) });
    log(`seeded ${CFG.couriers} couriers, ${CFG.couriers} customers and deliveries in ${round((Date.now() - t0) / 1000)}s`);
    const fleet: Fleet = { couriers: seeded.couriers, watchers: seeded.watchers };
    const fleetFile = path.join(dataDir, 'fleet.json');
    writeFileSync(fleetFile, JSON.stringify(fleet));

    ({ sides, hubCommand } = await startSides(redisHub, redisBare, hubEnv));
    gens = await Generators.start(CFG.generatorProcesses, fleetFile);
    await Promise.all(sides.map(async (side) => (memory[side.name] = await connectSide(side, gens as Generators, CFG.settleS, log))));
    const fleetSize = { couriers: Math.min(...sides.map((s) => memory[s.name]?.couriers ?? 0)), watchers: Math.min(...sides.map((s) => memory[s.name]?.watchers ?? 0)) };
    if (fleetSize.couriers === 0) throw new Error('no courier connected');

    // A courier's first fix costs the hub more than the rest (its record homed, its geofences placed), once.
    for (const side of sides) {
      await gens.all({ cmd: 'rate', side: side.name, perCourierPerS: 1 / CFG.primeS });
      await sleep(CFG.primeS * 1000 + 500);
      const d = await drain(gens, CFG.drainMaxS * 1000);
      log(`${side.name}: primed with one fix per courier${d.left ? ` (${d.left} unacknowledged after ${d.ms} ms)` : ''}`);
    }

    const plan = alternatingPlan({ sides: CFG.sides, rates: CFG.rates, rounds: CFG.rounds, windowS: CFG.windowS, ...(CFG.sides.includes(SIDES.c) ? { perRound: { side: SIDES.c, ...CFG.long } } : {}) });
    for (const p of plan) {
      const side = sides.find((s) => s.name === p.side) as Side;
      const profileFile = PROF_DIR && side.name === SIDES.c ? path.join(PROF_DIR, `hub-${p.rate}-r${p.round}.cpuprofile`) : undefined;
      const m = await measure(side, gens, fleetSize, { rate: p.rate, round: p.round, warmS: CFG.warmS, windowS: p.windowS, ...(profileFile ? { profileFile } : {}) }, CFG.drainMaxS * 1000);
      if (m.cpuBreakdown) log(`hub CPU at ${p.rate}/s: ${m.cpuBreakdown.parts.slice(0, 6).map((x) => `${x.name} ${Math.round(x.share * 100)}%`).join(', ')}`);
      windows.push(m);
      log(`${windowText(m)}${m.unackedAfterDrain ? `; ${m.unackedAfterDrain} unacked after the drain` : ''}`);
    }
    saturation = await saturate(sides, gens, fleetSize, windows);
  } finally {
    await gens?.stop();
    await Promise.all(sides.map((s) => s.server.stop()));
    await redisHub.stop();
    await redisBare.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }

  const v = verdict({ windows, rates: CFG.rates, longRate: CFG.long.rate, saturation, hubMemory: { idleSocketKB: memory[SIDES.c]?.idleSocketKB ?? null, idleSocketHeapKB: memory[SIDES.c]?.idleSocketHeapKB ?? null } });
  const sideReport = (name: string) => {
    if (!CFG.sides.includes(name)) return null;
    const steady = Object.fromEntries(CFG.rates.map((rate) => [rateKey(rate), rateSummary(windows, name, rate)]));
    const { steps, ...sat } = saturation[name] ?? { steps: [] as Measured[] };
    return { maxUpdatesPerSec: Math.round((sat as Partial<SearchResult>).maxUpdatesPerSec ?? 0), ...steady, saturation: { ...sat, steps }, idleSocketKB: memory[name]?.idleSocketKB ?? null, idleSocketHeapKB: memory[name]?.idleSocketHeapKB ?? null, idle: memory[name] ?? null };
  };
  const hub = sideReport(SIDES.c);
  const out = {
    bare: sideReport(SIDES.a),
    bareSharded: sideReport(SIDES.b),
    hub: hub ? { ...hub, [rateKey(CFG.long.rate)]: rateSummary(windows, SIDES.c, CFG.long.rate), promotedKBPerFix: v.promotedKBPerFix, command: hubCommand ?? null } : null,
    idleSocketKB: memory[SIDES.c]?.idleSocketKB ?? null,
    idleSocketHeapKB: memory[SIDES.c]?.idleSocketHeapKB ?? null,
    ratios: v.ratios,
    targets: v.targets,
    loadAverage: { before: loadBefore, after: os.loadavg().map((x) => round(x, 2)) },
    windows,
    config: { ...CFG, mode: QUICK ? 'quick' : 'full', watchers: CFG.couriers, bareNodeArgs: BARE_NODE_ARGS, hubCommand, redis: 'two private redis-servers: the hub\'s, and the sharded relay\'s' },
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
    durationS: round((Date.now() - started) / 1000),
    timestamp: new Date().toISOString(),
  };
  const partial = PARTIAL_KNOBS.some((k) => env[k]);
  const file = path.join(__dirname, 'results', partial ? 'hub.partial.tmp.json' : QUICK ? 'hub-quick.json' : 'hub.json');
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  const t = Object.entries(v.targets).map(([k, x]) => `${k} ${JSON.stringify(x.value)} ${x.met === null ? 'not measured' : x.met ? 'met' : 'MISSED'}`);
  log(`saturation: ${CFG.sides.map((s) => `${s} ${saturation[s]?.maxUpdatesPerSec ?? '-'}`).join(', ')} fixes/s; ratios ${JSON.stringify(v.ratios)}`);
  log(`targets: ${t.join('; ')}`);
  log(`written to ${path.relative(process.cwd(), file)} in ${out.durationS}s; load average ${out.loadAverage.before.join(' ')} → ${out.loadAverage.after.join(' ')}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
