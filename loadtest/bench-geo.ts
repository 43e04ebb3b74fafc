/**
 * `npm run bench:geo`: the geo engine against Redis GEOSEARCH, in one run, on a
 * private redis-server. See docs/geo.md for how to read the figures.
 *
 * For each fleet (10k, 100k couriers, 80 % available, uniform over a 30 km city):
 *  1. home every courier (state + first fix), then measure pipelined fix throughput;
 *  2. load the same available positions into a GEO key;
 *  3. nearest-10 within 3 km: 16 concurrent clients split over 2 generator
 *     processes, same design and same seeded query points for both sides;
 *  4. recall of both against brute force on 500 seeded queries.
 * Then the worst case of one query: MAX_RADIUS_M around every H3 pentagon at
 * res 7-9 on an empty index (nothing found, so the search reads to the radius).
 */
import { fork } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { startEmbeddedRedis } from '../infra/embedded-redis.js';
import { getPentagons, cellToLatLng } from 'h3-js';
import { CourierIndex, MAX_RADIUS_M, destinationPoint, haversineM, resolutionForDensity, type Fix } from '../geo/index.js';
import { HierarchyWalk, NearestPlanner } from '../geo/plan.js';
import { CITY, VEHICLE_MIX, cityPoint, rng } from './geo-fleet.js';

const FLEETS = (process.env.BENCH_FLEETS ?? '10000,100000').split(',').map(Number);
const CLIENTS = 16;
const PROCS = Number(process.env.BENCH_PROCS ?? 2);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 3000);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 10_000);
const UPDATE_ROUNDS = 3;

interface Courier { id: string; lat: number; lng: number; available: boolean }

/** Total Redis-side µs spent in commands so far (INFO commandstats), to split server from client cost. */
async function redisUsec(redis: Redis): Promise<{ usec: number; calls: number }> {
  const info = await redis.info('commandstats');
  let usec = 0;
  let calls = 0;
  for (const m of info.matchAll(/cmdstat_(evalsha|eval|geosearch|mget):calls=(\d+),usec=(\d+)/g)) {
    calls += Number(m[2]);
    usec += Number(m[3]);
  }
  return { usec, calls };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

/** read()/write() system calls a process has made so far (/proc/<pid>/io). */
function procSyscalls(pid: number): { reads: number; writes: number } {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    return { reads: Number(/syscr: (\d+)/.exec(io)?.[1]), writes: Number(/syscw: (\d+)/.exec(io)?.[1]) };
  } catch {
    return { reads: NaN, writes: NaN };
  }
}

