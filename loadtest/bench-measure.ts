/**
 * One measured window of `npm run bench:hub`, and the plumbing around it: the generator processes,
 * the memory of idle sockets, and the drain between windows. Every figure of a window comes from
 * outside the server (its /proc entries, its Redis's /proc entry, the generators' counts) or from the
 * probe preloaded into it (GC profile, event-loop delay): the hub is driven as a black box.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { forkReady, machineCpuUs, procCpuUs, raiseNofile, sleep, threadTimes, vmRssKB, type Child, type Command } from './bench-procs.js';
import { windowValidity } from './bench-windows.js';
import { breakdown, type Breakdown, type CpuProfile } from './cpu-profile.js';
import type { ReportWindow } from './bench-report.js';
import { judgeStep, LatencyHistogram } from './hub-stats.js';
import type { WorkerAcks, WorkerWindow } from './hub-load-worker.js';
import { cpuDelta, type GcSummary, type ThreadKinds } from './server-readings.js';

export interface Side {
  /** Key in the report: bare, bareSharded, hub. */
  name: string;
  server: Child;
  kinds: ThreadKinds;
  /** The Redis this side's server uses, if any (its CPU counts per fix). */
  redisPid?: number;
  /** Positions a watcher can get per second (the hub coalesces to 2 per order); Infinity for a relay. */
  positionsPerOrderPerS: number;
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const perFix = (us: number, fixes: number) => (fixes > 0 ? round(us / fixes) : null);

export class Generators {
  private constructor(readonly workers: Child[]) {}

