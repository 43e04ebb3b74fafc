import { expect } from 'chai';
import fc from 'fast-check';
import { matchGreedy, matchOptimal, type CandidatePair, type MatchResult } from '../../../domain/dispatch/matching.js';

/** Every matching, by recursion: the most deliveries matched, then the least cost. */
function bruteForce(deliveries: string[], pairs: CandidatePair[]): { matched: number; cost: number } {
  const byDelivery = new Map<string, CandidatePair[]>();
  for (const p of pairs) byDelivery.set(p.deliveryId, [...(byDelivery.get(p.deliveryId) ?? []), p]);
  let best = { matched: -1, cost: Infinity };
  const taken = new Set<string>();
  const walk = (i: number, matched: number, cost: number): void => {
    if (i === deliveries.length) {
      if (matched > best.matched || (matched === best.matched && cost < best.cost)) best = { matched, cost };
      return;
    }
    walk(i + 1, matched, cost);
    for (const p of byDelivery.get(deliveries[i]!) ?? []) {
      if (taken.has(p.courierId)) continue;
      taken.add(p.courierId);
      walk(i + 1, matched + 1, cost + p.cost);
      taken.delete(p.courierId);
    }
  };
  walk(0, 0, 0);
  return best;
}

function assertValid(r: MatchResult, deliveries: string[], pairs: CandidatePair[]): void {
  const feasible = new Map(pairs.map((p) => [`${p.deliveryId}|${p.courierId}`, p.cost]));
  const couriers = r.assignments.map((a) => a.courierId);
  expect(new Set(couriers).size, 'a courier assigned twice').to.equal(couriers.length);
  for (const a of r.assignments) {
    expect(feasible.has(`${a.deliveryId}|${a.courierId}`), `infeasible pair ${a.deliveryId}|${a.courierId}`).to.equal(true);
    expect(a.cost).to.equal(feasible.get(`${a.deliveryId}|${a.courierId}`));
  }
  const seen = [...r.assignments.map((a) => a.deliveryId), ...r.unmatched];
  expect([...seen].sort()).to.deep.equal([...deliveries].sort());
}

/** Small random instances: up to 6 deliveries × 6 couriers, each pair feasible with some probability, integer or fractional costs. */
const instance = fc
  .record({
    nd: fc.integer({ min: 1, max: 6 }),
    nc: fc.integer({ min: 0, max: 6 }),
    density: fc.double({ min: 0, max: 1, noNaN: true }),
    seed: fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.oneof(fc.integer({ min: -50, max: 500 }), fc.double({ min: 0, max: 3600, noNaN: true }))), { minLength: 36, maxLength: 36 }),
  })
  .map(({ nd, nc, density, seed }) => {
    const deliveries = Array.from({ length: nd }, (_, i) => `d${i}`);
    const pairs: CandidatePair[] = [];
    for (let i = 0; i < nd; i++) {
      for (let j = 0; j < nc; j++) {
        const [u, cost] = seed[i * 6 + j]!;
        if (u < density) pairs.push({ deliveryId: `d${i}`, courierId: `c${j}`, cost });
      }
    }
    return { deliveries, pairs };
  });

describe('dispatch batch matching', () => {
  it('when random small instances are matched, then the total cost equals the brute-force optimum, with no infeasible pair and no courier twice', () => {
    fc.assert(
      fc.property(instance, ({ deliveries, pairs }) => {
        const r = matchOptimal(deliveries, pairs);
        assertValid(r, deliveries, pairs);
        const best = bruteForce(deliveries, pairs);
        expect(r.assignments.length).to.equal(best.matched);
        expect(r.totalCost).to.be.closeTo(best.cost, 1e-6 * Math.max(1, Math.abs(best.cost)));
        const greedy = matchGreedy(deliveries, pairs);
        assertValid(greedy, deliveries, pairs);
        if (greedy.assignments.length === r.assignments.length) expect(greedy.totalCost).to.be.at.least(r.totalCost - 1e-6 * Math.max(1, Math.abs(r.totalCost)));
      }),
      { numRuns: 400 },
    );
  });

  it('when greedy takes the nearest courier first, then it pays more than the joint optimum', () => {
    // d0 is first in line and takes c0 (cost 1); d1 is then left with c1 (100). Jointly: d0→c1 (2), d1→c0 (3).
    const pairs = [
      { deliveryId: 'd0', courierId: 'c0', cost: 1 },
      { deliveryId: 'd0', courierId: 'c1', cost: 2 },
      { deliveryId: 'd1', courierId: 'c0', cost: 3 },
      { deliveryId: 'd1', courierId: 'c1', cost: 100 },
    ];
    expect(matchGreedy(['d0', 'd1'], pairs).totalCost).to.equal(101);
    const r = matchOptimal(['d0', 'd1'], pairs);
    expect(r.totalCost).to.equal(5);
    expect(r.assignments).to.deep.equal([
      { deliveryId: 'd0', courierId: 'c1', cost: 2 },
      { deliveryId: 'd1', courierId: 'c0', cost: 3 },
    ]);
  });

  it('when a cheap pair would leave another delivery without any courier, then the matcher serves both at a higher cost', () => {
    const pairs = [
      { deliveryId: 'd0', courierId: 'c0', cost: 1 },
      { deliveryId: 'd0', courierId: 'c1', cost: 1000 },
      { deliveryId: 'd1', courierId: 'c0', cost: 1 },
    ];
    const r = matchOptimal(['d0', 'd1'], pairs);
    expect(r.unmatched).to.deep.equal([]);
    expect(r.assignments.map((a) => a.courierId)).to.deep.equal(['c1', 'c0']);
  });

  it('when there are fewer couriers than deliveries, or pairs that are not finite, or unknown deliveries, then the rest stays unmatched and nothing breaks', () => {
    const pairs = [
      { deliveryId: 'd0', courierId: 'c0', cost: 5 },
      { deliveryId: 'd1', courierId: 'c0', cost: 4 },
      { deliveryId: 'd2', courierId: 'c1', cost: Number.NaN },
      { deliveryId: 'd2', courierId: 'c2', cost: Infinity },
      { deliveryId: 'zz', courierId: 'c3', cost: 1 },
    ];
    const r = matchOptimal(['d0', 'd1', 'd2', 'd1'], pairs);
    expect(r.assignments).to.deep.equal([{ deliveryId: 'd1', courierId: 'c0', cost: 4 }]);
    expect(r.unmatched).to.deep.equal(['d0', 'd2']);
    expect(matchOptimal([], pairs)).to.deep.equal({ assignments: [], unmatched: [], totalCost: 0 });
  });
});
