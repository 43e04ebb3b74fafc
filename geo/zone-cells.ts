import { cellToLatLng, getHexagonAreaAvg, getHexagonEdgeLengthAvg, gridDisk, latLngToCell } from 'h3-js';
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
 * Precomputes a zone's cells. Boundary: the cells of points sampled along the
 * edge, with their first ring. Interior: a flood from the boundary's
 * neighbours through cells whose centre the exact test accepts: a cell the
 * edge does not touch lies wholly on one side, so its centre speaks for it.
 */
export function zoneCells(zone: PreparedZone, res = zoneResolution(zone)): ZoneCells {
  const stepM = getHexagonEdgeLengthAvg(res, 'm') * STEP_OF_EDGE;
  const sampled = new Set<string>();
  edgeSamples(zone, stepM, (lat, lng) => sampled.add(latLngToCell(lat, lng, res)));
  const boundary = new Set<string>();
  for (const c of sampled) for (const n of gridDisk(c, 1)) boundary.add(n);

  const interior: string[] = [];
  const seen = new Set<string>(boundary);
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
  for (const b of boundary) for (const n of gridDisk(b, 1)) consider(n);
  while (queue.length > 0) for (const n of gridDisk(queue.pop()!, 1)) consider(n);
  return { res, interior, boundary: [...boundary] };
}
