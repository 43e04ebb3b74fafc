/**
 * `npm run bench:hub`: the real-time hub against a bare Socket.IO relay, in one
 * run, with the load generator in separate forked processes. See
 * docs/loadtest.md for what is measured and how to read it.
 *
 *  0. a private redis-server and a temp DATA_DIR; `seed` (scripts/seed.ts)
 *     creates verified couriers, customers, a store and one assigned delivery
 *     per customer, with real sessions and tokens;
 *  1. bare: loadtest/bare-relay.ts (relay `location` to the order room, nothing else);
 *  2. hub: the app's own boot, role `hub` (loadtest/hub-process.ts), on that
 *     Redis and that PGlite, every courier authenticated, validated, indexed
 *     and broadcast through the sharded Redis adapter.
 * Both sides get the same fleet and the same generator: connect watchers and
 * couriers (RSS per idle socket, idle CPU), a ramp of offered load until the
 * server stops keeping up (saturation), then steady 5k and 10k fixes/s
 * (latency), each phase once the previous one's backlog has drained.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startEmbeddedRedis } from '../infra/embedded-redis.js';
import { openPostgres } from '../infra/db/sql/client.js';
import { loadConfig } from '../infra/config.js';
import { seed } from '../scripts/seed.js';
import { forkReady, machineCpuUs, type GcWindow, nofile, procCpuUs, procState, socketQueues, raiseNofile, sleep, vmRssKB, type Child, type Command } from './bench-procs.js';
import { breakdown, type Breakdown, type CpuProfile } from './cpu-profile.js';
import { findSaturation, judgeStep, LatencyHistogram, lateTimeline, rssPerSocketKB, shouldStopRamp, type LateTimeline, type RampStep } from './hub-stats.js';
import type { Fleet } from './hub-fleet.js';
import type { WorkerWindow } from './hub-load-worker.js';

const env = process.env;
const COURIERS = Number(env.BENCH_COURIERS ?? 5_000);
const PROCS = Number(env.BENCH_PROCS ?? 2);
const STEADY = (env.BENCH_STEADY ?? '5000,10000').split(',').map(Number);
/**
 * Offered rates of the saturation ramp: steps of ~10 % from 4k up (1k below), so the figure is
 * within ~10 % of where each side really stops keeping up (with 25 % steps, the step edge decided
 * most of the ratio). Same steps for both sides.
 */
const RAMP = (env.BENCH_RAMP ?? '1000,2000,3000,4000,4500,5000,5500,6000,6600,7300,8000,8800,9700,10700,11800,13000,14300,15700,17300,19000,21000,23000,25500,28000,31000,34000,37500,41000,45000,50000').split(',').map(Number);
const SIDES = (env.BENCH_SIDES ?? 'bare,hub,hub1').split(',');
/**
 * Hub processes of the `hub` side (BENCH_HUB_PROCS, default 1). With more, the generators spread
 * sockets over them like a load balancer and rooms span processes through the Redis adapter, as
 * ecosystem.config.js deploys it; `hub1` then adds the same hub as one process. Several processes
 * need PostgreSQL (PGlite is single-process): BENCH_DATABASE_URL, default the local server; without
 * one, `hub` is one process. On this 2-core box two hub processes did worse than one (they compete
 * with the generators and Redis, and half the positions cross processes): docs/loadtest.md.
 */
const HUB_PROCS = Number(env.BENCH_HUB_PROCS ?? 1);
const PG_URL = env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const STEADY_WARM_MS = Number(env.BENCH_STEADY_WARM_MS ?? 3_000);
/** Set, any of these makes the run partial (hub.partial.tmp.json, not hub.json). */
const PARTIAL_KNOBS = [
  'BENCH_SIDES',
  'BENCH_COURIERS',
  'BENCH_PROCS',
  'BENCH_RAMP',
  'BENCH_STEADY',
  'BENCH_STEADY_MS',
  'BENCH_STEADY_WARM_MS',
  'BENCH_STEP_MS',
  'BENCH_DRAIN_MS',
  'BENCH_HUB_NODE_ARGS',
  'BENCH_BARE_NODE_ARGS',
  'BENCH_HUB_CPU_PROF',
];
const STEADY_MS = Number(env.BENCH_STEADY_MS ?? 15_000);
const STEP_WARM_MS = 2_000;
/** Before the ramp, each courier sends one fix over this many seconds (its one-off first-fix cost). */
const PRIME_S = 5;
const STEP_MS = Number(env.BENCH_STEP_MS ?? 5_000);
/** The hub coalesces positions to 2 per second per order (server/position-fanout.ts). */
const HUB_POSITIONS_PER_ORDER_PER_S = 2;
/**
 * Node flags of the hub: the ones every production entry point uses (ecosystem.config.js, kept equal to
 * npm start, start:prod and the Dockerfile by a unit test), so the hub is measured as it is deployed.
 * The bare relay runs on Node's defaults, as a plain Socket.IO server is run. BENCH_HUB_NODE_ARGS and
 * BENCH_BARE_NODE_ARGS add flags to one side (to try runtime settings).
 */
