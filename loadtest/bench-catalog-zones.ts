/**
 * The zones part of the catalog benchmark: "who delivers to me" at random
 * points of a 2,000-store city, answered by the H3-precomputed ZoneIndex
 * (geo/zone-index.ts) against a brute-force turf scan over every zone:
 * `booleanPointInPolygon` on each polygon's GeoJSON, `distance` ≤ radius for
 * each circle. Same zones, same points; the sides alternate in windows so a
 * change in the box's load hits both alike. Also reported, not targeted: a
 * pruned scan (each zone's exact test behind its bounding box), the strongest
 * index-free answer, so the figure says what the cells themselves buy.
 *
 *   npm run bench:catalog-zones          # or: node --require tsx/cjs loadtest/bench-catalog-zones.ts
 *
 * Env: BENCH_ZONE_STORES (2000), BENCH_ZONE_POINTS (20000), BENCH_ZONE_WINDOWS (6 per side).
 * Writes loadtest/results/catalog-zones.json; `benchZones()` answers the
 * `zones` section of catalog.json.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { booleanPointInPolygon, distance as turfDistance, polygon as turfPolygon } from '@turf/turf';
import { destinationPoint } from '../geo/distance.js';
import { prepareZone, ZoneIndex, zoneCells, type PreparedZone, type ZoneShape } from '../geo/index.js';
/** mulberry32, the seeds' generator: the same city and points on every run. */
import { rng } from '../scripts/rng.js';

export interface ZonesResult {
  stores: number;
  points: number;
  /** Brute-force turf scan time per query ÷ indexed time per query (whole windows). */
  speedup: number;
  /** The same ratio in each window (the sides alternate), and their median. */
  windowSpeedups: number[];
  speedupMedian: number;
  /** Brute-force p50 ÷ indexed p50. */
  speedupP50: number;
  /** Pruned scan (bbox, then the exact test) ÷ indexed. */
  speedupVsPruned: number;
  prunedP50Ms: number;
  prunedP99Ms: number;
  recall: number;
  precision: number;
  p50Ms: number;
  p99Ms: number;
  bruteP50Ms: number;
  bruteP99Ms: number;
  /** Mean zones containing a point, and the share of points in no zone. */
  meanMatches: number;
  uncovered: number;
  precomputeMs: number;
  /** Points where the pruned scan's answer differs from the turf scan's (the exact tests agree: 0). */
  prunedDisagrees: number;
  cells: { interior: number; boundary: number; resolutions: Record<string, number> };
  loadAvgBefore: number[];
  loadAvgAfter: number[];
}

