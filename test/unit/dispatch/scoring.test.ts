import { expect } from 'chai';
import { acceptanceRateOf, candidateCost, candidateFeatures, rankCandidates, type CandidateFeatures, type ScoreWeights } from '../../../domain/dispatch/scoring.js';
import { defaultSettings, parseSettingValue } from '../../../domain/platform/settings.js';

const weights: ScoreWeights = { ...defaultSettings()['dispatch.weights'], scales: defaultSettings()['dispatch.scoreScales'] };
const base: CandidateFeatures = { etaToPickupS: 300, waitAtStoreS: 0, idleS: 600, acceptanceRate: 0.8 };

describe('dispatch scoring', () => {
  it('when a courier is nearer, then their cost is lower, all else equal', () => {
    expect(candidateCost({ ...base, etaToPickupS: 120 }, weights)).to.be.lessThan(candidateCost(base, weights));
  });

  it('when a courier would wait longer at the store, then their cost is higher', () => {
    expect(candidateCost({ ...base, waitAtStoreS: 600 }, weights)).to.be.greaterThan(candidateCost(base, weights));
  });

  it('when a courier has been idle longer, then their cost is lower (fairness), and past the idle scale it stops falling', () => {
    const s = weights.scales.idleS;
    expect(candidateCost({ ...base, idleS: 1200 }, weights)).to.be.lessThan(candidateCost(base, weights));
    expect(candidateCost({ ...base, idleS: s * 2 }, weights)).to.equal(candidateCost({ ...base, idleS: s }, weights));
  });

  it('when a courier accepts more offers, then their cost is lower', () => {
    expect(candidateCost({ ...base, acceptanceRate: 1 }, weights)).to.be.lessThan(candidateCost({ ...base, acceptanceRate: 0.2 }, weights));
  });

  it('when a weight is 0, then its feature has no effect', () => {
    const w: ScoreWeights = { ...weights, eta: 0.8, waitAtStore: 0, idle: 0.1, acceptanceRate: 0.1 };
    expect(candidateCost({ ...base, waitAtStoreS: 5000 }, w)).to.equal(candidateCost(base, w));
  });

  it('when the features are the best possible, then the cost is 0, and it is never negative', () => {
    expect(candidateCost({ etaToPickupS: 0, waitAtStoreS: 0, idleS: weights.scales.idleS, acceptanceRate: 1 }, weights)).to.equal(0);
    expect(candidateCost({ etaToPickupS: -5, waitAtStoreS: -5, idleS: -5, acceptanceRate: 3 }, weights)).to.be.at.least(0);
  });

  it('when a feature is not a finite number, then candidateCost throws instead of ranking garbage', () => {
    expect(() => candidateCost({ ...base, etaToPickupS: Number.NaN }, weights)).to.throw(RangeError, /etaToPickupS/);
    expect(() => candidateCost({ ...base, idleS: Number.POSITIVE_INFINITY }, weights)).to.throw(RangeError, /idleS/);
  });

  it('when features are built, then the wait at the store is the time the food is ready after the courier arrives, never negative', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    const f = candidateFeatures({ now, etaToPickupS: 120, readyAt: now + 600_000, lastJobEndedAt: now - 300_000, onlineSince: now - 3_600_000, offers: { offered: 0, accepted: 0 } });
    expect(f).to.deep.equal({ etaToPickupS: 120, waitAtStoreS: 480, idleS: 300, acceptanceRate: acceptanceRateOf({ offered: 0, accepted: 0 }) });
    expect(candidateFeatures({ now, etaToPickupS: 900, readyAt: now + 60_000, lastJobEndedAt: null, onlineSince: now - 200_000, offers: { offered: 10, accepted: 10 } })).to.include({ waitAtStoreS: 0, idleS: 200 });
    expect(candidateFeatures({ now, etaToPickupS: 900, readyAt: null, lastJobEndedAt: null, onlineSince: null, offers: { offered: 1, accepted: 1 } })).to.include({ waitAtStoreS: 0, idleS: 0 });
  });

  it('when a courier has no record, then the acceptance rate is the prior; with a long record it approaches their own rate', () => {
    expect(acceptanceRateOf({ offered: 0, accepted: 0 })).to.equal(0.8);
    expect(acceptanceRateOf({ offered: 1000, accepted: 100 })).to.be.closeTo(0.1, 0.01);
    expect(acceptanceRateOf({ offered: 2, accepted: 0 })).to.be.greaterThan(0.4);
  });

  it('when candidates are ranked, then the cheapest comes first and ties keep a stable order by courier id', () => {
    const ranked = rankCandidates(
      [
        { courierId: 'c', features: { ...base, etaToPickupS: 600 } },
        { courierId: 'b', features: base },
        { courierId: 'a', features: base },
      ],
      weights,
    );
    expect(ranked.map((r) => r.courierId)).to.deep.equal(['a', 'b', 'c']);
    expect(ranked[0]!.cost).to.equal(candidateCost(base, weights));
  });

  it('when the weights setting omits waitAtStore (a value stored before it existed), then it reads as 0 and still must add up to 1', () => {
    expect(parseSettingValue('dispatch.weights', { eta: 0.7, idle: 0.2, acceptanceRate: 0.1 })).to.deep.equal({ eta: 0.7, waitAtStore: 0, idle: 0.2, acceptanceRate: 0.1 });
    expect(() => parseSettingValue('dispatch.weights', { eta: 0.7, waitAtStore: 0.2, idle: 0.2, acceptanceRate: 0.1 })).to.throw(/Invalid value/);
    expect(() => parseSettingValue('dispatch.scoreScales', { etaS: 0, waitAtStoreS: 900, idleS: 1800 })).to.throw(/Invalid value/);
  });
});
