/**
 * From measured windows to the figures of loadtest/results/hub.json: per side and rate the medians
 * over valid windows, the hub's ratios to the two baselines (paired by round), and a verdict per
 * target of the hub. Pure; unit-tested in test/unit/loadtest-report.test.ts.
 */
import { median, pairedDelta, pairedRatio, sideMedian, type WindowRecord } from './bench-windows.js';
import type { SearchResult, StepVerdict } from './hub-stats.js';

/** A measured window, as the report reads it (the bench stores more). */
export interface ReportWindow extends WindowRecord {
  verdict: StepVerdict;
  ackedPerSec: number;
  latency: { p50Ms: number | null; p99Ms: number | null };
  ackRtt: { p99Ms: number | null };
  cpu: { serverUsPerFix: number | null; mainUsPerFix: number | null; gcThreadsUsPerFix: number | null; otherThreadsUsPerFix: number | null; redisUsPerFix: number | null };
  gc: { pauseMsPer10kFixes: number | null; promotedKBPer10kFixes: number | null; promotedKBPerFix: number | null };
}

/** The sides, as named in the report: (a) bare relay in memory, (b) bare relay on the sharded Redis adapter, (c) the hub. */
export const SIDES = { a: 'bare', b: 'bareSharded', c: 'hub' } as const;

export const rateKey = (rate: number) => (rate % 1000 === 0 ? `at${rate / 1000}k` : `at${rate}`);

const r1 = (x: number | null) => (x === null ? null : Math.round(x * 10) / 10);
const r2 = (x: number | null) => (x === null ? null : Math.round(x * 100) / 100);

/** Medians of one side at one rate over its valid windows. */
export function rateSummary(windows: readonly ReportWindow[], side: string, rate: number) {
  const med = (pick: (w: ReportWindow) => number | null) => sideMedian(windows, side, rate, pick);
  const mine = windows.filter((w) => w.side === side && w.rate === rate);
  return {
    p50Ms: r1(med((w) => w.latency.p50Ms)),
    p99Ms: r1(med((w) => w.latency.p99Ms)),
    ackP99Ms: r1(med((w) => w.ackRtt.p99Ms)),
    ackedPerSec: r1(med((w) => w.ackedPerSec)),
    serverUsPerFix: r1(med((w) => w.cpu.serverUsPerFix)),
    mainUsPerFix: r1(med((w) => w.cpu.mainUsPerFix)),
    gcThreadsUsPerFix: r1(med((w) => w.cpu.gcThreadsUsPerFix)),
    otherThreadsUsPerFix: r1(med((w) => w.cpu.otherThreadsUsPerFix)),
    redisUsPerFix: r1(med((w) => w.cpu.redisUsPerFix)),
    gcPauseMsPer10kFixes: r1(med((w) => w.gc.pauseMsPer10kFixes)),
    promotedKBPer10kFixes: r1(med((w) => w.gc.promotedKBPer10kFixes)),
    windows: mine.length,
    validWindows: mine.filter((w) => w.valid).length,
    /** Valid windows in which the side kept up (acked ≥ 95 %, ack p99 < 100 ms, positions delivered). */
    keptUp: mine.filter((w) => w.valid && w.verdict === 'keeps_up').length,
    /**
     * Invalid windows in which the server also fell behind: a server that stalls and then answers in a
     * burst can slow the generator too, so these are left out like the others but shown, lest the
     * validity rule hide a side's bad windows unseen.
     */
    invalidFellBehind: mine.filter((w) => !w.valid && w.verdict !== 'keeps_up').length,
  };
}

export interface Target {
  /** The bound the issue sets (`max` or `min`). */
  max?: number;
  min?: number;
  value: number | null | Record<string, number | null>;
  /** null when a figure it needs was not measured (or no valid window had it). */
  met: boolean | null;
}

function target(bound: { max?: number; min?: number }, value: number | null): Target {
  const met = value === null ? null : bound.max !== undefined ? value <= bound.max : value >= (bound.min as number);
  return { ...bound, value, met };
}

/** A target over several rates is met when it is met at each; not measured when any is missing. */
function targetAt(bound: { max: number }, values: Record<string, number | null>): Target {
  const all = Object.values(values);
  const met = all.some((v) => v === null) ? null : all.every((v) => (v as number) <= bound.max);
  return { ...bound, value: values, met };
}

export interface VerdictInput {
  windows: readonly ReportWindow[];
  /** The rates of the alternating windows (3k and 5k). */
  rates: readonly number[];
  /** The rate of the hub's own long windows (2,500/s). */
  longRate: number;
  saturation: Partial<Record<string, SearchResult>>;
  hubMemory: { idleSocketKB: number | null; idleSocketHeapKB: number | null };
}

/** The hub's ratios to both baselines, its long-window p99, its promotion, and a verdict per target. */
export function verdict(input: VerdictInput) {
  const { windows, rates } = input;
  // A server that falls behind handles its backlog in bigger batches, and its CPU per fix drops: only windows that kept up compare.
  const cpu = (w: ReportWindow) => (w.verdict === 'keeps_up' ? w.cpu.serverUsPerFix : null);
  const perRate = (f: (rate: number) => number | null) => Object.fromEntries(rates.map((rate) => [rateKey(rate), r2(f(rate))]));
  const cpuPerFixVsBare = perRate((rate) => pairedRatio(windows, SIDES.c, SIDES.a, rate, cpu));
  const cpuPerFixVsBareSharded = perRate((rate) => pairedRatio(windows, SIDES.c, SIDES.b, rate, cpu));
  const top = rates[rates.length - 1] as number;
  const p99AtTopOverBareMs = r1(pairedDelta(windows, SIDES.c, SIDES.a, top, (w) => w.latency.p99Ms));
  const bareSat = input.saturation[SIDES.a]?.maxUpdatesPerSec ?? 0;
  const hubSat = input.saturation[SIDES.c];
  const saturationVsBare = hubSat && bareSat > 0 ? r2(hubSat.maxUpdatesPerSec / bareSat) : null;
  const hubP99AtLong = r1(sideMedian(windows, SIDES.c, input.longRate, (w) => w.latency.p99Ms));
  const promoted = windows.filter((w) => w.side === SIDES.c && w.valid && rates.includes(w.rate)).map((w) => w.gc.promotedKBPerFix).filter((v): v is number => v !== null);
  const promotedKBPerFix = r2(median(promoted));
  return {
    ratios: { cpuPerFixVsBare, cpuPerFixVsBareSharded, saturationVsBare, [`p99At${rateKey(top).slice(2)}OverBareMs`]: p99AtTopOverBareMs },
    hubP99AtLong,
    promotedKBPerFix,
    targets: {
      cpuPerFixVsBare: targetAt({ max: 1.3 }, cpuPerFixVsBare),
      cpuPerFixVsBareSharded: targetAt({ max: 1.0 }, cpuPerFixVsBareSharded),
      saturationVsBare: target({ min: 0.7 }, saturationVsBare),
      [`p99At${input.longRate}Ms`]: target({ max: 50 }, hubP99AtLong),
      [`p99At${rateKey(top).slice(2)}OverBareMs`]: target({ max: 30 }, p99AtTopOverBareMs),
      promotedKBPerFix: target({ max: 1.5 }, promotedKBPerFix),
      idleSocketKB: target({ max: 30 }, input.hubMemory.idleSocketKB),
      idleSocketHeapKB: target({ max: 15 }, input.hubMemory.idleSocketHeapKB),
    } as Record<string, Target>,
  };
}