/** CPU time (user + system, µs) a process has used so far, from /proc (10 ms ticks). */
function procCpuUs(pid: number): number {
  try {
    const f = (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ');
    return (Number(f[11]) + Number(f[12])) * 10_000;
  } catch {
    return NaN;
  }
}

async function load(mode: 'nearest' | 'geosearch', port: number, redisPid: number, prefix: string, resolution: number, geoKey: string) {
  const per = CLIENTS / PROCS;
  const workers = Array.from({ length: PROCS }, (_, i) =>
    fork(path.join(__dirname, 'geo-load-worker.ts'), [JSON.stringify({ mode, port, prefix, resolution, geoKey, seed: 1000 + i, concurrency: per, warmupMs: WARMUP_MS, durationMs: DURATION_MS })], {
      // BENCH_CPU_PROF=<dir>: a V8 CPU profile per generator process (node --cpu-prof)
      execArgv: ['--require', 'tsx/cjs', ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [])],
    }),
  );
  await new Promise((r) => setTimeout(r, 1500)); // let every worker connect and load h3 before the start signal
  type WorkerResult = { latencies: number[]; durationMs: number; cpuUs: number; reads: number; writes: number };
  const results = workers.map((w) => new Promise<WorkerResult>((resolve, reject) => {
    w.once('message', (m) => resolve(m as WorkerResult));
    w.once('error', reject);
    w.once('exit', (code) => code && reject(new Error(`worker exited ${code}`)));
  }));
  workers.forEach((w) => w.send('go'));
  let redisCpu0 = 0;
  let redisSys0 = procSyscalls(redisPid);
  const cpuTimer = setTimeout(() => {
    redisCpu0 = procCpuUs(redisPid);
    redisSys0 = procSyscalls(redisPid);
  }, WARMUP_MS);
  const done = await Promise.all(results);
  const redisCpuUs = procCpuUs(redisPid) - redisCpu0;
  const redisSys = procSyscalls(redisPid);
  clearTimeout(cpuTimer);
  const all = done.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const genCpuUs = done.reduce((s, r) => s + r.cpuUs, 0);
  return {
    qps: round(all.length / (DURATION_MS / 1000), 0),
    p50Ms: round(pct(all, 50)),
    p99Ms: round(pct(all, 99)),
    samples: all.length,
    // CPU per query in the measured window: the two sides of a 2-core box
    redisCpuUsPerQuery: round(redisCpuUs / all.length, 1),
    generatorCpuUsPerQuery: round(genCpuUs / all.length, 1),
    // system calls per query: how well the auto-pipelined connections batch
    generatorWritesPerQuery: round(done.reduce((s, r) => s + r.writes, 0) / all.length, 3),
    generatorReadsPerQuery: round(done.reduce((s, r) => s + r.reads, 0) / all.length, 3),
    redisWritesPerQuery: round((redisSys.writes - redisSys0.writes) / all.length, 3),
    redisReadsPerQuery: round((redisSys.reads - redisSys0.reads) / all.length, 3),
  };
}

