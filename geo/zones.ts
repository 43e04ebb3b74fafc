import type { Feature, Polygon } from 'geojson';
import { haversineM } from './distance.js';
import { GeoError } from './errors.js';

// turf's bundle is some 180 modules: it loads when a zone is first prepared, so a process that
// never prepares one (the hub role) does not carry it.
let turfLib: typeof import('@turf/turf') | undefined;
const turf = () => (turfLib ??= require('@turf/turf') as typeof import('@turf/turf'));

/**
 * Delivery zones: what a zone is, the rules it must follow, and the exact
 * "does it contain this point" predicate. The H3 precompute is in
 * geo/zone-cells.ts and the lookup structure in geo/zone-index.ts.
 *
 * Polygon edges are straight lines in longitude/latitude (as GeoJSON and turf
 * read them), and an edge never spans more than 180° of longitude: a ring that
 * goes from 179° to -179° crosses the antimeridian (2° wide), it does not go
 * the long way round. Radius zones are geodesic circles (haversine).
 */

/** A GeoJSON Polygon: an outer ring then holes; positions are [lng, lat]; each ring is closed. */
export interface GeoJsonPolygon {
  type: 'Polygon';
  coordinates: number[][][];
}

export type ZoneShape =
  | { kind: 'polygon'; polygon: GeoJsonPolygon }
  | { kind: 'radius'; center: { lat: number; lng: number }; radiusM: number };

/** A zone may cover at most this much: a metro area, not a country. */
export const MAX_ZONE_AREA_KM2 = 5_000;
/** The radius of a circle of MAX_ZONE_AREA_KM2 (≈ 39.9 km). */
export const MAX_ZONE_RADIUS_M = Math.floor(Math.sqrt((MAX_ZONE_AREA_KM2 * 1e6) / Math.PI));
/** Bounds the cost of the exact check (about 20 ns per vertex) and of the precompute. */
export const MAX_ZONE_VERTICES = 2_000;

/** A validated zone with its exact predicate. */
export interface PreparedZone {
  shape: ZoneShape;
  /** Square metres (spherical for polygons, of the geodesic circle for radius zones). */
  areaM2: number;
  /**
   * The exact test: an even-odd ray cast over every ring (holes included) in
   * lng/lat, or haversine ≤ radius. It answers as turf's booleanPointInPolygon
   * everywhere except exactly on an edge (a set of measure zero), at about a
   * seventh of its cost (0.15 against 1.1 µs for 32 vertices); the tests and
   * the benchmark check it against turf.
   */
  contains(lat: number, lng: number): boolean;
  /**
   * The boundary as polylines of [lng, lat] with longitudes unwrapped (they may
   * leave [-180, 180] for a ring across the antimeridian); each closes on itself.
   */
  rings: number[][][];
  /** Bounding box in unwrapped longitudes: [minLng, minLat, maxLng, maxLat]. */
  bbox: [number, number, number, number];
}

const invalid = (message: string, field: string, extra: Record<string, unknown> = {}) => new GeoError('ZONE_INVALID', message, { field, ...extra });

const isLat = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= -90 && v <= 90;
const isLng = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= -180 && v <= 180;

/** Validates a zone and returns it with its exact predicate; GeoError ZONE_INVALID, ZONE_SELF_INTERSECTS or ZONE_TOO_LARGE otherwise. */
export function prepareZone(shape: ZoneShape): PreparedZone {
  if (shape?.kind === 'radius') return prepareRadius(shape);
  if (shape?.kind === 'polygon') return preparePolygon(shape);
  throw invalid('a zone is a polygon or a radius', 'kind');
}

function prepareRadius(shape: Extract<ZoneShape, { kind: 'radius' }>): PreparedZone {
  const { center, radiusM } = shape;
  if (!center || !isLat(center.lat) || !isLng(center.lng)) throw invalid('center must be a valid coordinate', 'center');
  if (typeof radiusM !== 'number' || !Number.isFinite(radiusM) || radiusM <= 0) throw invalid('radiusM must be a positive number of metres', 'radiusM');
  if (radiusM > MAX_ZONE_RADIUS_M) {
    throw new GeoError('ZONE_TOO_LARGE', `a radius zone may reach at most ${MAX_ZONE_RADIUS_M} m (${MAX_ZONE_AREA_KM2} km²)`, { field: 'radiusM', maxRadiusM: MAX_ZONE_RADIUS_M });
  }
  const { lat: clat, lng: clng } = center;
  const ring = circleRing(clat, clng, radiusM, 64);
  const lats = ring.map((p) => p[1]!);
  const lngs = ring.map((p) => p[0]!);
  // Near a pole the circle may hold the pole: then it spans every longitude.
  const holdsPole = haversineM(clat, clng, clat >= 0 ? 90 : -90, 0) <= radiusM;
  const bbox: [number, number, number, number] = holdsPole
    ? [-180, clat >= 0 ? Math.min(...lats) : -90, 180, clat >= 0 ? 90 : Math.max(...lats)]
    : [Math.min(...lngs), Math.min(...lats), Math.max(...lngs), Math.max(...lats)];
  const r = radiusM / 6_371_008.8;
  return {
    shape: { kind: 'radius', center: { lat: clat, lng: clng }, radiusM },
    areaM2: 2 * Math.PI * 6_371_008.8 ** 2 * (1 - Math.cos(r)),
    contains: (lat, lng) => haversineM(clat, clng, lat, lng) <= radiusM,
    rings: [ring],
    bbox,
  };
}