  static async start(n: number, fleetFile: string): Promise<Generators> {
    const workers = await Promise.all(Array.from({ length: n }, (_, index) =>
      forkReady(path.join(__dirname, 'hub-load-worker.ts'), { args: [JSON.stringify({ fleetFile, index, of: n })], stopMessage: { cmd: 'close' } })));
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

/** RSS (from /proc) and JS heap (from the probe) after two forced full collections. */
export async function memoryAfterGc(server: Child): Promise<{ rssKB: number; heapKB: number }> {
  const { heapUsedBytes } = await server.request<{ heapUsedBytes: number }>({ cmd: 'gc' });
  await sleep(500);
  return { rssKB: vmRssKB(server.pid), heapKB: round(heapUsedBytes / 1024, 0) };
}

/** Connects the whole fleet to a side (watchers first, then couriers, who go online) and measures each idle socket. */
export async function connectSide(side: Side, gens: Generators, settleS: number, log: (s: string) => void) {
  raiseNofile(side.server.pid);
  const before = await memoryAfterGc(side.server);
  const url = `http://127.0.0.1:${side.server.port}`;
  const sum = (xs: { connected: number; failed: number; retried: number; ms: number; errors: Record<string, number> }[]) => {
    const errors: Record<string, number> = {};
    for (const x of xs) for (const [k, v] of Object.entries(x.errors)) errors[k] = (errors[k] ?? 0) + v;
    return {
      connected: xs.reduce((a, x) => a + x.connected, 0),
      failed: xs.reduce((a, x) => a + x.failed, 0),
      retried: xs.reduce((a, x) => a + x.retried, 0),
      seconds: round(Math.max(...xs.map((x) => x.ms)) / 1000),
      errors,
    };
  };
  // Sides connect at the same time (each server's memory counts only its own sockets): the reply is matched by id.
  const connect = (kind: string) => gens.all<Parameters<typeof sum>[0][number]>({ cmd: 'connect', id: `connect:${side.name}:${kind}`, side: side.name, url, kind });
  const watchers = sum(await connect('watchers'));
  const couriers = sum(await connect('couriers'));
  for (const [kind, c] of [['watchers', watchers], ['couriers', couriers]] as const) {
    log(`${side.name}: ${c.connected} ${kind} connected in ${c.seconds}s${c.retried ? ` (${c.retried} attempts refused and tried again)` : ''}${c.failed ? `, ${c.failed} failed ${JSON.stringify(c.errors)}` : ''}`);
  }
  await sleep(settleS * 1000);
  const after = await memoryAfterGc(side.server);
  const sockets = watchers.connected + couriers.connected;
  const idleSocketKB = sockets ? round((after.rssKB - before.rssKB) / sockets, 2) : null;
  const idleSocketHeapKB = sockets ? round((after.heapKB - before.heapKB) / sockets, 2) : null;
  log(`${side.name}: ${sockets} idle sockets: RSS ${round(before.rssKB / 1024)} → ${round(after.rssKB / 1024)} MB (${idleSocketKB} KB each), heap ${round(before.heapKB / 1024)} → ${round(after.heapKB / 1024)} MB (${idleSocketHeapKB} KB each)`);
  return { sockets, couriers: couriers.connected, watchers: watchers.connected, retried: watchers.retried + couriers.retried, failed: watchers.failed + couriers.failed, connectErrors: { watchers: watchers.errors, couriers: couriers.errors }, before, after, idleSocketKB, idleSocketHeapKB };
}

export interface Measured extends ReportWindow {
  windowS: number;
  startedAt: string;
  invalidReasons: string[];
  offeredPerSec: number;
  sentPerSec: number;
  acceptedPerSec: number;
  deliveredPerSec: number;
  expectedDeliveredPerSec: number;
  ackP99Ms: number | null;
  latency: ReturnType<LatencyHistogram['summary']>;
  ackRtt: ReturnType<LatencyHistogram['summary']>;
  gc: ReportWindow['gc'] & Omit<GcSummary, 'promotedBytes'> & { promotedKB: number };
  serverLoop: { p50Ms: number; p99Ms: number; maxMs: number };
  generators: { loopDelayP99Ms: number[]; loopDelayMaxMs: number[]; shortfall: number };
  cores: { server: number; redis: number | null; generators: number; others: number };
  dropped: number;
  ignored: number;
  rejected: number;
  ackErrors: Record<string, number>;
  disconnects: number;
  /** Fixes of the window still unacknowledged when the drain gave up. */
  unackedAfterDrain: number;
  /** With a profile asked for: where the server's CPU went in this window (loadtest/cpu-profile.ts). */
  cpuBreakdown?: Breakdown;
}

/** One window at a fixed offered rate on one side: warm up, measure, drain, merge the generators' counts. */
export async function measure(side: Side, gens: Generators, fleet: { couriers: number; watchers: number }, at: { rate: number; round: number; warmS: number; windowS: number; profileFile?: string }, drainMaxMs = 15_000): Promise<Measured> {
  await gens.all({ cmd: 'rate', side: side.name, perCourierPerS: at.rate / fleet.couriers });
  await sleep(at.warmS * 1000);
  if (at.profileFile) await side.server.request({ cmd: 'profile' });
  await side.server.request({ cmd: 'window' });
  await gens.all({ cmd: 'window' });
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const threads0 = threadTimes(side.server.pid);
  const cpu0 = { server: procCpuUs(side.server.pid), redis: side.redisPid ? procCpuUs(side.redisPid) : 0, machine: machineCpuUs().busy };
  await sleep(at.windowS * 1000);
  const threads1 = threadTimes(side.server.pid);
  const cpu1 = { server: procCpuUs(side.server.pid), redis: side.redisPid ? procCpuUs(side.redisPid) : 0, machine: machineCpuUs().busy };
  const us = (performance.now() - t0) * 1000;
  const [parts, probe] = await Promise.all([gens.all<WorkerWindow>({ cmd: 'collect' }), side.server.request<{ loop: Measured['serverLoop']; gc: GcSummary }>({ cmd: 'collect' })]);
  let cpuBreakdown: Breakdown | undefined;
  if (at.profileFile) {
    await side.server.request({ cmd: 'profile', file: at.profileFile });
    cpuBreakdown = breakdown(JSON.parse(readFileSync(at.profileFile, 'utf8')) as CpuProfile);
  }

  // Stop sending and wait for the window's last acks, which count with it (and so does their round trip).
  const drained = await drain(gens, drainMaxMs);
  const ackParts = await gens.all<WorkerAcks>({ cmd: 'acks' });

  const s = us / 1e6;
  const sum = (k: 'sent' | 'delivered' | 'shortfall' | 'disconnects' | 'cpuUs') => parts.reduce((a, p) => a + p[k], 0);
  const sumAcks = (k: 'acked' | 'accepted' | 'dropped' | 'ignored' | 'rejected') => ackParts.reduce((a, p) => a + p[k], 0);
  const latency = new LatencyHistogram();
  const ackRtt = new LatencyHistogram();
  const ackErrors: Record<string, number> = {};
  for (const p of parts) latency.add(p.latency);
  for (const p of ackParts) {
    ackRtt.add(p.ackRtt);
    for (const [k, v] of Object.entries(p.ackErrors)) ackErrors[k] = (ackErrors[k] ?? 0) + v;
  }
  const fixes = sumAcks('accepted');
  const ackedPerSec = fixes / s;
  const split = cpuDelta(threads0, threads1, side.kinds);
  // The process total (threads that ended in the window included) is what a fix costs; the split says where.
  const serverUs = cpu1.server - cpu0.server;
  const redisUs = cpu1.redis - cpu0.redis;
  const generatorsUs = sum('cpuUs');
  const validity = windowValidity(parts.map((p) => ({ loopDelayP99Ms: p.loopDelayP99Ms, loopDelayMaxMs: p.loopDelayMaxMs, shortfall: p.shortfall, sent: p.sent })));
  const promotedKB = probe.gc.promotedBytes / 1024;
  const step = {
    offeredPerSec: at.rate,
    sentPerSec: round(sum('sent') / s),
    ackedPerSec: round(ackedPerSec),
    deliveredPerSec: round(sum('delivered') / s),
    expectedDeliveredPerSec: round(Math.min(ackedPerSec * (fleet.watchers / fleet.couriers), fleet.watchers * side.positionsPerOrderPerS)),
    ackP99Ms: ackRtt.percentile(99),
  };
  return {
    side: side.name,
    rate: at.rate,
    round: at.round,
    windowS: at.windowS,
    startedAt,
    valid: validity.valid,
    invalidReasons: validity.reasons,
    verdict: judgeStep(step),
    ...step,
    acceptedPerSec: round(ackedPerSec),
    latency: latency.summary(),
    ackRtt: ackRtt.summary(),
    cpu: {
      serverUsPerFix: perFix(serverUs, fixes),
      mainUsPerFix: perFix(split.mainUs, fixes),
      gcThreadsUsPerFix: perFix(split.gcUs, fixes),
      otherThreadsUsPerFix: perFix(split.otherUs, fixes),
      redisUsPerFix: side.redisPid ? perFix(redisUs, fixes) : null,
    },
    gc: {
      scavenges: probe.gc.scavenges,
      markCompacts: probe.gc.markCompacts,
      pauseMs: probe.gc.pauseMs,
      promotedKB: round(promotedKB, 0),
      pauseMsPer10kFixes: fixes > 0 ? round((probe.gc.pauseMs * 10_000) / fixes) : null,
      promotedKBPer10kFixes: fixes > 0 ? round((promotedKB * 10_000) / fixes, 0) : null,
      promotedKBPerFix: fixes > 0 ? round(promotedKB / fixes, 2) : null,
    },
    serverLoop: probe.loop,
    generators: { loopDelayP99Ms: parts.map((p) => p.loopDelayP99Ms), loopDelayMaxMs: parts.map((p) => p.loopDelayMaxMs), shortfall: sum('shortfall') },
    cores: {
      server: round(serverUs / us, 2),
      redis: side.redisPid ? round(redisUs / us, 2) : null,
      generators: round(generatorsUs / us, 2),
      others: round(Math.max(0, (cpu1.machine - cpu0.machine - serverUs - redisUs - generatorsUs) / us), 2),
    },
    dropped: sumAcks('dropped'),
    ignored: sumAcks('ignored'),
    rejected: sumAcks('rejected'),
    unackedAfterDrain: drained.left,
    ackErrors,
    disconnects: sum('disconnects'),
    ...(cpuBreakdown ? { cpuBreakdown } : {}),
  };
}

/**
 * Stop sending and wait until every fix is acknowledged, so one window's backlog never leaks into the
 * next (another side's, or the same side's at another rate). Bounded: a server far behind is reported.
 */
export async function drain(gens: Generators, maxMs: number): Promise<{ ms: number; left: number }> {
  await gens.all({ cmd: 'rate', side: '', perCourierPerS: 0 });
  const t0 = Date.now();
  let left: number;
  for (;;) {
    left = (await gens.all<{ n: number }>({ cmd: 'outstanding' })).reduce((a, x) => a + x.n, 0);
    if (left === 0 || Date.now() - t0 > maxMs) break;
    await sleep(100);
  }
  await sleep(100);
  return { ms: Date.now() - t0, left };
}

/** One log line per window. */
export function windowText(m: Measured): string {
  const c = m.cpu;
  return `${m.side} ${m.rate}/s r${m.round}${m.valid ? '' : ' INVALID'}${m.verdict === 'keeps_up' ? '' : ' (fell behind)'}: acked ${m.ackedPerSec}/s, courier→watcher p50 ${m.latency.p50Ms} p99 ${m.latency.p99Ms} ms, ack p99 ${m.ackRtt.p99Ms} ms; µs/fix server ${c.serverUsPerFix} (main ${c.mainUsPerFix}, gc threads ${c.gcThreadsUsPerFix}, other ${c.otherThreadsUsPerFix}) redis ${c.redisUsPerFix}; per 10k fixes GC ${m.gc.pauseMsPer10kFixes} ms, promoted ${m.gc.promotedKBPer10kFixes} KB (${m.gc.markCompacts} mark-compacts); generators loop p99 ${m.generators.loopDelayP99Ms.join('/')} max ${m.generators.loopDelayMaxMs.join('/')} ms; cores server ${m.cores.server} redis ${m.cores.redis} gens ${m.cores.generators} others ${m.cores.others}${m.valid ? '' : `; ${m.invalidReasons.join('; ')}`}`;
}