const flagsFrom = (v: string | undefined) => (v ?? '').split(' ').filter(Boolean);
const NODE_ARGS = {
  bare: flagsFrom(env.BENCH_BARE_NODE_ARGS),
  hub: [...flagsFrom((require('../ecosystem.config.js') as { NODE_ARGS: string }).NODE_ARGS), ...flagsFrom(env.BENCH_HUB_NODE_ARGS)],
};
/** The servers' own output (warnings while overloaded, stack traces): kept out of the report, gitignored. */
const SERVER_LOG = path.join(__dirname, 'results', 'bench-hub-servers.tmp.log');
/** What BENCH_PROF_KIND writes (serveProfiler in bench-procs.ts). */
const PROFILE_EXTENSION = ({ alloc: 'heapprofile', survivors: 'heapprofile', snapshot: 'heapsnapshot' } as Record<string, string>)[env.BENCH_PROF_KIND ?? ''] ?? 'cpuprofile';
/** BENCH_HUB_CPU_PROF=1: one CPU profile of the hub per measured window (gitignored). */
const PROF_DIR = path.join(__dirname, 'results', 'prof');
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const log = (s: string) => console.log(`[bench:hub ${new Date().toISOString().slice(11, 19)}] ${s}`);

interface Side {
  kind: 'bare' | 'hub';
  /** Key in the results and in the log: bare, hub (HUB_PROCS processes), hub1 (one process). */
  name: string;
  /** The server processes under test (the hub may run several, like ecosystem.config.js). */
  servers: Child[];
  redisPid?: number;
}

const cpuOf = (servers: Child[]) => servers.reduce((a, s) => a + procCpuUs(s.pid), 0);
const rssOf = (servers: Child[]) => servers.reduce((a, s) => a + vmRssKB(s.pid), 0);

class Generators {
  private constructor(readonly workers: Child[]) {}

  static async start(n: number, fleetFile: string, urls: string[]): Promise<Generators> {
    const workers = await Promise.all(Array.from({ length: n }, (_, index) =>
      forkReady(path.join(__dirname, 'hub-load-worker.ts'), { args: [JSON.stringify({ fleetFile, index, of: n, urls })], stopMessage: { cmd: 'close' } })));
    for (const w of workers) raiseNofile(w.pid);
    return new Generators(workers);
  }

  all<T>(msg: Command): Promise<T[]> {
    return Promise.all(this.workers.map((w) => w.request<T>(msg)));
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
  }
}

interface Measured extends RampStep {
  offeredPerSec: number;
  sentPerSec: number;
  ackedPerSec: number;
  acceptedPerSec: number;
  deliveredPerSec: number;
  expectedDeliveredPerSec: number;
  latency: ReturnType<LatencyHistogram['summary']>;
  ackRtt: ReturnType<LatencyHistogram['summary']>;
  dropped: number;
  ignored: number;
  rejected: number;
  ackErrors: Record<string, number>;
  shortfall: number;
  disconnects: number;
  /** With BENCH_HUB_CPU_PROF=1: where the hub's CPU went in this window (loadtest/cpu-profile.ts). */
  cpuBreakdown?: Breakdown;
  /** The server's garbage collections in the window (one entry per process with several). */
  serverGc: GcWindow | GcWindow[];
  /** Late positions (over 50 ms) per second of send time, next to the server's mark-compacts. */
  late: LateTimeline;
  /**
   * Event-loop delay (ms) of the server and, worst of them, of the generator processes: a stalled
   * generator would add latency the server did not cause.
   */
  loopDelay: { server: { p50Ms: number; p99Ms: number; maxMs: number }; generatorsP99Ms: number; generatorsMaxMs: number };
  /** Server CPU per acknowledged fix (µs): what one fix costs the process under test. */
  serverCpuUsPerFix: number | null;
  /**
   * CPU cores used during the window by the server, its Redis and the
   * generator processes, and by everything else on this shared machine
   * (`others`: busy cores of the whole machine minus ours).
   */
  cores: { server: number; redis: number | null; generators: number; others: number };
}

