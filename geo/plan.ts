import { LRUCache } from 'lru-cache';
import { cellToBoundary, cellToChildren, cellToLatLng, cellToParent, getHexagonEdgeLengthAvg, getRes0Cells, getResolution, gridDiskDistances, latLngToCell } from 'h3-js';
import { EARTH_RADIUS_M, haversineM } from './distance.js';
import { growingLru } from './keys.js';

/**
 * Candidate-cell planning for nearest searches, in two tiers.
 *
 * Every bound here is a lower bound on the great-circle distance that holds
 * anywhere on the sphere (poles, antimeridian, pentagons): a point p of a cell
 * is within the cell's circumradius `circ` of its centre c (an H3 edge is a
 * great-circle arc, so the cell lies in the spherical cap through its
 * farthest vertex), and arc(q, c) ≥ R·|q − c| (the chord of unit vectors). So
 * arc(q, p) ≥ R·|q − c| − circ: one square root per cell, no projection.
 *
 * 1. **Rings** (the hot path). For an origin cell we cache its first rings
 *    (at most FINE_RINGS, so building a plan stays cheap even beside a
 *    pentagon, where H3 falls back to its slow disk algorithm) and reach[k]:
 *    a lower bound on the distance from the origin centre to anything outside
 *    the k-disk (the nearest ring-(k+1) cell; a path leaving the disk crosses
 *    ring k+1). `candidates()` lists the ring cells with md ≤ the cover.
 * 2. **Hierarchy** (wide covers). `walk()` descends the H3 tree from the 122
 *    base cells, best-first by md, and hands out index cells in md order, a
 *    bounded batch at a time. A node's descendants at any finer resolution lie
 *    within DESCENDANT_FACTOR × its circumradius of its centre (the children
 *    of an aperture-7 cell overhang it by a shrinking geometric series:
 *    measured ≤ 1.06×, and test/unit/geo/plan.test.ts checks it around every
 *    pentagon), so a node's md bounds all of its index cells.
 */

/** A candidate cell: its H3 index and its region (the hash tag of its keys). */
export interface PlannedCell {
  readonly cell: string;
  readonly region: string;
}

/** Cached geometry of one H3 cell. */
interface CellGeom extends PlannedCell {
  /** centre as a unit vector */
  x: number;
  y: number;
  z: number;
  centerLat: number;
  centerLng: number;
  /** upper bound on the distance (m) from the centre to any point of the cell */
  circM: number;
}

interface OriginPlan {
  centerLat: number;
  centerLng: number;
  rings: CellGeom[][];
  /** Per ring cell: arc(origin centre, cell centre) − circM (so every point of the cell is at least far − |q, origin centre| from q). */
  far: Float64Array[];
  /** reach[k] for k = 0..rings.length-1 */
  reach: number[];
  /** estimated heap bytes (for the cache's maxSize) */
  bytes: number;
}

export interface CandidatePlan {
  /**
   * Any point outside `cells` is farther than coveredM from q. coveredM ≥ the
   * cover asked for, unless the rings ran out (FINE_RINGS): then the caller
   * continues with `walk()`.
   */
  coveredM: number;
  /** Candidate cells: every cell with md <= min(cover, radius), sorted by md (best first). */
  cells: PlannedCell[];
  /** md of each cell: a lower bound (metres) on the distance from q to any point of it. */
  mds: number[];
  /** The cells span more than one region. */
  multiRegion: boolean;
}

/** Rings cached per origin. A 6-disk beside a pentagon costs H3 about 1 ms; 30 rings cost 50-100 ms. */
export const FINE_RINGS = 5;
/** Work per HierarchyWalk.take (ms): one synchronous slice of a wide search. */
export const TAKE_BUDGET_MS = 2;
/** Bound on how far an H3 cell's descendants reach, in circumradii of the cell (measured ≤ 1.06). */
export const DESCENDANT_FACTOR = 1.25;
/** Default byte budgets of the caches (estimated heap bytes). */
export const PLAN_CACHE_BYTES = 64 * 2 ** 20;
export const GEOM_CACHE_BYTES = 8 * 2 ** 20;
/** Estimated heap bytes of one cached CellGeom (object, two strings, boxed doubles, cache entry). */
const GEOM_BYTES = 320;
/** Estimated heap bytes per cell of a cached plan beyond its geometry (references, far). */
const PLAN_CELL_BYTES = 24;
const BUCKETS_MAX = 50_000;