/** `n` points of the geodesic circle, closed; longitudes unwrapped to stay next to the centre's. */
export function circleRing(lat: number, lng: number, radiusM: number, n: number): number[][] {
  const out: number[][] = [];
  const d = radiusM / 6_371_008.8;
  const p1 = (lat * Math.PI) / 180;
  for (let i = 0; i <= n; i++) {
    const b = ((i % n) / n) * 2 * Math.PI;
    const p2 = Math.asin(Math.sin(p1) * Math.cos(d) + Math.cos(p1) * Math.sin(d) * Math.cos(b));
    const dl = Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(p1), Math.cos(d) - Math.sin(p1) * Math.sin(p2));
    out.push([lng + (dl * 180) / Math.PI, (p2 * 180) / Math.PI]);
  }
  return out;
}

/**
 * Makes every step between consecutive positions at most 180° of longitude by
 * adding ±360° where the ring crosses the antimeridian. A ring that winds
 * round a pole cannot be unwrapped (it ends 360° from where it started).
 */
function unwrap(ring: number[][], near: number): number[][] {
  const out: number[][] = [];
  let prev = ring[0]![0]!;
  // Start as close as possible to `near` (the outer ring's start, for holes).
  prev += Math.round((near - prev) / 360) * 360;
  for (const [lng, lat] of ring) {
    let x = lng!;
    x += Math.round((prev - x) / 360) * 360;
    out.push([x, lat!]);
    prev = x;
  }
  return out;
}

function preparePolygon(shape: Extract<ZoneShape, { kind: 'polygon' }>): PreparedZone {
  const poly = shape.polygon;
  if (!poly || poly.type !== 'Polygon' || !Array.isArray(poly.coordinates) || poly.coordinates.length === 0) throw invalid('polygon must be a GeoJSON Polygon', 'polygon');
  let vertices = 0;
  poly.coordinates.forEach((ring, r) => {
    if (!Array.isArray(ring) || ring.length < 4) throw invalid('every ring needs at least 4 positions (a triangle, closed)', 'polygon', { ring: r });
    for (const p of ring) {
      if (!Array.isArray(p) || p.length < 2 || !isLng(p[0]) || !isLat(p[1])) throw invalid('every position is [lng, lat] within range', 'polygon', { ring: r });
    }
    const [a, b] = [ring[0]!, ring[ring.length - 1]!];
    if (a[0] !== b[0] || a[1] !== b[1]) throw invalid('every ring must end where it starts (GeoJSON rings are closed)', 'polygon', { ring: r });
    vertices += ring.length;
  });
  if (vertices > MAX_ZONE_VERTICES) throw invalid(`a zone has at most ${MAX_ZONE_VERTICES} positions`, 'polygon', { max: MAX_ZONE_VERTICES });

  const outer0 = poly.coordinates[0]!;
  const outer = unwrap(outer0, outer0[0]![0]!);
  const first = outer[0]![0]!;
  if (Math.abs(outer[outer.length - 1]![0]! - first) > 1e-9) {
    throw invalid('a polygon may not wind round a pole; use a radius zone there', 'polygon', { encloses: 'pole' });
  }
  const holes = poly.coordinates.slice(1).map((h) => unwrap(h, first));
  const rings = [outer, ...holes];
  for (const ring of holes) {
    if (Math.abs(ring[ring.length - 1]![0]! - ring[0]![0]!) > 1e-9) throw invalid('a hole may not wind round a pole', 'polygon');
  }
  const lngs = outer.map((p) => p[0]!);
  const lats = outer.map((p) => p[1]!);
  const bbox: [number, number, number, number] = [Math.min(...lngs), Math.min(...lats), Math.max(...lngs), Math.max(...lats)];
  if (bbox[2] - bbox[0] >= 180) throw new GeoError('ZONE_TOO_LARGE', 'a zone may not span half the planet (180° of longitude or more)', { field: 'polygon' });

  let feature: Feature<Polygon>;
  try {
    feature = turf().polygon(rings);
  } catch (err) {
    throw invalid(`polygon is not valid: ${(err as Error).message}`, 'polygon');
  }
  if (turf().kinks(feature).features.length > 0) throw new GeoError('ZONE_SELF_INTERSECTS', 'the polygon crosses itself (or a hole crosses a ring)', { field: 'polygon' });
  const areaM2 = turf().area(feature);
  if (!(areaM2 > 0)) throw invalid('the polygon encloses no area', 'polygon');
  if (areaM2 > MAX_ZONE_AREA_KM2 * 1e6) {
    throw new GeoError('ZONE_TOO_LARGE', `a zone may cover at most ${MAX_ZONE_AREA_KM2} km²`, { field: 'polygon', areaKm2: Math.round(areaM2 / 1e6), maxKm2: MAX_ZONE_AREA_KM2 });
  }
  const [minLng, minLat, maxLng, maxLat] = bbox;
  const slabs = edgeSlabs(rings);
  return {
    shape: { kind: 'polygon', polygon: { type: 'Polygon', coordinates: poly.coordinates.map((r) => r.map((p) => [p[0]!, p[1]!])) } },
    areaM2,
    contains(lat, lng) {
      // The one longitude of the point, among lng ± 360°, that can fall in the unwrapped bbox.
      let x = lng;
      if (x < minLng) x += 360;
      else if (x >= minLng + 360) x -= 360;
      if (x > maxLng || lat < minLat || lat > maxLat) return false;
      return evenOdd(slabs, x, lat);
    },
    rings,
    bbox,
  };
}