/** One window at a fixed offered rate: warm up, measure, merge the generators' counts. */
async function measure(side: Side, gens: Generators, couriers: number, watchers: number, offeredPerSec: number, warmMs: number, windowMs: number): Promise<Measured> {
  await gens.all({ cmd: 'rate', perCourierPerS: offeredPerSec / couriers });
  await sleep(warmMs);
  // With several hub processes, the first one is profiled.
  const profile = env.BENCH_HUB_CPU_PROF ? path.join(PROF_DIR, `${side.name}-${offeredPerSec}-per-s.${PROFILE_EXTENSION}`) : null;
  const first = side.servers[0] as Child;
  if (profile) await first.request({ cmd: 'profile' });
  await Promise.all(side.servers.map((s) => s.request({ cmd: 'loop' }))); // resets the servers' event-loop delay histograms
  await gens.all({ cmd: 'window' });
  const windowStartMs = Date.now();
  const cpu0 = { server: cpuOf(side.servers), redis: side.redisPid ? procCpuUs(side.redisPid) : 0, machine: machineCpuUs().busy };
  const t0 = performance.now();
  await sleep(windowMs);
  const parts = await gens.all<WorkerWindow>({ cmd: 'collect' });
  const us = (performance.now() - t0) * 1000;
  const loops = await Promise.all(side.servers.map((s) => s.request<{ p50Ms: number; p99Ms: number; maxMs: number; gc: GcWindow }>({ cmd: 'loop' })));
  // The worst server's figures (one process falling behind delays its sockets).
  const serverLoop = { p50Ms: Math.max(...loops.map((l) => l.p50Ms)), p99Ms: Math.max(...loops.map((l) => l.p99Ms)), maxMs: Math.max(...loops.map((l) => l.maxMs)) };
  const cpu1 = { server: cpuOf(side.servers), redis: side.redisPid ? procCpuUs(side.redisPid) : 0, machine: machineCpuUs().busy };
  let cpuBreakdown: Breakdown | undefined;
  if (profile) {
    await first.request({ cmd: 'profile', file: profile });
    if (PROFILE_EXTENSION === 'cpuprofile') cpuBreakdown = breakdown(JSON.parse(readFileSync(profile, 'utf8')) as CpuProfile);
  }
  const s = us / 1e6;
  const sum = (k: 'sent' | 'acked' | 'accepted' | 'delivered' | 'dropped' | 'ignored' | 'rejected' | 'shortfall' | 'disconnects' | 'cpuUs') => parts.reduce((a, p) => a + p[k], 0);
  const latency = new LatencyHistogram();
  const ackRtt = new LatencyHistogram();
  const ackErrors: Record<string, number> = {};
  for (const p of parts) {
    latency.add(p.latency);
    ackRtt.add(p.ackRtt);
    for (const [k, v] of Object.entries(p.ackErrors)) ackErrors[k] = (ackErrors[k] ?? 0) + v;
  }
  // The hub acks a fix it applied as `accepted`; the bare relay acks every fix that way.
  const ackedPerSec = sum('accepted') / s;
  const cores = {
    server: (cpu1.server - cpu0.server) / us,
    redis: (cpu1.redis - cpu0.redis) / us,
    generators: sum('cpuUs') / us,
    machine: (cpu1.machine - cpu0.machine) / us,
  };
  const cap = side.kind === 'hub' ? watchers * HUB_POSITIONS_PER_ORDER_PER_S : Number.POSITIVE_INFINITY;
  return {
    offeredPerSec,
    sentPerSec: round(sum('sent') / s),
    ackedPerSec: round(ackedPerSec),
    acceptedPerSec: round(sum('accepted') / s),
    deliveredPerSec: round(sum('delivered') / s),
    expectedDeliveredPerSec: round(Math.min(ackedPerSec * (watchers / couriers), cap)),
    latency: latency.summary(),
    ackRtt: ackRtt.summary(),
    ackP99Ms: ackRtt.percentile(99),
    dropped: sum('dropped'),
    ignored: sum('ignored'),
    rejected: sum('rejected'),
    ackErrors,
    shortfall: sum('shortfall'),
    disconnects: sum('disconnects'),
    ...(cpuBreakdown ? { cpuBreakdown } : {}),
    serverGc: loops.length === 1 ? (loops[0] as { gc: GcWindow }).gc : loops.map((l) => l.gc),
    late: lateTimeline(
      parts.map((p) => p.bySecond),
      windowStartMs,
      loops.flatMap((l) => l.gc.majorAt).sort((a, b) => a - b),
      { thresholdMs: parts[0]?.lateMs ?? 50 },
    ),
    loopDelay: { server: { p50Ms: serverLoop.p50Ms, p99Ms: serverLoop.p99Ms, maxMs: serverLoop.maxMs }, generatorsP99Ms: Math.max(...parts.map((p) => p.loopDelayP99Ms)), generatorsMaxMs: Math.max(...parts.map((p) => p.loopDelayMaxMs)) },
    serverCpuUsPerFix: ackedPerSec > 0 ? round((cores.server * 1e6) / ackedPerSec) : null,
    cores: {
      server: round(cores.server, 2),
      redis: side.redisPid ? round(cores.redis, 2) : null,
      generators: round(cores.generators, 2),
      others: round(Math.max(0, cores.machine - cores.server - cores.redis - cores.generators), 2),
    },
  };
}