const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const pct = (xs: Float64Array | number[], p: number) => {
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

/** Greater Damascus, 40 × 40 km: stores spread over it; zones of 1.5–8 km, half circles and half polygons of 8–32 vertices. */
const CENTRE = { lat: 33.5138, lng: 36.2765 };
const HALF_SIDE_M = 20_000;

function cityPoint(r: () => number): { lat: number; lng: number } {
  const north = destinationPoint(CENTRE.lat, CENTRE.lng, (r() * 2 - 1) * HALF_SIDE_M, 0);
  return destinationPoint(north.lat, north.lng, (r() * 2 - 1) * HALF_SIDE_M, 90);
}

export function cityZones(stores: number, seed = 7): ZoneShape[] {
  const r = rng(seed);
  const out: ZoneShape[] = [];
  for (let i = 0; i < stores; i++) {
    const at = cityPoint(r);
    const reach = 1_500 + r() * 6_500;
    if (i % 2 === 0) {
      out.push({ kind: 'radius', center: at, radiusM: Math.round(reach) });
      continue;
    }
    const n = 8 + Math.floor(r() * 25);
    const ring = Array.from({ length: n }, (_, k) => destinationPoint(at.lat, at.lng, reach * (0.55 + 0.45 * r()), (360 * k) / n)).map((p) => [p.lng, p.lat]);
    ring.push(ring[0]!);
    out.push({ kind: 'polygon', polygon: { type: 'Polygon', coordinates: [ring] } });
  }
  return out;
}

export interface BenchZonesOptions {
  stores?: number;
  points?: number;
  /** Windows per side; the sides alternate (indexed, brute, indexed, …). */
  windows?: number;
  log?: (line: string) => void;
}

export async function benchZones(opts: BenchZonesOptions = {}): Promise<ZonesResult> {
  const stores = opts.stores ?? 2_000;
  const points = opts.points ?? 20_000;
  const windows = opts.windows ?? 6;
  const log = opts.log ?? (() => undefined);
  const loadAvgBefore = os.loadavg().map((x) => round(x, 2));

  const shapes = cityZones(stores);
  const zones: PreparedZone[] = shapes.map((s) => prepareZone(s));
  // The brute force's own view of each zone: a plain turf feature (no bbox), or a centre and radius.
  const plain = shapes.map((s) => (s.kind === 'polygon' ? { poly: turfPolygon(s.polygon.coordinates) } : { center: [s.center.lng, s.center.lat], km: s.radiusM / 1000 }));
  const t0 = performance.now();
  const index = new ZoneIndex();
  const cells = { interior: 0, boundary: 0, resolutions: {} as Record<string, number> };
  zones.forEach((z, i) => {
    const c = zoneCells(z);
    cells.interior += c.interior.length;
    cells.boundary += c.boundary.length;
    cells.resolutions[c.res] = (cells.resolutions[c.res] ?? 0) + 1;
    index.set(String(i), z, c);
  });
  const precomputeMs = performance.now() - t0;
  log(`precomputed ${stores} zones in ${Math.round(precomputeMs)} ms: ${cells.interior} interior + ${cells.boundary} boundary cells`);

  const r = rng(11);
  const qs = Array.from({ length: points }, () => cityPoint(r));
  const indexed: string[][] = new Array(points);
  const brute: string[][] = new Array(points);
  const pruned: string[][] = new Array(points);
  const tIndexed = new Float64Array(points);
  const tBrute = new Float64Array(points);
  const tPruned = new Float64Array(points);
  const ids = zones.map((_, i) => String(i));
  const sides = {
    indexed: (i: number) => {
      const q = qs[i]!;
      const s = performance.now();
      indexed[i] = index.lookup(q.lat, q.lng);
      tIndexed[i] = performance.now() - s;
    },
    brute: (i: number) => {
      const q = qs[i]!;
      const s = performance.now();
      const hit: string[] = [];
      const pt = [q.lng, q.lat];
      for (let z = 0; z < plain.length; z++) {
        const p = plain[z]!;
        if (p.poly ? booleanPointInPolygon(pt, p.poly) : turfDistance(p.center!, pt, { units: 'kilometers' }) <= p.km!) hit.push(ids[z]!);
      }
      brute[i] = hit;
      tBrute[i] = performance.now() - s;
    },
    pruned: (i: number) => {
      const q = qs[i]!;
      const s = performance.now();
      const hit: string[] = [];
      for (let z = 0; z < zones.length; z++) if (zones[z]!.contains(q.lat, q.lng)) hit.push(ids[z]!);
      pruned[i] = hit;
      tPruned[i] = performance.now() - s;
    },
  };
  // Warm both paths (JIT) on a few points, then alternate windows over the same points.
  for (let i = 0; i < Math.min(200, points); i++) {
    sides.indexed(i);
    sides.brute(i);
    sides.pruned(i);
  }
  const per = Math.ceil(points / windows);
  const totals = { indexed: 0, brute: 0, pruned: 0 };
  const windowSpeedups: number[] = [];
  for (let w = 0; w < windows; w++) {
    const from = w * per;
    const to = Math.min(points, from + per);
    const inWindow = { indexed: 0, brute: 0, pruned: 0 };
    for (const side of (w % 2 === 0 ? ['indexed', 'brute', 'pruned'] : ['pruned', 'brute', 'indexed']) as Array<'indexed' | 'brute' | 'pruned'>) {
      const s = performance.now();
      for (let i = from; i < to; i++) sides[side](i);
      inWindow[side] = performance.now() - s;
      totals[side] += inWindow[side];
    }
    windowSpeedups.push(round(inWindow.brute / inWindow.indexed, 1));
    log(`window ${w + 1}/${windows}: points ${from}–${to}, ${windowSpeedups.at(-1)}x (load ${os.loadavg()[0]!.toFixed(2)})`);
  }

  let truePos = 0;
  let found = 0;
  let expected = 0;
  let uncovered = 0;
  let prunedDisagrees = 0;
  for (let i = 0; i < points; i++) {
    const want = new Set(brute[i]);
    const got = indexed[i]!;
    expected += want.size;
    found += got.length;
    for (const id of got) if (want.has(id)) truePos++;
    if (want.size === 0) uncovered++;
    if ([...pruned[i]!].sort().join() !== [...want].sort().join()) prunedDisagrees++;
  }
  return {
    stores,
    points,
    speedup: round(totals.brute / totals.indexed, 1),
    windowSpeedups,
    speedupMedian: round(median(windowSpeedups), 1),
    speedupP50: round(pct(tBrute, 50) / pct(tIndexed, 50), 1),
    speedupVsPruned: round(totals.pruned / totals.indexed, 1),
    prunedP50Ms: round(pct(tPruned, 50)),
    prunedP99Ms: round(pct(tPruned, 99)),
    recall: expected === 0 ? 1 : truePos / expected,
    precision: found === 0 ? 1 : truePos / found,
    p50Ms: round(pct(tIndexed, 50)),
    p99Ms: round(pct(tIndexed, 99)),
    bruteP50Ms: round(pct(tBrute, 50)),
    bruteP99Ms: round(pct(tBrute, 99)),
    meanMatches: round(expected / points, 2),
    uncovered: round(uncovered / points, 3),
    precomputeMs: Math.round(precomputeMs),
    prunedDisagrees,
    cells,
    loadAvgBefore,
    loadAvgAfter: os.loadavg().map((x) => round(x, 2)),
  };
}

async function main(): Promise<void> {
  const zones = await benchZones({
    stores: Number(process.env.BENCH_ZONE_STORES ?? 2_000),
    points: Number(process.env.BENCH_ZONE_POINTS ?? 20_000),
    windows: Number(process.env.BENCH_ZONE_WINDOWS ?? 6),
    log: (l) => console.error(l),
  });
  const out = {
    zones,
    targets: { speedup: '>= 20', recall: 1, precision: 1, met: zones.speedup >= 20 && zones.recall === 1 && zones.precision === 1 },
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
    command: 'npm run bench:catalog-zones',
    at: new Date().toISOString(),
  };
  mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  writeFileSync(path.join(__dirname, 'results', 'catalog-zones.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(JSON.stringify(out, null, 2));
  process.exit(out.targets.met ? 0 : 1);
}

if (require.main === module) {
  void main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
