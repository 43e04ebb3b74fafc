import { expect } from 'chai';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Redis } from 'ioredis';
import { cellToLatLng, getPentagons } from 'h3-js';
import { CourierIndex, destinationPoint } from '../../../geo/index.js';
import { MAX_RADIUS_M } from '../../../geo/nearest.js';
import { GEOM_CACHE_BYTES, HierarchyWalk, NearestPlanner, PLAN_CACHE_BYTES } from '../../../geo/plan.js';
import { uniquePrefix, usePrivateRedis } from '../../helpers/redis.js';
import { setStates } from '../../helpers/fleet.js';

/**
 * Two measures of how long one query holds the event loop. Before the
 * planner was bounded, one query beside a pentagon held it 167 ms at res 7,
 * 973 ms at res 8 and 8.5 s at res 9.
 *
 * - The CPU time of each synchronous planning call (a ring plan or one batch
 *   of the hierarchy walk): the typical call stays within a few ms, none
 *   beyond MAX_PLAN_CPU_MS. CPU time, because on a loaded 2-core box the
 *   scheduler alone stretches wall time (it counts GC helper threads too,
 *   hence the headroom).
 * - The event-loop delay (perf_hooks) of each whole query, which also covers
 *   decoding and I/O callbacks, against a bound the scheduler on a box at load
 *   12 stays under (measured up to 90 ms there; 12-24 ms at load 3-4).
 */
const MEDIAN_PLAN_CPU_MS = 5;
const MAX_PLAN_CPU_MS = 80;
const MAX_LOOP_DELAY_MS = 250;

/**
 * Distinct wide queries of the heap test, and the most the heap may grow over them: the planner's
 * byte-bounded caches (given 1/8 of the production budgets, 8 + 1 MB as estimated) and the planner's
 * count-bounded ones, plus slack. Measured (load 7): 11.3 MB at 1,000 queries, 11.6 MB at 2,500.
 */