async function fleetRun(port: number, redisPid: number, n: number) {
  const redis = new Redis(port, '127.0.0.1');
  const prefix = `bench${n}:`;
  const resolution = resolutionForDensity(n / ((CITY.sizeM / 1000) ** 2));
  const index = new CourierIndex({ redis, prefix, resolution });
  const r = rng(n);
  const couriers: Courier[] = Array.from({ length: n }, (_, i) => ({ id: `c${i}`, ...cityPoint(r), available: r() < 0.8 }));

  // home: state + first fix (the slow, once-per-courier path)
  let ts = Date.now() - 60_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i += 2000) {
    const chunk = couriers.slice(i, i + 2000);
    await Promise.all(chunk.map((c, j) => index.setState(c.id, { status: c.available ? 'available' : 'busy', vehicle: VEHICLE_MIX[j % 4] as (typeof VEHICLE_MIX)[number], capacity: 3, load: c.available ? 0 : 1 })));
    await Promise.all([0, 1, 2, 3].map((k) => index.applyFixes(chunk.filter((_, j) => j % 4 === k).map((c) => ({ courierId: c.id, lat: c.lat, lng: c.lng, ts })))));
  }
  const homeS = (performance.now() - t0) / 1000;

  // update throughput: every courier moves ≤ 25 m per round, batches of 1000, 4 batches in flight
  let fixes = 0;
  const us0 = await redisUsec(redis);
  const u0 = performance.now();
  for (let round_ = 0; round_ < UPDATE_ROUNDS; round_++) {
    ts += 1000;
    const batch: Fix[] = couriers.map((c) => {
      c.lat += (r() - 0.5) * 0.00045;
      c.lng += (r() - 0.5) * 0.00054;
      return { courierId: c.id, lat: c.lat, lng: c.lng, ts, accuracy: 8 };
    });
    const batches: Fix[][] = [];
    for (let i = 0; i < batch.length; i += 1000) batches.push(batch.slice(i, i + 1000));
    let next = 0;
    await Promise.all([0, 1, 2, 3].map(async () => {
      while (next < batches.length) {
        const b = batches[next++] as Fix[];
        const res = await index.applyFixes(b);
        fixes += res.filter((x) => x.outcome === 'applied').length;
      }
    }));
  }
  const updatesPerSec = round(fixes / ((performance.now() - u0) / 1000), 0);
  const updateRedisUsPerFix = round(((await redisUsec(redis)).usec - us0.usec) / fixes, 2);

  // the baseline key: same available couriers, same positions
  const geoKey = `${prefix}geosearch`;
  for (let i = 0; i < n; i += 5000) {
    const args: (string | number)[] = [];
    for (const c of couriers.slice(i, i + 5000)) if (c.available) args.push(c.lng, c.lat, c.id);
    if (args.length) await redis.call('GEOADD', geoKey, ...args);
  }

  // recall vs brute force (500 seeded queries)
  const qr = rng(7);
  const avail = couriers.filter((c) => c.available);
  let hitsOurs = 0;
  let hitsGeo = 0;
  let expected = 0;
  for (let q = 0; q < 500; q++) {
    const p = cityPoint(qr);
    const truth = avail.map((c) => ({ id: c.id, d: haversineM(p.lat, p.lng, c.lat, c.lng) })).filter((x) => x.d <= 3000).sort((a, b) => a.d - b.d).slice(0, 10);
    const ours = await index.nearestCouriers({ lat: p.lat, lng: p.lng, radiusM: 3000, limit: 10, filter: { status: 'available' }, maxAgeS: 3600 });
    const geo = (await redis.call('GEOSEARCH', geoKey, 'FROMLONLAT', p.lng, p.lat, 'BYRADIUS', 3000, 'm', 'ASC', 'COUNT', 10)) as string[];
    const t = new Set(truth.map((x) => x.id));
    expected += truth.length;
    hitsOurs += ours.filter((x) => t.has(x.courierId)).length;
    hitsGeo += geo.filter((id) => t.has(id)).length;
  }

  const n0 = await redisUsec(redis);
  const nearest = await load('nearest', port, redisPid, prefix, resolution, geoKey);
  const n1 = await redisUsec(redis);
  const geosearch = await load('geosearch', port, redisPid, prefix, resolution, geoKey);
  const n2 = await redisUsec(redis);
  // server time per query over the whole load phase (warm-up included)
  const perQuery = (a: { usec: number; calls: number }, b: { usec: number; calls: number }) => round((b.usec - a.usec) / Math.max(1, b.calls - a.calls), 1);
  const mem = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
  redis.disconnect();
  return {
    couriers: n,
    available: avail.length,
    resolution,
    homeSeconds: round(homeS, 1),
    updatesPerSec,
    updateRedisUsPerFix,
    nearest: { ...nearest, recall: round(hitsOurs / expected, 4), redisUsPerCall: perQuery(n0, n1) },
    geosearch: { ...geosearch, recall: round(hitsGeo / expected, 4), redisUsPerCall: perQuery(n1, n2) },
    ratio: round(nearest.qps / geosearch.qps, 2),
    redisUsedMemoryMB: round(mem / 1e6, 1),
  };
}

/**
 * The slowest queries there are: MAX_RADIUS_M, an empty index (the search
 * reads every cell to the radius), beside each of the 12 pentagons and the
 * point of the first report, at res 7, 8 and 9. Records the longest
 * synchronous planning call (ring plan or one hierarchy batch), the whole
 * query's wall time, the cells read and Redis's time in MGET per query.
 */
