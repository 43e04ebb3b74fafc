import { expect } from 'chai';
import {
  LatencyHistogram,
  findSaturation,
  judgeStep,
  lateTimeline,
  parseVmRssKB,
  percentileOfPairs,
  rssPerSocketKB,
  shouldStopRamp,
  type RampStep,
} from '../../loadtest/hub-stats.js';

const step = (offered: number, acked: number, extra: Partial<RampStep> = {}): RampStep => ({
  offeredPerSec: offered,
  sentPerSec: offered,
  ackedPerSec: acked,
  deliveredPerSec: acked,
  expectedDeliveredPerSec: acked,
  ackP99Ms: 5,
  ...extra,
});

describe('load test statistics (loadtest/hub-stats.ts)', () => {
  describe('latency histogram', () => {
    it('when samples are recorded, then percentiles are nearest-rank over whole milliseconds', () => {
      const h = new LatencyHistogram();
      for (let ms = 1; ms <= 100; ms++) h.record(ms);
      expect(h.count).to.equal(100);
      expect(h.percentile(50)).to.equal(50);
      expect(h.percentile(99)).to.equal(99);
      expect(h.percentile(100)).to.equal(100);
      expect(h.percentile(0)).to.equal(1);
      h.record(2.4);
      h.record(-3); // clock skew never yields a negative latency
      expect(h.toPairs().slice(0, 3)).to.deep.equal([[0, 1], [1, 1], [2, 2]]);
    });

    it('when histograms of several processes are merged, then the percentiles are those of all samples together', () => {
      const a = new LatencyHistogram();
      const b = new LatencyHistogram();
      for (let i = 0; i < 90; i++) a.record(3);
      for (let i = 0; i < 10; i++) b.record(400);
      const merged = LatencyHistogram.fromPairs(a.toPairs());
      merged.add(b.toPairs());
      expect(merged.summary()).to.deep.equal({ samples: 100, p50Ms: 3, p90Ms: 3, p99Ms: 400, maxMs: 400 });
    });

    it('when there are no samples, then percentiles are null and a bad percentile is refused', () => {
      expect(new LatencyHistogram().summary()).to.deep.equal({ samples: 0, p50Ms: null, p90Ms: null, p99Ms: null, maxMs: null });
      expect(() => percentileOfPairs([[1, 1]], 101)).to.throw(RangeError);
    });
  });

  describe('saturation', () => {
    it('when acked rate follows the offer and then stops growing, then the best step that kept up is the saturation rate', () => {
      const s = findSaturation([step(5_000, 5_000), step(10_000, 10_000), step(20_000, 18_000, { sentPerSec: 18_500 }), step(30_000, 18_200, { sentPerSec: 18_600 })]);
      expect(s.verdicts).to.deep.equal(['keeps_up', 'keeps_up', 'keeps_up', 'plateau']);
      expect(s.maxUpdatesPerSec).to.equal(18_200);
      expect(s.atStep).to.equal(3);
      expect(s.saturated).to.equal(true);
    });

    it('when the server falls behind what was sent, or its p99 round trip explodes, then that step is overloaded and does not count', () => {
      const s = findSaturation([step(5_000, 5_000), step(10_000, 8_000), step(15_000, 15_000, { ackP99Ms: 4_000 })]);
      expect(s.verdicts).to.deep.equal(['keeps_up', 'overloaded', 'overloaded']);
      expect(s.maxUpdatesPerSec).to.equal(5_000);
      expect(s.peakAckedPerSec).to.equal(15_000);
      expect(s.saturated).to.equal(true);
    });

    it('when watchers receive far less than they should, then the step is overloaded even if every fix was acknowledged', () => {
      expect(judgeStep(step(10_000, 10_000, { deliveredPerSec: 6_000, expectedDeliveredPerSec: 10_000 }))).to.equal('overloaded');
      expect(judgeStep(step(10_000, 10_000, { deliveredPerSec: 9_500, expectedDeliveredPerSec: 10_000 }))).to.equal('keeps_up');
    });

    it('when every step kept up and grew, then the figure is reported as a lower bound (not saturated)', () => {
      const s = findSaturation([step(1_000, 1_000), step(2_000, 2_000)]);
      expect(s.saturated).to.equal(false);
      expect(s.maxUpdatesPerSec).to.equal(2_000);
    });

    it('when the last step is overloaded or two plateaus follow each other, then the ramp stops', () => {
      expect(shouldStopRamp([step(1_000, 1_000), step(2_000, 2_000)])).to.equal(false);
      expect(shouldStopRamp([step(1_000, 1_000), step(2_000, 1_200)])).to.equal(true);
      const flat = (offered: number, acked: number) => step(offered, acked, { sentPerSec: acked + 20 }); // the generator is the limit
      expect(shouldStopRamp([step(1_000, 1_000), step(2_000, 2_000), flat(3_000, 2_010)])).to.equal(false);
      expect(shouldStopRamp([step(1_000, 1_000), step(2_000, 2_000), flat(3_000, 2_010), flat(4_000, 2_020)])).to.equal(true);
    });
  });

  describe('memory per socket', () => {
    it('when /proc status is read, then VmRSS is parsed in kB and the growth is divided per socket', () => {
      expect(parseVmRssKB('Name:\tnode\nVmPeak:\t 900 kB\nVmRSS:\t  123456 kB\nRssAnon: 1 kB\n')).to.equal(123_456);
      expect(() => parseVmRssKB('Name: x')).to.throw();
      expect(rssPerSocketKB(100_000, 300_000, 10_000)).to.equal(20);
    });
  });
  describe('late positions next to mark-compacts', () => {
    const start = 1_000_000_000; // a whole second, in epoch ms

    it('when two generators count the same seconds, then the timeline adds them up, in order, from the window start', () => {
      const t = lateTimeline(
        [
          [[1_000_002, 10, 1], [1_000_000, 10, 0]],
          [[1_000_000, 5, 0], [999_999, 3, 3]],
        ],
        start,
        [],
        { thresholdMs: 50 },
      );
      expect(t.seconds).to.deep.equal([
        { s: -1, positions: 3, late: 3 },
        { s: 0, positions: 15, late: 0 },
        { s: 2, positions: 10, late: 1 },
      ]);
      expect(t.markCompactsAtS).to.deep.equal([]);
      expect(t.lateNearMarkCompact).to.equal(0);
    });

    it('when the late positions were sent around a mark-compact, then the share near it counts them, and a far second does not', () => {
      // A mark-compact at +5.4 s: seconds 4, 5 and 6 overlap [4.4, 6.4]; second 9 does not.
      const t = lateTimeline([[[1_000_004, 100, 30], [1_000_005, 100, 50], [1_000_006, 100, 0], [1_000_009, 100, 20]]], start, [start + 5_400], { thresholdMs: 50 });
      expect(t.markCompactsAtS).to.deep.equal([5.4]);
      expect(t.lateNearMarkCompact).to.equal(0.8);
    });

    it('when nothing was late, then the share is null rather than zero', () => {
      expect(lateTimeline([[[1_000_001, 10, 0]]], start, [start + 1_000], { thresholdMs: 50 }).lateNearMarkCompact).to.equal(null);
      expect(lateTimeline([], start, [], { thresholdMs: 50 }).seconds).to.deep.equal([]);
    });
  });
});
