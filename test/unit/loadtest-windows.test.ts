import { expect } from 'chai';
import { alternatingPlan, median, pairedDelta, pairedRatio, sideMedian, windowValidity, type WindowRecord } from '../../loadtest/bench-windows.js';

const win = (side: string, rate: number, round: number, value: number, valid = true): WindowRecord & { value: number } => ({ side, rate, round, valid, value });

describe('bench windows (loadtest/bench-windows.ts)', () => {
  describe('alternating plan', () => {
    it('when three sides and two rates run three rounds, then each round runs every side at a rate before the next rate, in the order a, b, c', () => {
      const plan = alternatingPlan({ sides: ['a', 'b', 'c'], rates: [3000, 5000], rounds: 2, windowS: 30 });
      expect(plan.map((p) => `${p.round}:${p.side}@${p.rate}`)).to.deep.equal([
        '0:a@3000', '0:b@3000', '0:c@3000', '0:a@5000', '0:b@5000', '0:c@5000',
        '1:a@3000', '1:b@3000', '1:c@3000', '1:a@5000', '1:b@5000', '1:c@5000',
      ]);
      expect(plan.every((p) => p.windowS === 30)).to.equal(true);
    });

    it('when a window of its own is asked per round, then it closes each round, so its windows are spread over the run', () => {
      const plan = alternatingPlan({ sides: ['a', 'c'], rates: [5000], rounds: 3, windowS: 30, perRound: { side: 'c', rate: 2500, windowS: 60 } });
      expect(plan.map((p) => `${p.round}:${p.side}@${p.rate}/${p.windowS}`)).to.deep.equal([
        '0:a@5000/30', '0:c@5000/30', '0:c@2500/60',
        '1:a@5000/30', '1:c@5000/30', '1:c@2500/60',
        '2:a@5000/30', '2:c@5000/30', '2:c@2500/60',
      ]);
    });
  });

  describe('median', () => {
    it('when the count is odd, even or zero, then the middle, the mean of the two middles, or null', () => {
      expect(median([9, 1, 5])).to.equal(5);
      expect(median([4, 1, 3, 2])).to.equal(2.5);
      expect(median([])).to.equal(null);
    });

    it('when a side has invalid windows, then its median is over the valid ones only, and null when none is valid', () => {
      const ws = [win('a', 5000, 0, 10), win('a', 5000, 1, 900, false), win('a', 5000, 2, 30), win('a', 3000, 0, 1)];
      expect(sideMedian(ws, 'a', 5000, (w) => w.value)).to.equal(20);
      expect(sideMedian([win('a', 5000, 0, 1, false)], 'a', 5000, (w) => w.value)).to.equal(null);
    });
  });

  describe('paired comparisons', () => {
    const ws = [
      win('a', 5000, 0, 100), win('c', 5000, 0, 120),
      win('a', 5000, 1, 200), win('c', 5000, 1, 260), // a slow round: both sides slower, the ratio holds
      win('a', 5000, 2, 100), win('c', 5000, 2, 999, false),
    ];

    it('when two sides ran in the same rounds, then the ratio is the median of the per-round ratios, skipping a round with an invalid window', () => {
      expect(pairedRatio(ws, 'c', 'a', 5000, (w) => w.value)).to.equal(1.25);
    });

    it('when the difference is asked, then it is the median of the per-round differences', () => {
      expect(pairedDelta(ws, 'c', 'a', 5000, (w) => w.value)).to.equal(40);
    });

    it('when no round has both sides valid, then there is no ratio', () => {
      expect(pairedRatio([win('a', 5000, 0, 1), win('c', 5000, 1, 2)], 'c', 'a', 5000, (w) => w.value)).to.equal(null);
    });
  });

  describe('validity', () => {
    const gen = { loopDelayP99Ms: 12, loopDelayMaxMs: 40, shortfall: 0, sent: 150_000 };

    it('when every generator kept its event loop free and sent on schedule, then the window is valid', () => {
      expect(windowValidity([gen, gen])).to.deep.equal({ valid: true, reasons: [] });
    });

    it('when one generator stalled or fell behind its schedule, then the window is invalid and says why', () => {
      const v = windowValidity([gen, { ...gen, loopDelayMaxMs: 400 }, { ...gen, loopDelayP99Ms: 80, shortfall: 5_000 }]);
      expect(v.valid).to.equal(false);
      expect(v.reasons).to.deep.equal([
        'generator 1: event-loop stall of 400 ms (> 250)',
        'generator 2: event-loop delay p99 80 ms (> 50)',
        'generator 2: 5000 fixes behind schedule (3.2 % > 1 %)',
      ]);
    });
  });
});
