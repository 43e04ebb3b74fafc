import { expect } from 'chai';
import { DEFAULT_SIM, RUNS, runDay, type RunResult, type SimOptions } from '../../../loadtest/sim/run.js';

/**
 * `npm run simulate` in miniature: one run of a tiny day through the real app
 * (its own app, redis-server and demo city), so the simulator and the offer
 * flow it drives keep working together. A few orders in a minute and a half of
 * simulated time, at ×100, with couriers starting near the stores.
 */
const TINY: Omit<SimOptions, 'log'> = {
  ...DEFAULT_SIM,
  seed: 3,
  stores: 3,
  customers: 6,
  products: 3,
  couriers: 3,
  compression: 100,
  day: { ...DEFAULT_SIM.day, minutes: 1.5, ordersPerMinute: 2, prepMinutes: [1, 2], confirmSeconds: [5, 10], nearestStores: 1, maxLines: 3 },
  drainMinutes: 40,
  acceptProbability: 0.7,
  stopSeconds: 10,
  fleetSpreadM: 300,
  reportEveryS: 1,
};

describe('city simulation (npm run simulate), a tiny day through the real app', function () {
  this.timeout(90_000); // the app's start: a few seconds on a calm box, much more at load 17
  const lines: string[] = [];
  let run: RunResult;

  before(async () => {
    run = await runDay({ ...TINY, log: (l) => lines.push(l) }, RUNS.find((r) => r.name === 'greedy')!);
  });

  it('when the day is played, then every planned order is placed over the API, offered to couriers on /courier and delivered', () => {
    expect(run.planned, 'orders planned').to.be.at.least(2);
    expect(run.orders.errors.concat(run.couriers.errors)).to.deep.equal([]);
    expect(run.figures.placed).to.equal(run.planned);
    expect(run.figures.delivered).to.equal(run.planned);
    expect(run.couriers.accepts).to.be.at.least(1);
    expect(run.couriers.offers).to.be.at.least(run.couriers.accepts + run.couriers.declines);
    expect(run.couriers.fixes).to.be.greaterThan(10);
  });

  // This tiny day opens two deliveries together with one free courier near: both used to be offered to that
  // courier and both accepts succeeded. Rounds now count open offers against capacity and an accept past
  // capacity is refused.
  it('when the server records are read, then the figures are in simulated time and nothing was assigned twice or over capacity', () => {
    expect(run.doubleAssignments).to.equal(0);
    expect(run.overCapacity).to.equal(0);
    expect(run.mostHeld).to.be.at.least(1);
    expect(run.figures.meanDeliveryMin).to.be.within(1, 120);
    expect(run.figures.meanTimeToAssignS).to.be.at.least(0);
    expect(run.figures.utilisation).to.be.within(0.01, 1);
    expect(run.figures.stats.acceptanceRate).to.be.within(0, 1);
  });

  it('when it runs, then it prints the dispatch figures as it goes', () => {
    const progress = lines.filter((l) => l.startsWith('[greedy'));
    expect(progress.length).to.be.at.least(2);
    for (const figure of ['delivered', 'assign', 'offer→accept', 'accepted', 'reassign/order', 'utilisation', 'wait@store', 'on time']) expect(progress.at(-1)).to.contain(figure);
  });
});