/** The late positions of a window by second, and how many of them the mark-compacts explain. */
function lateText(t: LateTimeline): string {
  const inWindow = t.seconds.filter((x) => x.s >= 0);
  const near = t.lateNearMarkCompact === null ? '' : `, ${Math.round(t.lateNearMarkCompact * 100)} % of them sent within 1 s of a mark-compact`;
  const at = t.markCompactsAtS.length ? `; mark-compacts at ${t.markCompactsAtS.map((x) => `+${x} s`).join(', ')}` : '';
  return `late (> ${t.thresholdMs} ms) by second sent: ${inWindow.map((x) => x.late).join(' ')}${at}${near}`;
}

/** The server's collections in a window, for the log: the major ones are what a latency tail usually lines up with. */
function gcText(gc: GcWindow | GcWindow[]): string {
  const all = Array.isArray(gc) ? gc : [gc];
  const sum = (k: 'major' | 'majorMs' | 'minor' | 'minorMs') => round(all.reduce((n, g) => n + g[k], 0));
  return `server GC ${sum('major')} mark-compact (${sum('majorMs')} ms), ${sum('minor')} scavenges (${sum('minorMs')} ms), longest pause ${Math.max(...all.map((g) => g.maxPauseMs))} ms`;
}

/**
 * Stop sending and wait until the server has acknowledged every fix, so an
 * overloaded phase's backlog never leaks into the next one. Bounded: a server
 * that is far behind is reported and the run goes on.
 */
async function drain(side: Side, gens: Generators, maxMs = Number(env.BENCH_DRAIN_MS ?? 30_000)): Promise<{ ms: number; left: number; engineWriteBuffer: number; wsBufferedBytes: number; stuck?: Awaited<ReturnType<typeof diagnose>> }> {
  await gens.all({ cmd: 'rate', perCourierPerS: 0 });
  const t0 = Date.now();
  let left: number;
  let where: { engineWriteBuffer: number; wsBufferedBytes: number };
  for (;;) {
    const parts = await gens.all<{ n: number; engineWriteBuffer: number; wsBufferedBytes: number }>({ cmd: 'outstanding' });
    left = parts.reduce((a, x) => a + x.n, 0);
    where = { engineWriteBuffer: parts.reduce((a, x) => a + x.engineWriteBuffer, 0), wsBufferedBytes: parts.reduce((a, x) => a + x.wsBufferedBytes, 0) };
    if (env.BENCH_TRACE_DRAIN) log(`${side.name}: drain ${Date.now() - t0} ms: ${left} unacked, generator-side ${JSON.stringify(where)}, servers ${side.servers.map((x) => procState(x.pid)).join(',')}`);
    if (left === 0 || Date.now() - t0 > maxMs) break;
    await sleep(env.BENCH_TRACE_DRAIN ? 2_000 : 250);
  }
  const ms = Date.now() - t0;
  const stuck = left > 0 ? await diagnose(side) : undefined;
  if (stuck) log(`${side.name}: server while fixes are unacknowledged: ${JSON.stringify(stuck)}`);
  if (left > 0) log(`${side.name}: ${left} fixes still unacknowledged after ${ms} ms (generator-side buffers: ${where.engineWriteBuffer} packets, ${where.wsBufferedBytes} bytes); going on`);
  else if (ms > 1_000) log(`${side.name}: drained the backlog in ${ms} ms`);
  await sleep(500);
  return { ms, left, ...where, ...(stuck ? { stuck } : {}) };
}

