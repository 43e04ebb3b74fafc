/**
 * npm run bench:dispatch: one batch round of 1,000 open deliveries against
 * 5,000 available couriers in one region. Candidates come from the real geo
 * engine (CourierIndex in a private redis-server: nearest search, then each
 * candidate's state and last fix) priced by the real scoring; then the exact
 * matcher and the greedy baseline run on the same pairs. Writes
 * loadtest/results/dispatch.json in the shape the dispatch issue fixes, and
 * prints the rest (pruning, load average) for docs/dispatch.md.
 */
import { Redis } from 'ioredis';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildBatchCandidates, type BatchCourier, type BatchDelivery } from '../domain/dispatch/batch-candidates.js';
import { matchGreedy, matchOptimal } from '../domain/dispatch/matching.js';
import { candidateCost, candidateFeatures, type ScoreWeights } from '../domain/dispatch/scoring.js';
import { defaultSettings } from '../domain/platform/settings.js';
import { CourierIndex, destinationPoint, haversineEta, resolutionForDensity, type Vehicle } from '../geo/index.js';
import { startEmbeddedRedis } from '../infra/embedded-redis.js';
import { rng } from '../scripts/rng.js';

const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 1_000);
const COURIERS = Number(process.env.BENCH_COURIERS ?? 5_000);
const K = Number(process.env.BENCH_K ?? defaultSettings()['dispatch.batch'].candidatesPerDelivery);
/** A wider k, solved once outside the timings, to see what pruning to K gave up. */
const WIDE_K = Number(process.env.BENCH_WIDE_K ?? 24);
const SEED = 22;
const CITY = { lat: 33.5138, lng: 36.2765, sizeM: 12_000 };
const VEHICLES: Vehicle[] = ['bike', 'motorbike', 'car', 'van'];

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').trim();
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

function cityPoint(r: () => number) {
  const e = destinationPoint(CITY.lat, CITY.lng, (r() - 0.5) * CITY.sizeM, 90);
  return destinationPoint(e.lat, e.lng, (r() - 0.5) * CITY.sizeM, 0);
}

async function main() {
  const loadBefore = loadavg();
  const server = await startEmbeddedRedis({});
  const redis = new Redis(server.url);
  try {
    const resolution = resolutionForDensity(COURIERS / (CITY.sizeM / 1000) ** 2);
    const index = new CourierIndex({ redis, prefix: 'benchdispatch:', resolution, maxAgeS: 3_600 });
    const r = rng(SEED);
    const now = Date.now();
    const couriers = Array.from({ length: COURIERS }, (_, i) => ({ id: `c${i}`, ...cityPoint(r), vehicle: VEHICLES[i % 4]!, lastJobEndedAt: now - Math.floor(r() * 3_600_000), offered: Math.floor(r() * 40) }));
    const stores = Array.from({ length: 150 }, (_, i) => ({ id: `s${i}`, ...cityPoint(r) }));
    const deliveries: BatchDelivery[] = Array.from({ length: DELIVERIES }, (_, i) => {
      const store = stores[Math.floor(r() * stores.length)]!;
      return { deliveryId: `d${i}`, storeId: store.id, pickup: { lat: store.lat, lng: store.lng }, dropoff: cityPoint(r), readyAtMs: now + Math.floor(r() * 15) * 60_000, promisedByMs: now + 45 * 60_000 };
    });
    for (let i = 0; i < couriers.length; i += 1_000) {
      const chunk = couriers.slice(i, i + 1_000);
      await Promise.all(chunk.map((c) => index.setState(c.id, { status: 'available', vehicle: c.vehicle, capacity: 2, load: 0 })));
      await index.applyFixes(chunk.map((c) => ({ courierId: c.id, lat: c.lat, lng: c.lng, ts: now - 1_000 })));
    }
    const settings = defaultSettings();
    const weights: ScoreWeights = { ...settings['dispatch.weights'], scales: settings['dispatch.scoreScales'] };
    const record = new Map(couriers.map((c) => [c.id, c]));
    const cost = (d: BatchDelivery, c: BatchCourier, etaToPickupS: number) => {
      const rec = record.get(c.courierId)!;
      const offers = { offered: rec.offered, accepted: Math.floor(rec.offered * 0.8) };
      return candidateCost(candidateFeatures({ now, etaToPickupS, readyAt: d.readyAtMs, lastJobEndedAt: rec.lastJobEndedAt, onlineSince: null, offers }), weights);
    };
    const deps = { locator: index, etaS: (p: { lat: number; lng: number }, q: { lat: number; lng: number }, v: Vehicle) => haversineEta(p, q, v).durationS, cost };

    // Warm-up round (JIT, planner caches), as a worker that has been running a while would be.
    matchOptimal(deliveries.map((d) => d.deliveryId), (await buildBatchCandidates(deps, deliveries.slice(0, 100), { k: K, radiusM: 10_000 })).pairs);

    const ids = deliveries.map((d) => d.deliveryId);
    const t0 = performance.now();
    const candidates = await buildBatchCandidates(deps, deliveries, { k: K, radiusM: 10_000 });
    const t1 = performance.now();
    const batch = matchOptimal(ids, candidates.pairs);
    const t2 = performance.now();
    const greedy = matchGreedy(ids, candidates.pairs);
    const t3 = performance.now();
    const buildMs = t1 - t0;
    const result = {
      deliveries: DELIVERIES,
      couriers: COURIERS,
      buildMs: round(buildMs),
      solveMs: round(t2 - t1),
      totalMs: round(t2 - t0),
      cost: round(batch.totalCost, 3),
      greedy: { totalMs: round(buildMs + (t3 - t2)), cost: round(greedy.totalCost, 3) },
    };
    const loadAfter = loadavg();

    const wide = await buildBatchCandidates(deps, deliveries, { k: WIDE_K, radiusM: 10_000 });
    const w0 = performance.now();
    const wideBatch = matchOptimal(ids, wide.pairs);
    const wideSolveMs = performance.now() - w0;

    mkdirSync(path.join(__dirname, 'results'), { recursive: true });
    writeFileSync(path.join(__dirname, 'results', 'dispatch.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result));
    console.log(
      JSON.stringify({
        k: K,
        pairs: candidates.pairs.length,
        matched: batch.assignments.length,
        greedyMatched: greedy.assignments.length,
        greedySolveMs: round(t3 - t2),
        greedyOverBatch: round((greedy.totalCost / batch.totalCost - 1) * 100, 2) + ' %',
        wideK: WIDE_K,
        wideCost: round(wideBatch.totalCost, 3),
        wideMatched: wideBatch.assignments.length,
        wideSolveMs: round(wideSolveMs),
        pruningGap: round((batch.totalCost / wideBatch.totalCost - 1) * 100, 3) + ' %',
        indexResolution: resolution,
        loadavgBefore: loadBefore,
        loadavgAfter: loadAfter,
      }),
    );
  } finally {
    redis.disconnect();
    await server.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
