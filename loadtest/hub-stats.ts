/**
 * Pure arithmetic of the hub benchmark and load test: latency histograms that
 * merge across generator processes, percentiles, and the saturation rule.
 * Unit-tested in test/unit/loadtest-stats.test.ts.
 */

/**
 * Latencies in whole milliseconds (device `ts` and receive time are both
 * `Date.now()` on one machine, so 1 ms is the resolution anyway). Counts per
 * millisecond, so a million samples cost no more memory than a thousand, and
 * histograms from several processes add up exactly.
 */
export class LatencyHistogram {
  private readonly counts = new Map<number, number>();
  private n = 0;

  record(ms: number): void {
    const v = Math.max(0, Math.round(ms));
    this.counts.set(v, (this.counts.get(v) ?? 0) + 1);
    this.n += 1;
  }

  get count(): number {
    return this.n;
  }

  /** [ms, count] pairs, sorted by ms: what a worker sends over IPC. */
  toPairs(): [number, number][] {
    return [...this.counts.entries()].sort((a, b) => a[0] - b[0]);
  }

  static fromPairs(pairs: readonly (readonly [number, number])[]): LatencyHistogram {
    const h = new LatencyHistogram();
    h.add(pairs);
    return h;
  }

  add(pairs: readonly (readonly [number, number])[]): void {
    for (const [ms, c] of pairs) {
      this.counts.set(ms, (this.counts.get(ms) ?? 0) + c);
      this.n += c;
    }
  }

  /** Nearest-rank percentile: the smallest value with at least p % of the samples at or below it; null when empty. */
  percentile(p: number): number | null {
    return percentileOfPairs(this.toPairs(), p);
  }

  summary(): { samples: number; p50Ms: number | null; p90Ms: number | null; p99Ms: number | null; maxMs: number | null } {
    const pairs = this.toPairs();
    return {
      samples: this.n,
      p50Ms: percentileOfPairs(pairs, 50),
      p90Ms: percentileOfPairs(pairs, 90),
      p99Ms: percentileOfPairs(pairs, 99),
      maxMs: pairs.length ? (pairs[pairs.length - 1] as [number, number])[0] : null,
    };
  }
}