/**
 * What a server is doing while fixes stay unacknowledged: scheduler state, CPU over 3 s, the kernel
 * queues of its connections (unread bytes: it is not reading them) and, for the hub, whether its own
 * fix counters still move (/metrics).
 */
async function diagnose(side: Side) {
  return Promise.all(side.servers.map((server) => diagnoseOne(side.kind, server)));
}

async function diagnoseOne(kind: Side['kind'], server: Child) {
  const fixes = async () => {
    try {
      const text = await (await fetch(`http://127.0.0.1:${server.port}/metrics`, { signal: AbortSignal.timeout(2_000) })).text();
      return Object.fromEntries([...text.matchAll(/^(hub_fixes_total\{outcome="(\w+)"\}|hub_ingest_seconds_count) (\d+)/gm)].map((m) => [m[2] ?? 'ingested', Number(m[3])]));
    } catch {
      return null;
    }
  };
  const before = { cpu: procCpuUs(server.pid), metrics: kind === 'hub' ? await fixes() : null };
  await sleep(3_000);
  return {
    state: procState(server.pid),
    cores: round((procCpuUs(server.pid) - before.cpu) / 3e6, 3),
    queues: socketQueues(server.port),
    metricsBefore: before.metrics,
    metricsAfter3s: kind === 'hub' ? await fixes() : null,
  };
}

async function rssAfterGc(servers: Child[]): Promise<number> {
  await Promise.all(servers.map((s) => s.request({ cmd: 'gc' })));
  await sleep(1_000);
  return rssOf(servers);
}

