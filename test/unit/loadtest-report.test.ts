import { expect } from 'chai';
import { rateSummary, verdict, type ReportWindow } from '../../loadtest/bench-report.js';

const w = (side: string, rate: number, round: number, cpu: number, p99: number, extra: Partial<ReportWindow> = {}): ReportWindow => ({
  side,
  rate,
  round,
  valid: true,
  verdict: 'keeps_up',
  ackedPerSec: rate,
  latency: { p50Ms: 2, p99Ms: p99 },
  ackRtt: { p99Ms: p99 },
  cpu: { serverUsPerFix: cpu, mainUsPerFix: cpu * 0.8, gcThreadsUsPerFix: cpu * 0.2, otherThreadsUsPerFix: 0, redisUsPerFix: null },
  gc: { pauseMsPer10kFixes: 10, promotedKBPer10kFixes: 8_000, promotedKBPerFix: 0.8 },
  ...extra,
});

/** Two rounds at 3k and 5k, the hub's long windows at 2,500/s, and one invalid hub window that would spoil every figure. */
const windows: ReportWindow[] = [
  w('bare', 3000, 0, 50, 10), w('bareSharded', 3000, 0, 100, 12), w('hub', 3000, 0, 60, 15),
  w('bare', 5000, 0, 50, 20), w('bareSharded', 5000, 0, 100, 22), w('hub', 5000, 0, 60, 45),
  w('hub', 2500, 0, 60, 30),
  w('bare', 3000, 1, 80, 10), w('bareSharded', 3000, 1, 150, 12), w('hub', 3000, 1, 100, 15),
  w('bare', 5000, 1, 80, 30), w('bareSharded', 5000, 1, 150, 22), w('hub', 5000, 1, 100, 65),
  w('hub', 2500, 1, 60, 40),
  w('hub', 5000, 2, 900, 900, { valid: false, gc: { pauseMsPer10kFixes: 99, promotedKBPer10kFixes: 99_000, promotedKBPerFix: 9.9 } }),
  w('hub', 2500, 2, 60, 50),
];

describe('bench report (loadtest/bench-report.ts)', () => {
  it('when a side ran several windows at a rate, then its figures are medians over the valid ones and the counts say how many there were and how many invalid ones fell behind', () => {
    const s = rateSummary(windows, 'hub', 5000);
    expect(s).to.include({ p99Ms: 55, serverUsPerFix: 80, windows: 3, validWindows: 2, keptUp: 2, invalidFellBehind: 0 });
    const behind = rateSummary([...windows, w('hub', 5000, 3, 70, 900, { valid: false, verdict: 'overloaded' })], 'hub', 5000);
    expect(behind).to.include({ p99Ms: 55, windows: 4, validWindows: 2, invalidFellBehind: 1 });
  });

  it('when the hub is compared with the baselines, then ratios are paired by round and each target says met or missed', () => {
    const v = verdict({ windows, rates: [3000, 5000], longRate: 2500, saturation: { bare: { maxUpdatesPerSec: 10_000, offeredPerSec: 10_000, saturated: true, probes: 5 }, hub: { maxUpdatesPerSec: 6_500, offeredPerSec: 6_500, saturated: true, probes: 5 } }, hubMemory: { idleSocketKB: 24, idleSocketHeapKB: 16 } });
    expect(v.ratios).to.deep.equal({ cpuPerFixVsBare: { at3k: 1.23, at5k: 1.23 }, cpuPerFixVsBareSharded: { at3k: 0.63, at5k: 0.63 }, saturationVsBare: 0.65, p99At5kOverBareMs: 30 });
    expect(v.hubP99AtLong).to.equal(40);
    expect(v.promotedKBPerFix).to.equal(0.8);
    const met = Object.fromEntries(Object.entries(v.targets).map(([k, t]) => [k, t.met]));
    expect(met).to.deep.equal({
      cpuPerFixVsBare: true,
      cpuPerFixVsBareSharded: true,
      saturationVsBare: false,
      p99At2500Ms: true,
      p99At5kOverBareMs: true,
      promotedKBPerFix: true,
      idleSocketKB: true,
      idleSocketHeapKB: false,
    });
  });

  it('when the hub fell behind in a round, then that round is left out of the CPU ratios (its batches make each fix look cheaper)', () => {
    const behind = windows.map((x) => (x.side === 'hub' && x.rate === 3000 && x.round === 1 ? { ...x, verdict: 'overloaded' as const, cpu: { ...x.cpu, serverUsPerFix: 40 } } : x));
    const v = verdict({ windows: behind, rates: [3000, 5000], longRate: 2500, saturation: {}, hubMemory: { idleSocketKB: null, idleSocketHeapKB: null } });
    expect(v.ratios.cpuPerFixVsBare).to.deep.equal({ at3k: 1.2, at5k: 1.23 });
  });

  it('when a figure was not measured, then its target is neither met nor missed', () => {
    const v = verdict({ windows: windows.filter((x) => x.side === 'hub'), rates: [3000, 5000], longRate: 2500, saturation: {}, hubMemory: { idleSocketKB: null, idleSocketHeapKB: null } });
    expect(v.targets.cpuPerFixVsBare?.met).to.equal(null);
    expect(v.targets.saturationVsBare?.met).to.equal(null);
    expect(v.targets.idleSocketKB?.met).to.equal(null);
    expect(v.targets.p99At2500Ms?.met).to.equal(true);
  });
});
