import { cellToBoundary, cellToLatLng, cellToParent, getHexagonEdgeLengthAvg, gridDiskDistances, latLngToCell } from 'h3-js';
import { EARTH_RADIUS_M, haversineM } from './distance.js';

/**
 * Candidate-cell planning for nearest searches.
 *
 * For an origin cell we cache its rings and, per ring k, D[k]: a lower bound
 * on the distance from the cell centre to any point outside the k-disk (the
 * nearest edge of a ring k+1 cell; any path leaving the disk crosses ring
 * k+1). For a query point q in the origin cell, everything outside the k-disk
 * is at least D[k] - |q,centre| away. Each ring cell gets md, a lower bound on
 * its distance from q: |q, cell centre| minus the cell's circumradius (at most
 * about 13 % of an edge below the distance to its boundary, and one square
 * root per cell instead of the boundary's six edges). The search reads the
 * cells with md <= the radius it wants to cover, best first.
 *
 * Distances here use a local equirectangular projection, shrunk by 2 % and
 * 1 m so they stay lower bounds (projection error is far below that for the
 * ≤ 50 km radii we accept).
 */

/** A candidate cell: its H3 index and its region (the hash tag of its keys). */
export interface PlannedCell {
  readonly cell: string;
  readonly region: string;
}

interface CellGeom extends PlannedCell {
  /** boundary as lat,lng,lat,lng,... */
  boundary: Float64Array;
  /** per vertex cos(lat/2), sin(lat/2) (degrees → half-angle radians) */
  trig: Float64Array;
  centerLat: number;
  centerLng: number;
  /** cos, sin of centerLat/2 (half-angle radians) */
  centerCos: number;
  centerSin: number;
  /** upper bound on the distance from the centre to any point of the cell (farthest vertex, +1 % +1 m) */
  circM: number;
}

interface OriginPlan {
  centerLat: number;
  centerLng: number;
  rings: CellGeom[][];
  /**
   * Per ring cell: |origin centre, cell centre| − circM, so every point of the
   * cell is at least far − |q, origin centre| from q (triangle inequality).
   * A cell beyond the planned distance is skipped without computing its md.
   */
  far: Float64Array[];
  /** D[k] for k = 0..rings.length-1 */
  reach: number[];
}

const M_PER_DEG = (EARTH_RADIUS_M * Math.PI) / 180;
const SAFE_FACTOR = 0.98;
const SAFE_SLACK_M = 1;
const MAX_RINGS = 400;

export interface CandidatePlan {
  /**
   * Any point outside `cells` is farther than coveredM from q (and coveredM
   * >= the cover asked for, unless MAX_RINGS were not enough).
   */
  coveredM: number;
  /** Candidate cells: every cell with md <= min(cover, radius), sorted by md (best first). */
  cells: PlannedCell[];
  /** md of each cell: a lower bound (metres) on the distance from q to any point of it. */
  mds: number[];
  /** The cells span more than one region. */
  multiRegion: boolean;
}

const HALF_RAD = Math.PI / 360;

/**
 * Lower bound (metres) on the distance from (lat,lng) to the polygon `boundary`
 * (q assumed outside or on it). Each edge is projected around the mid-latitude
 * of q and its vertex; cos(mid) = cos(v/2 + q/2) comes from the vertex's cached
 * half-angle cos/sin (`trig`) and q's (cq, sq): no trigonometry per vertex.
 */
function distanceToBoundary(lat: number, lng: number, cq: number, sq: number, boundary: Float64Array, trig: Float64Array): number {
  const n = boundary.length / 2;
  let best = Infinity;
  let px = 0;
  let py = 0;
  for (let i = 0; i <= n; i++) {
    const v = i % n;
    const j = v * 2;
    const vlat = boundary[j] as number;
    let dlng = (boundary[j + 1] as number) - lng;
    if (dlng > 180) dlng -= 360;
    else if (dlng < -180) dlng += 360;
    const x = dlng * M_PER_DEG * ((trig[j] as number) * cq - (trig[j + 1] as number) * sq);
    const y = (vlat - lat) * M_PER_DEG;
    if (i > 0) {
      const dx = x - px;
      const dy = y - py;
      const len2 = dx * dx + dy * dy;
      let t = len2 > 0 ? -(px * dx + py * dy) / len2 : 0;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const cx = px + t * dx;
      const cy = py + t * dy;
      const d = Math.sqrt(cx * cx + cy * cy);
      if (d < best) best = d;
    }
    px = x;
    py = y;
  }
  return Math.max(0, best * SAFE_FACTOR - SAFE_SLACK_M);
}