const HALF_RAD = Math.PI / 360;

/** Geometry of `cell`; `region` is '' unless asked for (walk nodes look theirs up only when they yield cells). */
function toGeom(cell: string, regionOf?: (cell: string) => string): CellGeom {
  const [centerLat, centerLng] = cellToLatLng(cell);
  let circM = 0;
  for (const [la, ln] of cellToBoundary(cell)) circM = Math.max(circM, haversineM(centerLat, centerLng, la, ln));
  const cl = Math.cos(centerLat * HALF_RAD * 2);
  return {
    cell,
    region: regionOf ? regionOf(cell) : '',
    x: cl * Math.cos(centerLng * HALF_RAD * 2),
    y: cl * Math.sin(centerLng * HALF_RAD * 2),
    z: Math.sin(centerLat * HALF_RAD * 2),
    centerLat,
    centerLng,
    // rounding of H3's boundary and of haversine: a point latLngToCell puts in the cell stays inside
    circM: circM * 1.005 + 1,
  };
}

/** R·chord(q, centre): a lower bound on the arc from q to the centre, exact to 3 cm at 30 km. */
function chordM(qx: number, qy: number, qz: number, g: CellGeom): number {
  const dx = g.x - qx;
  const dy = g.y - qy;
  const dz = g.z - qz;
  return Math.sqrt(dx * dx + dy * dy + dz * dz) * EARTH_RADIUS_M;
}

function unit(lat: number, lng: number): [number, number, number] {
  const cl = Math.cos(lat * HALF_RAD * 2);
  return [cl * Math.cos(lng * HALF_RAD * 2), cl * Math.sin(lng * HALF_RAD * 2), Math.sin(lat * HALF_RAD * 2)];
}

const SHARED = new Map<string, NearestPlanner>();

export interface PlannerOptions {
  /** Byte budget of the origin-plan cache (default PLAN_CACHE_BYTES). */
  planCacheBytes?: number;
  /** Byte budget of the cell-geometry cache (default GEOM_CACHE_BYTES). */
  geomCacheBytes?: number;
}

export class NearestPlanner {
  private readonly geoms: LRUCache<string, CellGeom>;
  private readonly plans: LRUCache<string, OriginPlan>;
  /** lat/lng bucket -> origin cell (see originOf) */
  private readonly buckets = growingLru<number, string>(BUCKETS_MAX);
  private readonly regions = new LRUCache<string, string>({ max: 4096 });
  private readonly bucketDeg: number;
  /** Average edge length at the index resolution: the natural unit of search radii. */
  readonly edgeM: number;

  constructor(
    readonly resolution: number,
    readonly regionResolution: number,
    opts: PlannerOptions = {},
  ) {
    this.edgeM = getHexagonEdgeLengthAvg(resolution, 'm');
    this.bucketDeg = this.edgeM / 4 / ((EARTH_RADIUS_M * Math.PI) / 180);
    this.geoms = new LRUCache({ maxSize: opts.geomCacheBytes ?? GEOM_CACHE_BYTES, sizeCalculation: () => GEOM_BYTES });
    this.plans = new LRUCache({ maxSize: opts.planCacheBytes ?? PLAN_CACHE_BYTES, sizeCalculation: (p) => p.bytes });
  }

  /**
   * Plans are pure geometry, so every index in the process with the same
   * resolutions shares one planner (and its warm, byte-bounded caches).
   */
  static shared(resolution: number, regionResolution: number): NearestPlanner {
    const key = `${resolution}|${regionResolution}`;
    let p = SHARED.get(key);
    if (!p) SHARED.set(key, (p = new NearestPlanner(resolution, regionResolution)));
    return p;
  }