async function runSide(side: Side, fleetFile: string) {
  for (const s of side.servers) raiseNofile(s.pid);
  const gens = await Generators.start(PROCS, fleetFile, side.servers.map((s) => `http://127.0.0.1:${s.port}`));
  // Once a second: the server's scheduler state, CPU and memory, to see stalls and growth under overload.
  const timeline: { t: number; state: string; cores: number; rssMB: number }[] = [];
  const t0 = Date.now();
  let lastCpu = cpuOf(side.servers);
  const sampler = setInterval(() => {
    const state = side.servers.map((s) => procState(s.pid)).join(',');
    if (state.includes('gone')) return;
    const cpu = cpuOf(side.servers);
    timeline.push({ t: Math.round((Date.now() - t0) / 1000), state, cores: round((cpu - lastCpu) / 1e6, 2), rssMB: round(rssOf(side.servers) / 1024, 0) });
    lastCpu = cpu;
  }, 1_000);
  try {
    const rssBeforeKB = await rssAfterGc(side.servers);
    const sumOf = (xs: { connected: number; failed: number; ms: number; errors: Record<string, number> }[]) => ({
      connected: xs.reduce((a, x) => a + x.connected, 0),
      failed: xs.reduce((a, x) => a + x.failed, 0),
      seconds: round(Math.max(...xs.map((x) => x.ms)) / 1000),
      errors: Object.assign({}, ...xs.map((x) => x.errors)) as Record<string, number>,
    });
    const w = sumOf(await gens.all({ cmd: 'connect', kind: 'watchers' }));
    log(`${side.name}: ${w.connected} watchers connected and watching in ${w.seconds}s${w.failed ? `, ${w.failed} failed ${JSON.stringify(w.errors)}` : ''}`);
    const c = sumOf(await gens.all({ cmd: 'connect', kind: 'couriers' }));
    log(`${side.name}: ${c.connected} couriers connected and online in ${c.seconds}s${c.failed ? `, ${c.failed} failed ${JSON.stringify(c.errors)}` : ''}`);
    await sleep(3_000);
    const rssAfterKB = await rssAfterGc(side.servers);
    const sockets = w.connected + c.connected;
    const idleSocketKB = sockets ? round(rssPerSocketKB(rssBeforeKB, rssAfterKB, sockets), 2) : null;
    log(`${side.name}: RSS ${round(rssBeforeKB / 1024)} MB → ${round(rssAfterKB / 1024)} MB with ${sockets} idle sockets: ${idleSocketKB} KB per socket`);

    // What the server burns with every socket connected and no fix at all (heartbeats, timers, pings).
    const idleCpu0 = cpuOf(side.servers);
    const idleRedis0 = side.redisPid ? procCpuUs(side.redisPid) : 0;
    await sleep(5_000);
    const idleCores = { server: round((cpuOf(side.servers) - idleCpu0) / 5e6, 3), redis: side.redisPid ? round((procCpuUs(side.redisPid) - idleRedis0) / 5e6, 3) : null };
    log(`${side.name}: idle, ${sockets} sockets: cores server ${idleCores.server} redis ${idleCores.redis}`);

    // Every courier's first fix costs the hub more than the rest (its record is homed in a region
    // and its geofences placed), once. Send each courier one fix before anything is measured, so
    // the first ramp step measures streaming, not start-up. Same for both sides.
    const primeT0 = Date.now();
    await gens.all({ cmd: 'rate', perCourierPerS: 1 / PRIME_S });
    await sleep(PRIME_S * 1000 + 500);
    const prime = { seconds: round((Date.now() - primeT0) / 1000), ...(await drain(side, gens)) };
    log(`${side.name}: primed with one fix per courier over ${PRIME_S}s (${prime.left} left unacknowledged after the drain)`);

    // Ramp first: it stops at the first overloaded step, so its backlog is small. Then the steady
    // rates, lowest first, each after the previous backlog drained.
    const ramp: Measured[] = [];
    for (const rate of RAMP) {
      const m = await measure(side, gens, c.connected, w.connected, rate, STEP_WARM_MS, STEP_MS);
      ramp.push(m);
      log(`${side.name}: ramp ${rate}/s: sent ${m.sentPerSec}/s, acked ${m.ackedPerSec}/s, delivered ${m.deliveredPerSec}/s (expected ${m.expectedDeliveredPerSec}), ack p99 ${m.ackRtt.p99Ms} ms, server ${m.serverCpuUsPerFix} µs/fix, cores server ${m.cores.server} redis ${m.cores.redis} generators ${m.cores.generators} others ${m.cores.others}`);
      if (shouldStopRamp(ramp)) break;
    }
    const drains = [await drain(side, gens)];

    const steady: Record<string, Measured & { p50Ms: number | null; p99Ms: number | null; sustained: boolean }> = {};
    for (const rate of STEADY) {
      const m = await measure(side, gens, c.connected, w.connected, rate, STEADY_WARM_MS, STEADY_MS);
      // Latency means something only where the server keeps up; past that it grows with the window.
      steady[`at${rate / 1000}k`] = { p50Ms: m.latency.p50Ms, p99Ms: m.latency.p99Ms, sustained: judgeStep(m) === 'keeps_up', ...m };
      log(`${side.name}: steady ${rate}/s: acked ${m.ackedPerSec}/s, delivered ${m.deliveredPerSec}/s, courier→watcher p50 ${m.latency.p50Ms} ms p99 ${m.latency.p99Ms} ms${judgeStep(m) === 'keeps_up' ? '' : ' (NOT sustained: the server fell behind)'}, loop delay p99 server ${m.loopDelay.server.p99Ms} ms generators ${m.loopDelay.generatorsP99Ms} ms, ${gcText(m.serverGc)}, server ${m.serverCpuUsPerFix} µs/fix, cores server ${m.cores.server} redis ${m.cores.redis} generators ${m.cores.generators} others ${m.cores.others}; ${lateText(m.late)}`);
      if (m.cpuBreakdown) log(`${side.name}: CPU at ${rate}/s: ${m.cpuBreakdown.parts.slice(0, 6).map((p) => `${p.name} ${Math.round(p.share * 100)}%`).join(', ')}`);
      if (rate !== STEADY[STEADY.length - 1]) drains.push(await drain(side, gens));
    }
    const sat = findSaturation(ramp);
    return {
      maxUpdatesPerSec: Math.round(sat.maxUpdatesPerSec),
      deliveredPerSecAtMax: Math.round(sat.deliveredPerSec),
      saturated: sat.saturated,
      peakAckedPerSec: Math.round(sat.peakAckedPerSec),
      steady,
      idleSocketKB,
      idle: { sockets, watchers: w, couriers: c, rssBeforeKB, rssAfterKB, cores: idleCores },
      prime,
      drains,
      timeline,
      ramp: ramp.map((m, i) => ({ verdict: sat.verdicts[i], ...m })),
    };
  } finally {
    clearInterval(sampler);
    await gens.stop();
  }
}