/** distanceToBoundary for a cell geometry (the one-off callers: plan building). */
function distanceToCell(lat: number, lng: number, g: CellGeom): number {
  return distanceToBoundary(lat, lng, Math.cos(lat * HALF_RAD), Math.sin(lat * HALF_RAD), g.boundary, g.trig);
}

/** Lower bound (metres) on the distance from q to any point of cell g: |q, centre| (projected, shrunk) − circumradius. */
function md(lat: number, lng: number, cq: number, sq: number, g: CellGeom): number {
  let dlng = g.centerLng - lng;
  if (dlng > 180) dlng -= 360;
  else if (dlng < -180) dlng += 360;
  const x = dlng * M_PER_DEG * (g.centerCos * cq - g.centerSin * sq);
  const y = (g.centerLat - lat) * M_PER_DEG;
  return Math.sqrt(x * x + y * y) * SAFE_FACTOR - SAFE_SLACK_M - g.circM;
}

const SHARED = new Map<string, NearestPlanner>();

export class NearestPlanner {
  private readonly geoms = new Map<string, CellGeom>();
  private readonly plans = new Map<string, OriginPlan>();
  /** lat/lng bucket -> origin cell (see originOf) */
  private readonly buckets = new Map<number, string>();
  private readonly bucketDeg: number;
  /** Average edge length at the index resolution: the natural unit of search radii. */
  readonly edgeM: number;

  constructor(
    readonly resolution: number,
    readonly regionResolution: number,
    private readonly maxPlans = 20_000,
  ) {
    this.edgeM = getHexagonEdgeLengthAvg(resolution, 'm');
    this.bucketDeg = this.edgeM / 4 / M_PER_DEG;
  }

  /**
   * Plans are pure geometry, so every index in the process with the same
   * resolutions shares one planner (and its warm cache).
   */
  static shared(resolution: number, regionResolution: number): NearestPlanner {
    const key = `${resolution}|${regionResolution}`;
    let p = SHARED.get(key);
    if (!p) SHARED.set(key, (p = new NearestPlanner(resolution, regionResolution)));
    return p;
  }

  /**
   * The origin cell for q: any cell near q will do (the bounds hold for any
   * q, they only loosen as |q, origin centre| grows), so points of one small
   * lat/lng bucket (a quarter edge) share the cell of the first one seen,
   * and most queries skip latLngToCell (~1.3 µs).
   */
  private originOf(lat: number, lng: number): string {
    const key = Math.floor((lat + 90) / this.bucketDeg) * 1e8 + Math.floor((lng + 180) / this.bucketDeg);
    let origin = this.buckets.get(key);
    if (origin === undefined) {
      origin = latLngToCell(lat, lng, this.resolution);
      if (this.buckets.size >= this.maxPlans * 16) this.buckets.clear();
      this.buckets.set(key, origin);
    }
    return origin;
  }