  /** Estimated heap bytes held by the caches (for tests and metrics). */
  get cachedBytes(): number {
    return this.plans.calculatedSize + this.geoms.calculatedSize;
  }

  /**
   * The origin cell for q: any cell near q will do (the bounds hold for any
   * q, they only loosen as |q, origin centre| grows), so points of one small
   * lat/lng bucket (a quarter edge) share the cell of the first one seen,
   * and most queries skip latLngToCell (~1.3 µs). This changes how much is
   * read, never the answer.
   */
  private originOf(lat: number, lng: number): string {
    const key = Math.floor((lat + 90) / this.bucketDeg) * 1e8 + Math.floor((lng + 180) / this.bucketDeg);
    let origin = this.buckets.get(key);
    if (origin === undefined) {
      origin = latLngToCell(lat, lng, this.resolution);
      this.buckets.set(key, origin);
    }
    return origin;
  }

  private regionOf = (cell: string): string => {
    const parent = cellToParent(cell, this.regionResolution);
    // one string per region, shared by every cell of it
    const known = this.regions.get(parent);
    if (known !== undefined) return known;
    this.regions.set(parent, parent);
    return parent;
  };

  private geom(cell: string): CellGeom {
    let g = this.geoms.get(cell);
    if (!g) {
      g = toGeom(cell, getResolution(cell) >= this.regionResolution ? this.regionOf : undefined);
      this.geoms.set(cell, g);
    }
    return g;
  }

  /** Ring cells (sorted best-first) that must be read to cover `coverM` around q, as far as FINE_RINGS reach. */
  candidates(lat: number, lng: number, coverM: number, radiusM: number): CandidatePlan {
    const origin = this.originOf(lat, lng);
    let plan = this.plans.get(origin) ?? this.planFor(origin, coverM + this.edgeM * 2);
    const d = haversineM(lat, lng, plan.centerLat, plan.centerLng) * 1.001 + 0.01;
    if ((plan.reach.at(-1) as number) < coverM + d) plan = this.planFor(origin, coverM + d);
    const [qx, qy, qz] = unit(lat, lng);
    // rings until everything outside them is beyond the cover (or the rings run out)
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
        const m = ring === 0 ? 0 : Math.max(0, chordM(qx, qy, qz, g) - g.circM);
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

  /** The cached plan of `origin`, extended until its reach covers `needM` (or FINE_RINGS). */
  private planFor(origin: string, needM: number): OriginPlan {
    let plan = this.plans.get(origin);
    if (plan && ((plan.reach.at(-1) as number) >= needM || plan.rings.length >= FINE_RINGS + 1)) return plan;
    const [centerLat, centerLng] = cellToLatLng(origin);
    const o = unit(centerLat, centerLng);
    let rings = Math.min(FINE_RINGS + 1, plan ? Math.ceil(plan.rings.length * 1.5) : Math.max(3, Math.ceil(needM / (this.edgeM * 1.5)) + 1));
    for (;;) {
      const disk = gridDiskDistances(origin, rings).map((ring) => ring.map((c) => this.geom(c)));
      // arc(origin centre, cell centre) − circ, through the chord (a lower bound, like md)
      const far = disk.map((ring) => Float64Array.from(ring, (g) => chordM(o[0], o[1], o[2], g) - g.circM));
      const reach: number[] = [];
      for (let k = 0; k < disk.length - 1; k++) reach.push(Math.min(...(far[k + 1] as Float64Array)));
      const cells = disk.reduce((n, r) => n + r.length, 0);
      plan = { centerLat, centerLng, rings: disk.slice(0, -1), far: far.slice(0, -1), reach, bytes: 256 + cells * (PLAN_CELL_BYTES + GEOM_BYTES) };
      if ((reach.at(-1) as number) >= needM || rings >= FINE_RINGS + 1) break;
      rings = Math.min(FINE_RINGS + 1, Math.ceil(rings * 1.5));
    }
    this.plans.set(origin, plan);
    return plan;
  }

  /** A best-first walk of the H3 hierarchy around q: the index cells in md order, for covers beyond the rings. */
  walk(lat: number, lng: number): HierarchyWalk {
    return new HierarchyWalk(this, unit(lat, lng));
  }

  /**
   * Geometry of a node of the walk (see HierarchyWalk). The coarse nodes are
   * shared by every walk nearby and live in the geometry cache; the two
   * finest levels are many and rarely met twice, so caching them would only
   * churn the cache.
   */
  nodeGeom(cell: string, res: number): CellGeom {
    return res <= this.resolution - 3 ? this.geom(cell) : toGeom(cell);
  }

  /** Region of the index cells under `parent`, a node at or finer than the region resolution. */
  regionUnder(parent: CellGeom): string {
    return parent.region !== '' ? parent.region : this.regionOf(parent.cell);
  }
}

/** A node of the walk: a cell coarser than the index resolution and a lower bound on the distance to its descendants. */
interface WalkNode {
  md: number;
  g: CellGeom;
  res: number;
}

/**
 * Hands out the index cells around q in md order, a bounded batch at a time
 * (`take`), so a search over a wide radius never holds the event loop for
 * long. The walk expands the nodes whose md is at most the limit asked for;
 * a node one level above the index resolution yields its children with its
 * own md (a lower bound for each of them).
 */
export class HierarchyWalk {
  private readonly heap: WalkNode[] = [];

