import { cellToBoundary, cellToLatLng, getHexagonAreaAvg, getHexagonEdgeLengthAvg, gridDisk, latLngToCell } from 'h3-js';
import { haversineM } from './distance.js';
import { circleRing, type PreparedZone } from './zones.js';

/**
 * A zone precomputed into H3 cells at one resolution:
 * - `interior`: every point of the cell (as `latLngToCell` assigns points) is
 *   in the zone, so a lookup answers without the exact test;
 * - `boundary`: the zone's edge may pass through the cell, so a lookup runs
 *   the exact test.
 * A cell in neither list holds no point of the zone.
 */
export interface ZoneCells {
  res: number;
  interior: string[];
  boundary: string[];
}

/** Finest to coarsest: the first whose cells keep a zone under TARGET_CELLS wins. */
const RESOLUTIONS = [9, 8, 7, 6, 5] as const;
/** Interior cells a zone may take at its resolution (a 12 km² zone is about 120 res-9 cells). */
const TARGET_CELLS = 3_000;
/** Boundary samples a zone may take; past it, a coarser resolution (a long, jagged edge). */
const MAX_SAMPLES = 200_000;
/**
 * Samples along the edge are at most this fraction of the average cell edge
 * apart. With every sampled cell's first ring added, a cell the edge passes
 * through is always listed: the stretch of edge between two samples is too
 * short to cross a whole cell, so it ends in a cell adjacent to a sampled one.
 * H3 edges vary about ±40 % round the average (pentagon neighbours are smaller).
 */
const STEP_OF_EDGE = 0.2;

const RAD = Math.PI / 180;
const R = 6_371_008.8;

const normLng = (x: number) => ((((x + 180) % 360) + 360) % 360) - 180;

/** Upper bound on the ground distance of a lng/lat straight segment (cos of the latitude nearest the equator). */
function segmentBoundM(a: number[], b: number[]): number {
  const dLat = Math.abs(b[1]! - a[1]!) * RAD;
  const dLng = Math.abs(b[0]! - a[0]!) * RAD;
  const crossesEquator = Math.sign(a[1]!) !== Math.sign(b[1]!);
  const cosMax = crossesEquator ? 1 : Math.cos(Math.min(Math.abs(a[1]!), Math.abs(b[1]!)) * RAD);
  return R * Math.hypot(dLat, cosMax * dLng);
}

/** The points at most `stepM` apart along the zone's edge, as [lat, lng] with lng in [-180, 180). */
function edgeSamples(zone: PreparedZone, stepM: number, visit: (lat: number, lng: number) => void): void {
  if (zone.shape.kind === 'radius') {
    const { center, radiusM } = zone.shape;
    // The geodesic circle is shorter than 2πr, so 2πr / step points keep neighbours within step.
    const n = Math.max(8, Math.ceil((2 * Math.PI * radiusM) / stepM));
    for (const [lng, lat] of circleRing(center.lat, center.lng, radiusM, n)) visit(lat!, normLng(lng!));
    return;
  }
  for (const ring of zone.rings) {
    for (let i = 0; i + 1 < ring.length; i++) {
      const a = ring[i]!;
      const b = ring[i + 1]!;
      const n = Math.max(1, Math.ceil(segmentBoundM(a, b) / stepM));
      for (let k = 0; k < n; k++) {
        const t = k / n;
        visit(a[1]! + (b[1]! - a[1]!) * t, normLng(a[0]! + (b[0]! - a[0]!) * t));
      }
    }
  }
}

function edgeLengthM(zone: PreparedZone): number {
  if (zone.shape.kind === 'radius') return 2 * Math.PI * zone.shape.radiusM;
  let m = 0;
  for (const ring of zone.rings) for (let i = 0; i + 1 < ring.length; i++) m += segmentBoundM(ring[i]!, ring[i + 1]!);
  return m;
}

/** The resolution for a zone: fine enough to leave few points to the exact test, coarse enough to stay small. */
export function zoneResolution(zone: PreparedZone): number {
  const perimeter = edgeLengthM(zone);
  for (const res of RESOLUTIONS) {
    const cells = zone.areaM2 / (getHexagonAreaAvg(res, 'km2') * 1e6);
    const samples = perimeter / (getHexagonEdgeLengthAvg(res, 'm') * STEP_OF_EDGE);
    if (cells <= TARGET_CELLS && samples <= MAX_SAMPLES) return res;
  }
  return 5;
}

/**
 * How far a cell reaches from its centre, as a share of its farthest vertex:
 * its edges are great-circle arcs, not straight in lng/lat, and the lng/lat
 * scale drifts across it; both move a point by far less than 1 %.
 */
