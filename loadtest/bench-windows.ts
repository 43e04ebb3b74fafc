/**
 * How `npm run bench:hub` turns many short windows on a noisy box into figures: the alternating order
 * of the windows, which windows count (a generator that stalled makes its window invalid), medians
 * over windows, and comparisons paired by round (side c against side a in the same round, minutes
 * apart, so a slow spell of the box moves both). Unit-tested in test/unit/loadtest-windows.test.ts.
 */

export interface PlannedWindow {
  round: number;
  side: string;
  /** Offered fixes per second. */
  rate: number;
  windowS: number;
}

/**
 * Rounds of windows in alternating order: in each round every side runs at the first rate (a, b, c),
 * then at the next rate, and so on. `perRound` adds one window of its own at the end of each round
 * (the hub's long windows at 2,500/s), so those are spread over the run like the others.
 */
export function alternatingPlan(opts: { sides: readonly string[]; rates: readonly number[]; rounds: number; windowS: number; perRound?: { side: string; rate: number; windowS: number } }): PlannedWindow[] {
  const plan: PlannedWindow[] = [];
  for (let round = 0; round < opts.rounds; round++) {
    for (const rate of opts.rates) for (const side of opts.sides) plan.push({ round, side, rate, windowS: opts.windowS });
    if (opts.perRound) plan.push({ round, ...opts.perRound });
  }
  return plan;
}

/** The middle value (the mean of the two middle ones for an even count); null for none. */
export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** What the comparisons need to know about a measured window. */
export interface WindowRecord {
  side: string;
  rate: number;
  round: number;
  valid: boolean;
  [k: string]: unknown;
}

type Pick<W> = (w: W) => number | null | undefined;
const value = <W extends WindowRecord>(w: W, pick: Pick<W>) => {
  const v = pick(w);
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
};

/** Median of one figure over a side's valid windows at a rate. */
export function sideMedian<W extends WindowRecord>(windows: readonly W[], side: string, rate: number, pick: Pick<W>): number | null {
  return median(windows.filter((w) => w.side === side && w.rate === rate && w.valid).map((w) => value(w, pick)).filter((v): v is number => v !== null));
}

/** Per round, `combine(side x's value, side y's value)` where both windows of the round are valid. */
function paired<W extends WindowRecord>(windows: readonly W[], x: string, y: string, rate: number, pick: Pick<W>, combine: (a: number, b: number) => number | null): number[] {
  const at = (side: string, round: number) => windows.find((w) => w.side === side && w.rate === rate && w.round === round && w.valid);
  const rounds = [...new Set(windows.map((w) => w.round))].sort((a, b) => a - b);
  const out: number[] = [];
  for (const round of rounds) {
    const a = at(x, round);
    const b = at(y, round);
    const va = a ? value(a, pick) : null;
    const vb = b ? value(b, pick) : null;
    if (va === null || vb === null) continue;
    const c = combine(va, vb);
    if (c !== null) out.push(c);
  }
  return out;
}

/** Median over rounds of x / y at a rate: the ratio of two sides with the box's drift paired out. */
export function pairedRatio<W extends WindowRecord>(windows: readonly W[], x: string, y: string, rate: number, pick: Pick<W>): number | null {
  return median(paired(windows, x, y, rate, pick, (a, b) => (b > 0 ? a / b : null)));
}

/** Median over rounds of x − y at a rate. */
export function pairedDelta<W extends WindowRecord>(windows: readonly W[], x: string, y: string, rate: number, pick: Pick<W>): number | null {
  return median(paired(windows, x, y, rate, pick, (a, b) => a - b));
}

/** What each generator process reports about itself for a window. */
export interface GeneratorHealth {
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** Fixes it skipped because it fell more than 100 ms behind its schedule. */
  shortfall: number;
  sent: number;
}

export interface ValidityRule {
  /** A generator whose event-loop delay p99 is above this delayed many of its own readings. */
  maxLoopDelayP99Ms: number;
  /** One stall this long holds ~1 % of a window's acks and positions at 5k/s: enough to move a p99. */
  maxLoopDelayMs: number;
  /** Share of the schedule a generator may skip. */
  maxShortfallShare: number;
}

export const DEFAULT_VALIDITY_RULE: ValidityRule = { maxLoopDelayP99Ms: 50, maxLoopDelayMs: 250, maxShortfallShare: 0.01 };

/**
 * A window counts only if no generator stalled: a generator that could not run adds its own delay to
 * every ack and position it times, and a generator behind schedule offered less than asked. Such a
 * window says something about the box, not the server, so it is kept in the report and left out of
 * the medians.
 */
export function windowValidity(generators: readonly GeneratorHealth[], rule: ValidityRule = DEFAULT_VALIDITY_RULE): { valid: boolean; reasons: string[] } {
  const reasons: string[] = [];
  generators.forEach((g, i) => {
    if (g.loopDelayMaxMs > rule.maxLoopDelayMs) reasons.push(`generator ${i}: event-loop stall of ${g.loopDelayMaxMs} ms (> ${rule.maxLoopDelayMs})`);
    else if (g.loopDelayP99Ms > rule.maxLoopDelayP99Ms) reasons.push(`generator ${i}: event-loop delay p99 ${g.loopDelayP99Ms} ms (> ${rule.maxLoopDelayP99Ms})`);
    const share = g.shortfall / Math.max(1, g.sent + g.shortfall);
    if (share > rule.maxShortfallShare) reasons.push(`generator ${i}: ${g.shortfall} fixes behind schedule (${Math.round(share * 1000) / 10} % > ${rule.maxShortfallShare * 100} %)`);
  });
  return { valid: reasons.length === 0, reasons };
}
