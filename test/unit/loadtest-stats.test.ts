import { expect } from 'chai';
import { LatencyHistogram, SaturationSearch, judgeStep, parseVmRssKB, percentileOfPairs, rssPerSocketKB, type RampStep } from '../../loadtest/hub-stats.js';

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
    it('when the server falls behind what was sent, or its p99 round trip passes 100 ms, then that step is overloaded', () => {
      expect(judgeStep(step(10_000, 8_000))).to.equal('overloaded');
      expect(judgeStep(step(10_000, 10_000, { ackP99Ms: 101 }))).to.equal('overloaded');
      expect(judgeStep(step(10_000, 10_000, { ackP99Ms: 99 }))).to.equal('keeps_up');
      expect(judgeStep(step(10_000, 10_000, { ackP99Ms: null }))).to.equal('overloaded');
    });

    it('when watchers receive far less than they should, then the step is overloaded even if every fix was acknowledged', () => {
      expect(judgeStep(step(10_000, 10_000, { deliveredPerSec: 6_000, expectedDeliveredPerSec: 10_000 }))).to.equal('overloaded');
      expect(judgeStep(step(10_000, 10_000, { deliveredPerSec: 9_500, expectedDeliveredPerSec: 10_000 }))).to.equal('keeps_up');
    });

    it('when the search climbs until a step fails, then it bisects between the best pass and the lowest failure until they are within the precision', () => {
      const s = new SaturationSearch({ start: 5_000, growth: 1.25, precision: 0.05, maxProbes: 20 });
      const limit = 7_300;
      const offered: number[] = [];
      for (let rate = s.next(); rate !== null; rate = s.next()) {
        offered.push(rate);
        s.record(rate, rate <= limit ? 'keeps_up' : 'overloaded', rate - 10);
      }
      expect(offered).to.deep.equal([5_000, 6_250, 7_800, 7_050, 7_450, 7_250]);
      expect(s.result()).to.deep.equal({ maxUpdatesPerSec: 7_240, offeredPerSec: 7_250, saturated: true, probes: 6 });
    });

    it('when the first step already fails, then the search comes down before it bisects, and reports 0 when nothing keeps up', () => {
      const down = new SaturationSearch({ start: 4_000, growth: 2, precision: 0.12, maxProbes: 20 });
      const offered: number[] = [];
      for (let rate = down.next(); rate !== null; rate = down.next()) {
        offered.push(rate);
        down.record(rate, rate <= 1_500 ? 'keeps_up' : 'overloaded', rate);
      }
      expect(offered).to.deep.equal([4_000, 2_000, 1_000, 1_500, 1_750, 1_650]);
      expect(down.result().maxUpdatesPerSec).to.equal(1_500);

      const never = new SaturationSearch({ start: 1_000, growth: 2, precision: 0.1, maxProbes: 20, floor: 250 });
      for (let rate = never.next(); rate !== null; rate = never.next()) never.record(rate, 'overloaded', 0);
      expect(never.result()).to.deep.equal({ maxUpdatesPerSec: 0, offeredPerSec: 0, saturated: true, probes: 3 });
    });

    it('when a step failed while the generator stalled, then it is probed once more before it counts', () => {
      const s = new SaturationSearch({ start: 5_000, growth: 1.25, precision: 0.05, maxProbes: 3 });
      expect(s.next()).to.equal(5_000);
      s.record(5_000, 'overloaded', 4_000, { valid: false });
      expect(s.next()).to.equal(5_000);
      s.record(5_000, 'keeps_up', 4_990);
      expect(s.next()).to.equal(6_250);
      s.record(6_250, 'keeps_up', 6_240);
      expect(s.next()).to.equal(null); // out of probes before any failure: a lower bound
      expect(s.result()).to.deep.equal({ maxUpdatesPerSec: 6_240, offeredPerSec: 6_250, saturated: false, probes: 3 });
    });
  });

  describe('memory per socket', () => {
    it('when /proc status is read, then VmRSS is parsed in kB and the growth is divided per socket', () => {
      expect(parseVmRssKB('Name:\tnode\nVmPeak:\t 900 kB\nVmRSS:\t  123456 kB\nRssAnon: 1 kB\n')).to.equal(123_456);
      expect(() => parseVmRssKB('Name: x')).to.throw();
      expect(rssPerSocketKB(100_000, 300_000, 10_000)).to.equal(20);
    });
  });
});