  constructor(
    private readonly planner: NearestPlanner,
    private readonly q: [number, number, number],
  ) {
    for (const cell of getRes0Cells()) this.push(cell, 0);
  }

  private push(cell: string, res: number): void {
    const g = this.planner.nodeGeom(cell, res);
    const node = { md: Math.max(0, chordM(this.q[0], this.q[1], this.q[2], g) - g.circM * DESCENDANT_FACTOR), g, res };
    const h = this.heap;
    let i = h.push(node) - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((h[p] as WalkNode).md <= node.md) break;
      h[i] = h[p] as WalkNode;
      i = p;
    }
    h[i] = node;
  }

  private pop(): WalkNode {
    const h = this.heap;
    const top = h[0] as WalkNode;
    const last = h.pop() as WalkNode;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = i * 2 + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const c = r < h.length && (h[r] as WalkNode).md < (h[l] as WalkNode).md ? r : l;
        if ((h[c] as WalkNode).md >= last.md) break;
        h[i] = h[c] as WalkNode;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }

  /** Lower bound (m) on the distance from q to every index cell not yet handed out. */
  peek(): number {
    return this.heap.length > 0 ? (this.heap[0] as WalkNode).md : Infinity;
  }

  /**
   * The next index cells in md order, at most about `maxCells` of them, all
   * with md ≤ `limitM`; cells in `skip` (already read) are left out. It stops
   * after about `budgetMs` of work, so it may return none while the walk is
   * not done yet (`peek()` tells).
   */
  take(maxCells: number, limitM: number, skip?: ReadonlySet<string>, budgetMs = TAKE_BUDGET_MS): { cells: PlannedCell[]; mds: number[] } {
    const cells: PlannedCell[] = [];
    const mds: number[] = [];
    const fine = this.planner.resolution;
    const until = performance.now() + budgetMs;
    while (cells.length < maxCells && this.heap.length > 0 && this.peek() <= limitM && performance.now() < until) {
      const node = this.pop();
      if (node.res === fine - 1) {
        const region = this.planner.regionUnder(node.g);
        for (const child of cellToChildren(node.g.cell, fine)) {
          if (skip?.has(child)) continue;
          cells.push({ cell: child, region });
          mds.push(node.md);
        }
      } else {
        for (const child of cellToChildren(node.g.cell, node.res + 1)) this.push(child, node.res + 1);
      }
    }
    return { cells, mds };
  }
}