/** Nearest-rank percentile over sorted [value, count] pairs. */
export function percentileOfPairs(sorted: readonly (readonly [number, number])[], p: number): number | null {
  if (p < 0 || p > 100 || Number.isNaN(p)) throw new RangeError(`percentile must be 0..100, got ${p}`);
  const total = sorted.reduce((s, [, c]) => s + c, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (const [v, c] of sorted) {
    seen += c;
    if (seen >= rank) return v;
  }
  return (sorted[sorted.length - 1] as readonly [number, number])[0];
}

/** One step of an offered-load ramp, as measured over its window. */
export interface RampStep {
  /** Fixes per second the generator was asked to send. */
  offeredPerSec: number;
  /** Fixes per second it managed to send (below `offered` when the generator itself is the limit). */
  sentPerSec: number;
  /** Fixes per second the server acknowledged as applied (hub: `accepted`; bare: every ack). */
  ackedPerSec: number;
  /** `courier:position` messages per second received by watchers. */
  deliveredPerSec: number;
  /**
   * What watchers should receive per second if nothing is lost: the acked rate
   * for the bare relay (every fix is relayed), and for the hub the acked rate
   * capped by its coalescing (2 positions per second per order).
   */
  expectedDeliveredPerSec: number;
  /** Send → ack round trip, p99 (ms); null when nothing was acknowledged. */
  ackP99Ms: number | null;
}

export interface SaturationRule {
  /** The server keeps up while it acknowledges at least this share of what was sent. */
  minAckShare: number;
  /** …and while the p99 send → ack round trip stays under this (queues are not building up). */
  maxAckP99Ms: number;
  /** …and while watchers receive at least this share of what they should. */
  minDeliveredShare: number;
  /** A step that adds less than this share over the best step so far is a plateau. */
  minGrowth: number;
}

export const DEFAULT_SATURATION_RULE: SaturationRule = { minAckShare: 0.95, maxAckP99Ms: 1_000, minDeliveredShare: 0.9, minGrowth: 0.03 };

export type StepVerdict = 'keeps_up' | 'plateau' | 'overloaded';

/** Whether the server kept up with one step (`overloaded` when it fell behind or queued). */
export function judgeStep(step: RampStep, rule: SaturationRule = DEFAULT_SATURATION_RULE): Exclude<StepVerdict, 'plateau'> {
  if (step.sentPerSec <= 0) return 'overloaded';
  const share = step.ackedPerSec / step.sentPerSec;
  if (share < rule.minAckShare) return 'overloaded';
  if (step.ackP99Ms === null || step.ackP99Ms > rule.maxAckP99Ms) return 'overloaded';
  if (step.expectedDeliveredPerSec > 0 && step.deliveredPerSec < rule.minDeliveredShare * step.expectedDeliveredPerSec) return 'overloaded';
  return 'keeps_up';
}

export interface Saturation {
  /** The best acknowledged rate of a step where the server kept up: its sustainable throughput. */
  maxUpdatesPerSec: number;
  /** Delivered rate of that step. */
  deliveredPerSec: number;
  /** Index of that step, or -1 when no step kept up. */
  atStep: number;
  /** The highest acknowledged rate of any step, overloaded ones included (work done while queueing). */
  peakAckedPerSec: number;
  /** True when some step was overloaded or made no progress; false when the ramp ended with the server still keeping up (a lower bound). */
  saturated: boolean;
  verdicts: StepVerdict[];
}

/**
 * Saturation of a ramp. The throughput of a server is the rate it sustains
 * while keeping up, so we ramp offered load and take the best acknowledged
 * rate of a step that kept up. A step is overloaded when the server
 * acknowledges under `minAckShare` of what was sent, when its p99 round trip
 * passes `maxAckP99Ms` (work is queueing), or when watchers receive under
 * `minDeliveredShare` of what they should. The server is saturated once a step
 * is overloaded, or once a bigger offer no longer raises the acknowledged rate
 * by `minGrowth` (a plateau: e.g. the generator and the server share the
 * CPUs). If neither happened, the figure is only a lower bound.
 */
export function findSaturation(steps: readonly RampStep[], rule: SaturationRule = DEFAULT_SATURATION_RULE): Saturation {
  if (steps.length === 0) throw new RangeError('no ramp steps');
  const verdicts: StepVerdict[] = [];
  let best = -1;
  let saturated = false;
  steps.forEach((s, i) => {
    const v = judgeStep(s, rule);
    const bestRate = best >= 0 ? (steps[best] as RampStep).ackedPerSec : 0;
    if (v === 'overloaded') {
      saturated = true;
      verdicts.push(v);
      return;
    }
    if (best >= 0 && s.ackedPerSec < bestRate * (1 + rule.minGrowth)) {
      saturated = true;
      verdicts.push('plateau');
    } else {
      verdicts.push(v);
    }
    if (best < 0 || s.ackedPerSec > bestRate) best = i;
  });
  const top = best >= 0 ? (steps[best] as RampStep) : null;
  return {
    maxUpdatesPerSec: top?.ackedPerSec ?? 0,
    deliveredPerSec: top?.deliveredPerSec ?? 0,
    atStep: best,
    peakAckedPerSec: Math.max(...steps.map((s) => s.ackedPerSec)),
    saturated,
    verdicts,
  };
}

/** Whether to stop ramping: the last step was overloaded, or the last two made no progress. */
export function shouldStopRamp(steps: readonly RampStep[], rule: SaturationRule = DEFAULT_SATURATION_RULE): boolean {
  if (steps.length === 0) return false;
  const { verdicts } = findSaturation(steps, rule);
  const last = verdicts[verdicts.length - 1];
  if (last === 'overloaded') return true;
  return verdicts.length >= 2 && last === 'plateau' && verdicts[verdicts.length - 2] === 'plateau';
}

/** RSS growth per socket in KB (1 KB = 1024 bytes), from two VmRSS readings in kB. */
export function rssPerSocketKB(rssBeforeKB: number, rssAfterKB: number, sockets: number): number {
  if (sockets <= 0) throw new RangeError('sockets must be positive');
  return (rssAfterKB - rssBeforeKB) / sockets;
}

/** VmRSS of a process in kB, from the text of /proc/<pid>/status. */
export function parseVmRssKB(status: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error('no VmRSS line');
  return Number(m[1]);
}

/** What a generator counts per second of send time: [epoch second, positions received, of them later than the threshold]. */
export type SecondCounts = readonly [second: number, positions: number, late: number];

export interface LateTimeline {
  thresholdMs: number;
  /** Per second of send time, from the window's start (negative: sent during the warm-up, received in the window). */
  seconds: { s: number; positions: number; late: number }[];
  /** The server's mark-compacts (the end of marking, its final pause), seconds from the window's start. */
  markCompactsAtS: number[];
  /**
   * The share of late positions that were sent in a second overlapping [a mark-compact − beforeS, + afterS]:
   * how much of the tail the mark-compacts explain (null when none was late).
   */
  lateNearMarkCompact: number | null;
}

/**
 * Late positions per second of the window next to the server's mark-compacts, from every generator's
 * per-second counts: whether a latency tail comes in bursts at the collections or is spread out.
 */
export function lateTimeline(
  parts: readonly (readonly SecondCounts[])[],
  windowStartMs: number,
  markCompactsAtMs: readonly number[],
  opts: { thresholdMs: number; beforeS?: number; afterS?: number },
): LateTimeline {
  const bySecond = new Map<number, { positions: number; late: number }>();
  for (const part of parts) {
    for (const [sec, positions, late] of part) {
      const b = bySecond.get(sec) ?? { positions: 0, late: 0 };
      b.positions += positions;
      b.late += late;
      bySecond.set(sec, b);
    }
  }
  const startS = Math.floor(windowStartMs / 1000);
  const beforeMs = (opts.beforeS ?? 1) * 1000;
  const afterMs = (opts.afterS ?? 1) * 1000;
  const near = (sec: number) => markCompactsAtMs.some((t) => sec * 1000 < t + afterMs && (sec + 1) * 1000 > t - beforeMs);
  let late = 0;
  let lateNear = 0;
  const seconds = [...bySecond.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([sec, b]) => {
      late += b.late;
      if (near(sec)) lateNear += b.late;
      return { s: sec - startS, positions: b.positions, late: b.late };
    });
  return {
    thresholdMs: opts.thresholdMs,
    seconds,
    markCompactsAtS: markCompactsAtMs.map((t) => Math.round((t - windowStartMs) / 100) / 10),
    lateNearMarkCompact: late === 0 ? null : Math.round((lateNear / late) * 1000) / 1000,
  };
}