  /** Cells (sorted best-first) that must be read to cover `coverM` around q. */
  candidates(lat: number, lng: number, coverM: number, radiusM: number): CandidatePlan {
    const origin = this.originOf(lat, lng);
    let plan = this.plans.get(origin) ?? this.planFor(origin, coverM + this.edgeM * 2);
    const d = haversineM(lat, lng, plan.centerLat, plan.centerLng) * 1.001 + 0.01;
    if ((plan.reach.at(-1) as number) < coverM + d) plan = this.planFor(origin, coverM + d);
    const cq = Math.cos(lat * HALF_RAD);
    const sq = Math.sin(lat * HALF_RAD);
    // rings until everything outside them is beyond the cover
    let k = 0;
    while (k < plan.reach.length - 1 && (plan.reach[k] as number) - d < coverM) k++;
    const limitM = Math.min(coverM, radiusM);
    // everything outside the k-disk is farther than this; unread cells of the disk lower it
    let coveredM = Math.max(0, (plan.reach[k] as number) - d);

    // insertion sort by md as cells are found (a dozen or so)
    const mds: number[] = [];
    const cells: PlannedCell[] = [];
    let multiRegion = false;
    const farLimit = limitM + d;
    for (let ring = 0; ring <= k; ring++) {
      const ringCells = plan.rings[ring] as CellGeom[];
      const far = plan.far[ring] as Float64Array;
      for (let c = 0; c < ringCells.length; c++) {
        const f = far[c] as number;
        if (f > farLimit) {
          if (f - d < coveredM) coveredM = f - d;
          continue;
        }
        const g = ringCells[c] as CellGeom;
        const m = ring === 0 ? 0 : Math.max(0, md(lat, lng, cq, sq, g));
        if (m > limitM) {
          if (m < coveredM) coveredM = m;
          continue;
        }
        let i = mds.length;
        while (i > 0 && (mds[i - 1] as number) > m) {
          mds[i] = mds[i - 1] as number;
          cells[i] = cells[i - 1] as PlannedCell;
          i--;
        }
        mds[i] = m;
        cells[i] = g;
        if (g.region !== (cells[0] as PlannedCell).region) multiRegion = true;
      }
    }
    return { coveredM, cells, mds, multiRegion };
  }

  private centerOf(cell: string): [number, number] {
    const [la, ln] = cellToLatLng(cell);
    return [la, ln];
  }

  private geom(cell: string): CellGeom {
    let g = this.geoms.get(cell);
    if (!g) {
      const b = cellToBoundary(cell);
      const boundary = new Float64Array(b.length * 2);
      const trig = new Float64Array(b.length * 2);
      b.forEach(([la, ln], i) => {
        boundary[i * 2] = la;
        boundary[i * 2 + 1] = ln;
        trig[i * 2] = Math.cos(la * HALF_RAD);
        trig[i * 2 + 1] = Math.sin(la * HALF_RAD);
      });
      const [centerLat, centerLng] = this.centerOf(cell);
      let circM = 0;
      for (const [la, ln] of b) circM = Math.max(circM, haversineM(centerLat, centerLng, la, ln));
      g = {
        cell,
        region: cellToParent(cell, this.regionResolution),
        boundary,
        trig,
        centerLat,
        centerLng,
        centerCos: Math.cos(centerLat * HALF_RAD),
        centerSin: Math.sin(centerLat * HALF_RAD),
        circM: circM * 1.01 + 1,
      };
      if (this.geoms.size > this.maxPlans * 50) this.geoms.clear();
      this.geoms.set(cell, g);
    }
    return g;
  }

  /** The cached plan of `origin`, extended until its reach covers `needM` (or MAX_RINGS). */
  private planFor(origin: string, needM: number): OriginPlan {
    let plan = this.plans.get(origin);
    if (plan && ((plan.reach.at(-1) as number) >= needM || plan.rings.length > MAX_RINGS)) return plan;
    const [centerLat, centerLng] = this.centerOf(origin);
    let rings = plan ? plan.rings.length : Math.max(3, Math.ceil(needM / (this.edgeM * 1.5)) + 2);
    for (;;) {
      const disk = gridDiskDistances(origin, rings).map((ring) => ring.map((c) => this.geom(c)));
      const reach: number[] = [];
      for (let k = 0; k < disk.length - 1; k++) {
        let min = Infinity;
        for (const g of disk[k + 1] as CellGeom[]) min = Math.min(min, distanceToCell(centerLat, centerLng, g));
        // reach must not shrink with k (it cannot geometrically; guard against projection noise)
        reach.push(Math.max(min, reach.at(-1) ?? 0));
      }
      const rings_ = disk.slice(0, -1);
      const far = rings_.map((ring) => Float64Array.from(ring, (g) => haversineM(centerLat, centerLng, g.centerLat, g.centerLng) - g.circM));
      plan = { centerLat, centerLng, rings: rings_, far, reach };
      if ((reach.at(-1) as number) >= needM || rings > MAX_RINGS) break;
      rings = Math.ceil(rings * 1.5);
    }
    if (this.plans.size >= this.maxPlans) this.plans.delete(this.plans.keys().next().value as string);
    this.plans.set(origin, plan);
    return plan;
  }
}