const QUERIES = 2_500;
const MAX_HEAP_GROWTH_MB = 16;
/** Once the caches are full (by query PLATEAU_FROM), the heap may grow by at most this much more: about 1.4 KB per query over the rest. Measured: 0.3 MB. */
const PLATEAU_FROM = 1_000;
const MAX_PLATEAU_GROWTH_MB = 2;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('geo nearest search cost anywhere on Earth (private redis)', function () {
  this.timeout(300_000);
  let redis: Redis;
  const NOW = 1_700_000_000_000;
  usePrivateRedis((client) => (redis = client));

  /** CPU ms of every synchronous planning call made while `fn` runs (the real planner, timed where it is called). */
  async function planningCpu(fn: () => Promise<void>): Promise<number[]> {
    const spent: number[] = [];
    const timed = <A extends unknown[], R>(f: (...a: A) => R) =>
      function (this: unknown, ...a: A): R {
        const cpu = process.cpuUsage();
        try {
          return f.apply(this, a);
        } finally {
          const used = process.cpuUsage(cpu);
          spent.push((used.user + used.system) / 1000);
        }
      };
    const { candidates } = NearestPlanner.prototype;
    const { take } = HierarchyWalk.prototype;
    NearestPlanner.prototype.candidates = timed(candidates);
    HierarchyWalk.prototype.take = timed(take);
    try {
      await fn();
    } finally {
      NearestPlanner.prototype.candidates = candidates;
      HierarchyWalk.prototype.take = take;
    }
    return spent.sort((a, b) => a - b);
  }

  for (const res of [7, 8, 9]) {
    it(`when wide searches start at and around each of the 12 pentagons at res ${res}, then a planning call typically takes under ${MEDIAN_PLAN_CPU_MS} ms of CPU, none over ${MAX_PLAN_CPU_MS} ms, and no query delays the event loop over ${MAX_LOOP_DELAY_MS} ms`, async () => {
      const index = new CourierIndex({ redis, prefix: uniquePrefix('pent'), clock: () => NOW, resolution: res, regionResolution: 3 });
      // a few couriers beside some pentagons, so searches both stop early and run to the radius
      const pentagons = getPentagons(0).map((p) => cellToLatLng(p));
      const near = pentagons.slice(0, 6).flatMap(([lat, lng], i) => [1, 2].map((j) => ({ courierId: `p${i}-${j}`, ...destinationPoint(lat, lng, 4_000 * j, 70 * j) })));
      await setStates(index, near.map((f) => [f.courierId, { status: 'available', vehicle: 'car', capacity: 1, load: 0 }] as const));
      await index.applyFixes(near.map((f) => ({ ...f, ts: NOW - 1000 })));
      const starts = [{ lat: 64.7, lng: 10.5362 }, ...pentagons.flatMap(([lat, lng]) => [0, 2_000, 15_000].map((d, k) => destinationPoint(lat, lng, d, 45 + k * 120)))];
      // a first query elsewhere compiles the code paths (JIT, H3's wasm): steady state is what is measured
      await index.nearestCouriers({ lat: 33.5, lng: 36.3, radiusM: MAX_RADIUS_M, limit: 50, filter: { status: 'available' } });
      const h = monitorEventLoopDelay({ resolution: 1 });
      h.enable();
      let worstDelay = 0;
      const cpu = await planningCpu(async () => {
        for (const at of starts) {
          h.reset();
          await index.nearestCouriers({ ...at, radiusM: MAX_RADIUS_M, limit: 50, filter: { status: 'available' } });
          worstDelay = Math.max(worstDelay, h.max / 1e6);
          expect(h.max / 1e6, `query at ${at.lat},${at.lng}`).to.be.below(MAX_LOOP_DELAY_MS);
        }
      });
      h.disable();
      const median = cpu[Math.floor(cpu.length / 2)] as number;
      const max = cpu.at(-1) as number;
      console.log(`      res ${res}: ${cpu.length} planning calls, CPU median ${median.toFixed(2)} ms, max ${max.toFixed(1)} ms; worst event-loop delay of a query ${worstDelay.toFixed(1)} ms`);
      expect(median).to.be.below(MEDIAN_PLAN_CPU_MS);
      expect(max).to.be.below(MAX_PLAN_CPU_MS);
    });
  }

  it(`when distinct wide searches run past the planner's cache budgets, then the caches fill to their budgets and stay there, and the heap grows by less than ${MAX_HEAP_GROWTH_MB} MB`, async () => {
    // res 7 is what a sparse fleet uses, and a sparse fleet is where searches widen to the radius.
    // The planner gets 1/8 of the production byte budgets, so that the caches fill (and must evict)
    // within a few thousand queries: what is proven is that they stop at their budget, whatever it is.
    const planner = new NearestPlanner(7, 3, { planCacheBytes: PLAN_CACHE_BYTES / 8, geomCacheBytes: GEOM_CACHE_BYTES / 8 });
    const budget = PLAN_CACHE_BYTES / 8 + GEOM_CACHE_BYTES / 8;
    const index = new CourierIndex({ redis, prefix: uniquePrefix('heap'), clock: () => NOW, resolution: 7, regionResolution: 3, planner });
    let x = 20261205;
    const rnd = () => ((x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 4294967296);
    const point = () => ({ lat: (Math.asin(2 * rnd() - 1) * 180) / Math.PI, lng: rnd() * 360 - 180 });
    for (let i = 0; i < 50; i++) await index.nearestCouriers({ ...point(), radiusM: MAX_RADIUS_M, limit: 10, filter: { status: 'available' } });
    gc();
    const before = process.memoryUsage().heapUsed;
    let growth = 0;
    let atPlateau = 0;
    let fullAt = 0;
    for (let i = 1; i <= QUERIES; i++) {
      await index.nearestCouriers({ ...point(), radiusM: MAX_RADIUS_M, limit: 10, filter: { status: 'available' } });
      expect(planner.cachedBytes, `cached bytes after ${i} queries`).to.be.at.most(budget);
      if (!fullAt && planner.cachedBytes >= 0.9 * budget) fullAt = i;
      if (i % 250 === 0) {
        gc();
        growth = (process.memoryUsage().heapUsed - before) / 2 ** 20;
        expect(growth, `after ${i} queries`).to.be.below(MAX_HEAP_GROWTH_MB);
        if (i === PLATEAU_FROM) atPlateau = growth;
      }
    }
    console.log(`      caches at 90 % of their ${(budget / 2 ** 20).toFixed(0)} MB budget after ${fullAt} queries; heap growth ${atPlateau.toFixed(1)} MB after ${PLATEAU_FROM} queries, ${growth.toFixed(1)} MB after ${QUERIES}`);
    expect(growth - atPlateau, `heap growth from query ${PLATEAU_FROM} to ${QUERIES}, with the caches full`).to.be.below(MAX_PLATEAU_GROWTH_MB);
    // the budget was reached early enough that most queries ran against full, evicting caches
    expect(fullAt, 'the caches never filled: the bound was not exercised').to.be.greaterThan(0).and.below(PLATEAU_FROM);
  });
});