const REACH_MARGIN = 1.05;
/** Plus about a metre (in degrees for polygons), for rounding in the tests. */
const REACH_SLACK_M = 1;
const REACH_SLACK_DEG = 1e-5;
/** Past this latitude lng/lat bend too much across a cell to trust a local scale: candidates stay boundary cells. */
const LOCAL_SCALE_MAX_LAT = 80;

type Side = 'edge' | 'in' | 'out';

/**
 * Where a candidate cell lies against the zone's edge. Every point of the cell
 * is within `reach` of its centre; when the edge stays farther than that, the
 * whole cell is on the centre's side ('in' or 'out'), else 'edge'.
 */
function sideOf(zone: PreparedZone, cell: string): Side {
  const [clat, clng] = cellToLatLng(cell);
  const corners = cellToBoundary(cell);
  if (zone.shape.kind === 'radius') {
    // Great-circle distances obey the triangle inequality: |d(o,p) − d(o,c)| ≤ d(c,p) ≤ reach.
    let reach = 0;
    for (const [vlat, vlng] of corners) reach = Math.max(reach, haversineM(clat, clng, vlat!, vlng!));
    reach = reach * REACH_MARGIN + REACH_SLACK_M;
    const d = haversineM(zone.shape.center.lat, zone.shape.center.lng, clat, clng);
    if (Math.abs(d - zone.shape.radiusM) <= reach) return 'edge';
    return d < zone.shape.radiusM ? 'in' : 'out';
  }
  if (Math.abs(clat) > LOCAL_SCALE_MAX_LAT) return 'edge';
  // A local frame: x = lng · cos(lat of the centre), y = lat, in degrees. It is an affine map
  // of lng/lat, so the zone's edges (straight in lng/lat) stay straight in it.
  const kx = Math.cos(clat * RAD);
  let reach = 0;
  for (const [vlat, vlng] of corners) {
    let dl = vlng! - clng;
    if (dl > 180) dl -= 360;
    else if (dl < -180) dl += 360;
    reach = Math.max(reach, Math.hypot(dl * kx, vlat! - clat));
  }
  reach = reach * REACH_MARGIN + REACH_SLACK_DEG;
  // The centre's longitude in the zone's unwrapped frame: of lng ± 360°, the one nearest the zone.
  const x0 = clng + 360 * Math.round((zone.bbox[0] + zone.bbox[2] - 2 * clng) / 720);
  const r2 = reach * reach;
  for (const ring of zone.rings) {
    for (let i = 0; i + 1 < ring.length; i++) {
      const ax = (ring[i]![0]! - x0) * kx;
      const ay = ring[i]![1]! - clat;
      const bx = (ring[i + 1]![0]! - x0) * kx;
      const by = ring[i + 1]![1]! - clat;
      if (segmentDist2(ax, ay, bx, by) <= r2) return 'edge';
    }
  }
  return zone.contains(clat, clng) ? 'in' : 'out';
}

/** Squared distance from the origin to the segment a–b. */
function segmentDist2(ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, -(ax * dx + ay * dy) / len2));
  const x = ax + t * dx;
  const y = ay + t * dy;
  return x * x + y * y;
}

/**
 * Precomputes a zone's cells. Candidates: the cells of points sampled along
 * the edge, with their first ring (every cell the edge passes through is
 * among them). Interior: a flood from the candidates' neighbours through
 * cells whose centre the exact test accepts: a cell the edge does not touch
 * lies wholly on one side, so its centre speaks for it. Then each candidate
 * is kept as a boundary cell only when the edge comes within its reach; the
 * others join the interior or drop out. That halves the band the exact test
 * runs in (three cells wide from the samples, about one from the reach).
 */
export function zoneCells(zone: PreparedZone, res = zoneResolution(zone)): ZoneCells {
  const stepM = getHexagonEdgeLengthAvg(res, 'm') * STEP_OF_EDGE;
  const sampled = new Set<string>();
  edgeSamples(zone, stepM, (lat, lng) => sampled.add(latLngToCell(lat, lng, res)));
  const candidates = new Set<string>();
  for (const c of sampled) for (const n of gridDisk(c, 1)) candidates.add(n);

  const interior: string[] = [];
  const seen = new Set<string>(candidates);
  const queue: string[] = [];
  const consider = (c: string) => {
    if (seen.has(c)) return;
    seen.add(c);
    const [lat, lng] = cellToLatLng(c);
    if (zone.contains(lat, lng)) {
      interior.push(c);
      queue.push(c);
    }
  };
  for (const b of candidates) for (const n of gridDisk(b, 1)) consider(n);
  while (queue.length > 0) for (const n of gridDisk(queue.pop()!, 1)) consider(n);

  const boundary: string[] = [];
  for (const c of candidates) {
    const side = sideOf(zone, c);
    if (side === 'edge') boundary.push(c);
    else if (side === 'in') interior.push(c);
  }
  return { res, interior, boundary };
}