/**
 * The rings' edges sorted into horizontal slabs of latitude. A ray along a
 * parallel crosses, and a point lies on, only edges whose latitude span holds
 * the point's, and every such edge is listed in the point's slab: the test
 * then reads a few edges instead of all of them (about 2 of 20 for the
 * benchmark's polygons) and decides exactly as a scan of every edge would.
 */
interface EdgeSlabs {
  /** Per edge: x and y of its end i, then of its end j (the previous vertex), as the ray cast reads them. */
  edges: Float64Array;
  /** Edge numbers, slab after slab; slab b is edgeOf[start[b]] … edgeOf[start[b + 1] − 1]. */
  edgeOf: Int32Array;
  start: Int32Array;
  y0: number;
  height: number;
  count: number;
}

function edgeSlabs(rings: number[][][]): EdgeSlabs {
  const list: number[] = [];
  let y0 = Infinity;
  let y1 = -Infinity;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      list.push(ring[i]![0]!, ring[i]![1]!, ring[j]![0]!, ring[j]![1]!);
      y0 = Math.min(y0, ring[i]![1]!);
      y1 = Math.max(y1, ring[i]![1]!);
    }
  }
  const edges = Float64Array.from(list);
  const n = edges.length / 4;
  const count = Math.min(64, Math.max(1, Math.ceil(n / 2)));
  const slabs: EdgeSlabs = { edges, edgeOf: new Int32Array(0), start: new Int32Array(count + 1), y0, height: (y1 - y0) / count || 1, count };
  const span = (e: number): [number, number] => {
    const a = slabOf(slabs, edges[e * 4 + 1]!);
    const b = slabOf(slabs, edges[e * 4 + 3]!);
    return a <= b ? [a, b] : [b, a];
  };
  for (let e = 0; e < n; e++) {
    const [lo, hi] = span(e);
    for (let b = lo; b <= hi; b++) slabs.start[b + 1]!++;
  }
  for (let b = 0; b < count; b++) slabs.start[b + 1]! += slabs.start[b]!;
  slabs.edgeOf = new Int32Array(slabs.start[count]!);
  const fill = slabs.start.slice(0, count);
  for (let e = 0; e < n; e++) {
    const [lo, hi] = span(e);
    for (let b = lo; b <= hi; b++) slabs.edgeOf[fill[b]!++] = e;
  }
  return slabs;
}

/** The slab of a latitude: monotone in it (a subtraction, a division by a positive number, a floor, a clamp). */
function slabOf(s: EdgeSlabs, y: number): number {
  return Math.min(s.count - 1, Math.max(0, Math.floor((y - s.y0) / s.height)));
}

/**
 * Even-odd rule: a point is inside when a ray from it crosses the rings an odd
 * number of times. A point on an edge or a vertex counts as inside, as turf has it.
 */
function evenOdd(s: EdgeSlabs, x: number, y: number): boolean {
  let inside = false;
  const { edges, edgeOf } = s;
  const b = slabOf(s, y);
  for (let k = s.start[b]!, end = s.start[b + 1]!; k < end; k++) {
    const e = edgeOf[k]! * 4;
    const xi = edges[e]!;
    const yi = edges[e + 1]!;
    const xj = edges[e + 2]!;
    const yj = edges[e + 3]!;
    if ((yi <= y) === (y <= yj) || (yj <= y) === (y <= yi)) {
      // y within the edge's span: on the edge when collinear and within its x span.
      if ((xi <= x) === (x <= xj) || (xj <= x) === (x <= xi)) {
        if ((xj - xi) * (y - yi) - (yj - yi) * (x - xi) === 0) return true;
      }
    }
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
