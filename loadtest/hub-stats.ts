/**
 * Pure arithmetic of the hub benchmark and load test: latency histograms that
 * merge across generator processes, percentiles, the saturation rule and its search.
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
}

/** A courier app notices an ack later than ~100 ms; a queue that slow is already growing. */
export const DEFAULT_SATURATION_RULE: SaturationRule = { minAckShare: 0.95, maxAckP99Ms: 100, minDeliveredShare: 0.9 };

export type StepVerdict = 'keeps_up' | 'overloaded';

/** Whether the server kept up with one step (`overloaded` when it fell behind or queued). */
export function judgeStep(step: RampStep, rule: SaturationRule = DEFAULT_SATURATION_RULE): StepVerdict {
  if (step.sentPerSec <= 0) return 'overloaded';
  const share = step.ackedPerSec / step.sentPerSec;
  if (share < rule.minAckShare) return 'overloaded';
  if (step.ackP99Ms === null || step.ackP99Ms > rule.maxAckP99Ms) return 'overloaded';
  if (step.expectedDeliveredPerSec > 0 && step.deliveredPerSec < rule.minDeliveredShare * step.expectedDeliveredPerSec) return 'overloaded';
  return 'keeps_up';
}

export interface SearchOptions {
  /** First offered rate (fixes/s). */
  start: number;
  /** Factor between steps while every step keeps up (and, downwards, while none did). */
  growth: number;
  /** Stop once the best pass and the lowest failure are within this share of each other. */
  precision: number;
  maxProbes: number;
  /** Below this rate the search gives up (the server keeps up with nothing): 0 is reported. */
  floor?: number;
  /** Offered rates are rounded to this. */
  quantum?: number;
}

export interface SearchResult {
  /** Acknowledged rate of the highest offered rate that kept up: the sustainable throughput. */
  maxUpdatesPerSec: number;
  offeredPerSec: number;
  /** False when the probes ran out before any step failed: the figure is then a lower bound. */
  saturated: boolean;
  probes: number;
}

/**
 * The saturation search: climb by `growth` until a step fails, then bisect between the best step that
 * kept up and the lowest that did not, until they are within `precision`. A failure while the
 * generator stalled (an invalid window) is probed once more before it counts, so one stall of the
 * box does not end the search early.
 */
export class SaturationSearch {
  private pass: { offered: number; acked: number } | null = null;
  private fail: number | null = null;
  private probes = 0;
  private retry: number | null = null;
  private retried = new Set<number>();
  private done = false;

  constructor(private readonly opts: SearchOptions) {}

  private round(rate: number): number {
    const q = this.opts.quantum ?? 50;
    return Math.round(rate / q) * q;
  }

  /** The next offered rate to probe, or null when the search is over. */
  next(): number | null {
    if (this.done || this.probes >= this.opts.maxProbes) return null;
    if (this.retry !== null) return this.retry;
    const { growth, precision, floor = 250 } = this.opts;
    let rate: number;
    if (this.pass === null && this.fail === null) rate = this.opts.start;
    else if (this.fail === null) rate = this.round((this.pass as { offered: number }).offered * growth);
    else if (this.pass === null) rate = this.round(this.fail / growth);
    else {
      const lo = this.pass.offered;
      if (this.fail / lo - 1 <= precision) return this.finish();
      rate = this.round((lo + this.fail) / 2);
      if (rate <= lo || rate >= this.fail) return this.finish();
    }
    if (rate < floor) return this.finish();
    return rate;
  }

  private finish(): null {
    this.done = true;
    return null;
  }

  record(offered: number, verdict: StepVerdict, ackedPerSec: number, opts: { valid?: boolean } = {}): void {
    this.probes += 1;
    this.retry = null;
    if (verdict === 'overloaded' && opts.valid === false && !this.retried.has(offered)) {
      this.retried.add(offered);
      this.retry = offered;
      return;
    }
    if (verdict === 'keeps_up') {
      if (!this.pass || offered > this.pass.offered) this.pass = { offered, acked: ackedPerSec };
    } else if (this.fail === null || offered < this.fail) this.fail = offered;
  }

  result(): SearchResult {
    return { maxUpdatesPerSec: this.pass?.acked ?? 0, offeredPerSec: this.pass?.offered ?? 0, saturated: this.fail !== null, probes: this.probes };
  }
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