async function worstCase(port: number) {
  const redis = new Redis({ port });
  let longestPlanMs = 0;
  let longestPlanCpuMs = 0;
  let cells = 0;
  // wall time counts the time the scheduler takes this process off a loaded box; CPU time does not
  const timed = <A extends unknown[], R>(f: (...a: A) => R, count: (r: R) => number) =>
    function (this: unknown, ...a: A): R {
      const t = performance.now();
      const cpu = process.cpuUsage();
      const r = f.apply(this, a);
      const used = process.cpuUsage(cpu);
      longestPlanMs = Math.max(longestPlanMs, performance.now() - t);
      longestPlanCpuMs = Math.max(longestPlanCpuMs, (used.user + used.system) / 1000);
      cells += count(r);
      return r;
    };
  const { candidates } = NearestPlanner.prototype;
  const { take } = HierarchyWalk.prototype;
  NearestPlanner.prototype.candidates = timed(candidates, (r) => r.cells.length);
  HierarchyWalk.prototype.take = timed(take, (r) => r.cells.length);
  const out = [];
  try {
    const starts = [{ lat: 64.7, lng: 10.5362 }, ...getPentagons(0).flatMap((p) => [0, 2_000, 15_000].map((d, k) => destinationPoint(...cellToLatLng(p), d, 45 + k * 120)))];
    for (const resolution of [7, 8, 9]) {
      const index = new CourierIndex({ redis, prefix: `worst${resolution}:`, resolution });
      await index.nearestCouriers({ lat: 33.5, lng: 36.3, radiusM: MAX_RADIUS_M, limit: 50, filter: { status: 'available' } });
      longestPlanMs = 0;
      longestPlanCpuMs = 0;
      cells = 0;
      let longestQueryMs = 0;
      const before = await redisUsec(redis);
      for (const at of starts) {
        const t = performance.now();
        await index.nearestCouriers({ ...at, radiusM: MAX_RADIUS_M, limit: 50, filter: { status: 'available' } });
        longestQueryMs = Math.max(longestQueryMs, performance.now() - t);
      }
      const after = await redisUsec(redis);
      out.push({
        resolution, queries: starts.length, cellsReadPerQuery: Math.round(cells / starts.length), longestSyncPlanningMs: round(longestPlanMs, 2), longestSyncPlanningCpuMs: round(longestPlanCpuMs, 2),
        longestQueryMs: round(longestQueryMs, 1), redisMgetMsPerQuery: round((after.usec - before.usec) / starts.length / 1000, 2), mgetCallsPerQuery: round((after.calls - before.calls) / starts.length, 1),
      });
      console.log(JSON.stringify(out.at(-1)));
    }
  } finally {
    NearestPlanner.prototype.candidates = candidates;
    HierarchyWalk.prototype.take = take;
    redis.disconnect();
  }
  return out;
}

async function main(): Promise<void> {
  // the box is shared: record its load (as `uptime` shows it) around the run
  const loadBefore = os.loadavg().map((x) => round(x, 2));
  const server = await startEmbeddedRedis();
  const fleets = [];
  let worst;
  try {
    for (const n of FLEETS) {
      const res = await fleetRun(server.port, server.pid, n);
      fleets.push(res);
      console.log(JSON.stringify(res));
    }
    worst = await worstCase(server.port);
  } finally {
    await server.stop();
  }
  console.log('\n fleet    | res | fixes/s  | nearest qps  p50 ms  p99 ms  recall | geosearch qps  p50 ms  p99 ms | ratio');
  for (const f of fleets) {
    console.log(
      ` ${String(f.couriers).padEnd(8)} | ${f.resolution}   | ${String(f.updatesPerSec).padEnd(8)} | ${String(f.nearest.qps).padStart(11)} ${String(f.nearest.p50Ms).padStart(7)} ${String(f.nearest.p99Ms).padStart(7)} ${String(f.nearest.recall).padStart(7)} | ${String(f.geosearch.qps).padStart(13)} ${String(f.geosearch.p50Ms).padStart(7)} ${String(f.geosearch.p99Ms).padStart(7)} | ${f.ratio}x`,
    );
  }
  const out = {
    fleets,
    worstCase: worst,
    city: CITY,
    clients: CLIENTS,
    generatorProcesses: PROCS,
    durationMs: DURATION_MS,
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadAvgBefore: loadBefore, loadAvgAfter: os.loadavg().map((x) => round(x, 2)) },
    timestamp: new Date().toISOString(),
  };
  mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  if (!process.env.BENCH_FLEETS) writeFileSync(path.join(__dirname, 'results', 'geo.json'), `${JSON.stringify(out, null, 2)}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