type SideResult = Awaited<ReturnType<typeof runSide>>;

async function main(): Promise<void> {
  const started = Date.now();
  const loadBefore = os.loadavg().map((x) => round(x, 2));
  const limits = nofile();
  log(`open files: soft ${limits.soft}, hard ${limits.hard}; children are raised to the hard limit with prlimit (need ~${2 * COURIERS + 100} per server process)`);
  mkdirSync(path.dirname(SERVER_LOG), { recursive: true });
  writeFileSync(SERVER_LOG, '');
  const redis = await startEmbeddedRedis();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'daraa-bench-hub-'));
  const results: Record<string, unknown> = {};
  const schema = `bench_hub_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  let hubProcs = HUB_PROCS;
  let store = 'PGlite (temp dir)';
  let database: Record<string, string> = {};
  if (hubProcs > 1) {
    try {
      await (await openPostgres({ url: PG_URL, schema, max: 1 })).close();
      database = { DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema };
      store = `PostgreSQL (${PG_URL.replace(/\/\/[^@]*@/, '//')}, schema ${schema}, dropped after the run)`;
    } catch (err) {
      log(`${hubProcs} hub processes need PostgreSQL at ${PG_URL} (${(err as Error).message}): running the hub as one process on PGlite`);
      hubProcs = 1;
    }
  }
  try {
    const hubEnv = {
      ...env,
      ...database,
      NODE_ENV: 'development',
      DATA_DIR: dataDir,
      REDIS_URL: redis.url,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: env.BENCH_LOG_LEVEL ?? 'warn',
      // Saturation needs more than a phone's 5 fixes/s per socket; steady phases stay at ≤ 2/s per courier anyway.
      COURIER_FIX_RATE_PER_S: '10000',
      COURIER_FIX_BURST: '100000',
    };
    const t0 = Date.now();
    const seeded = await seed(loadConfig(hubEnv), { couriers: COURIERS, customers: COURIERS, log: (s) => log(`seed: ${s}`) });
    log(`seeded ${COURIERS} couriers, ${COURIERS} customers and deliveries in ${round((Date.now() - t0) / 1000)}s`);
    const fleet: Fleet = { couriers: seeded.couriers, watchers: seeded.watchers };
    const fleetFile = path.join(dataDir, 'fleet.json');
    writeFileSync(fleetFile, JSON.stringify(fleet));

    if (env.BENCH_HUB_CPU_PROF) mkdirSync(PROF_DIR, { recursive: true });
    if (SIDES.includes('bare')) {
      const server = await forkReady(path.join(__dirname, 'bare-relay.ts'), { execArgv: ['--expose-gc', ...NODE_ARGS.bare], logFile: SERVER_LOG });
      try {
        results.bare = await runSide({ kind: 'bare', name: 'bare', servers: [server] }, fleetFile);
      } finally {
        await server.stop();
      }
    }
    const hubSides = [
      ...(SIDES.includes('hub') ? [{ name: 'hub', procs: hubProcs }] : []),
      ...(SIDES.includes('hub1') && hubProcs > 1 ? [{ name: 'hub1', procs: 1 }] : []),
    ];
    for (const { name, procs } of hubSides) {
      const servers = await Promise.all(
        Array.from({ length: procs }, () =>
          forkReady(path.join(__dirname, 'hub-process.ts'), { env: hubEnv, execArgv: ['--expose-gc', ...NODE_ARGS.hub], logFile: SERVER_LOG }),
        ),
      );
      log(`${name}: ${procs} hub process${procs > 1 ? 'es' : ''} on ports ${servers.map((x) => x.port).join(', ')}`);
      try {
        results[name] = { processes: procs, ...(await runSide({ kind: 'hub', name, servers, redisPid: redis.pid }, fleetFile)) };
      } finally {
        await Promise.all(servers.map((x) => x.stop()));
      }
    }
  } finally {
    await redis.stop();
    rmSync(dataDir, { recursive: true, force: true });
    if (database.DATABASE_URL) {
      const pg = await openPostgres({ url: PG_URL, max: 1 }).catch(() => null);
      await pg?.query(`drop schema if exists ${schema} cascade`);
      await pg?.close();
    }
  }

  const bare = results.bare as SideResult | undefined;
  const hub = results.hub as (SideResult & { processes: number }) | undefined;
  const hub1 = results.hub1 as (SideResult & { processes: number }) | undefined;
  const latencyAt = (r: SideResult | undefined, k: string) => {
    const m = r?.steady[k];
    return m ? { p50Ms: m.p50Ms, p99Ms: m.p99Ms } : null;
  };
  const { maxUpdatesPerSec: _b, ...bareRest } = bare ?? { maxUpdatesPerSec: 0 };
  const { maxUpdatesPerSec: _h, ...hubRest } = hub ?? { maxUpdatesPerSec: 0 };
  const hubP99At5k = latencyAt(hub, 'at5k')?.p99Ms ?? null;
  const out = {
    bare: bare ? { maxUpdatesPerSec: bare.maxUpdatesPerSec, ...bareRest } : null,
    hub: hub ? { maxUpdatesPerSec: hub.maxUpdatesPerSec, at5k: latencyAt(hub, 'at5k'), at10k: latencyAt(hub, 'at10k'), ...hubRest } : null,
    hubSingleProcess: hub1 ? { at5k: latencyAt(hub1, 'at5k'), at10k: latencyAt(hub1, 'at10k'), ...hub1 } : null,
    idleSocketKB: hub?.idleSocketKB ?? null,
    targets: {
      hubVsBare: bare && hub ? round(hub.maxUpdatesPerSec / bare.maxUpdatesPerSec, 2) : null,
      hubSingleProcessVsBare: bare && hub1 ? round(hub1.maxUpdatesPerSec / bare.maxUpdatesPerSec, 2) : null,
      hubAtLeast60PctOfBare: bare && hub ? hub.maxUpdatesPerSec >= 0.6 * bare.maxUpdatesPerSec : null,
      p99At5kUnder50Ms: hubP99At5k === null ? null : hubP99At5k <= 50,
      idleSocketUnder30KB: hub?.idleSocketKB == null ? null : hub.idleSocketKB <= 30,
    },
    config: { couriers: COURIERS, watchers: COURIERS, generatorProcesses: PROCS, steady: STEADY, steadyMs: STEADY_MS, ramp: RAMP, stepMs: STEP_MS, hubFixLimit: '10000/s per socket, burst 100000', hubRole: 'hub', hubProcesses: hubProcs, store, redis: 'private redis-server', nodeArgs: NODE_ARGS },
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadAvgBefore: loadBefore, loadAvgAfter: os.loadavg().map((x) => round(x, 2)) },
    durationS: round((Date.now() - started) / 1000),
    timestamp: new Date().toISOString(),
  };
  // Any knob that changes what is measured (fleet, phases, runtime flags, a profiler) makes the run partial.
  const partial = PARTIAL_KNOBS.some((k) => env[k]);
  mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  const file = path.join(__dirname, 'results', partial ? 'hub.partial.tmp.json' : 'hub.json');
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  log(`servers' own output: ${path.relative(process.cwd(), SERVER_LOG)}`);
  log(`bare ${bare?.maxUpdatesPerSec ?? '-'} fixes/s, hub ${hub?.maxUpdatesPerSec ?? '-'} fixes/s (${hub?.processes ?? '-'} processes; one process: ${hub1?.maxUpdatesPerSec ?? '-'}); hub p99 at 5k ${hubP99At5k ?? '-'} ms, at 10k ${latencyAt(hub, 'at10k')?.p99Ms ?? '-'} ms; idle ${out.idleSocketKB ?? '-'} KB/socket; written to ${path.relative(process.cwd(), file)} in ${out.durationS}s`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
