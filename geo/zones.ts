import { POLYGON_TO_CELLS_FLAGS, gridDisk, latLngToCell, polygonToCellsExperimental } from 'h3-js';
import { booleanPointInPolygon, kinks, multiPolygon, polygon } from '@turf/turf';
import type { Feature, MultiPolygon, Polygon } from 'geojson';
import { GeoError } from './errors.js';

/** Integer minor units + currency, as everywhere in Daraa. */
export interface Money {
  amountMinor: number;
  currency: string;
}

export interface ZoneFee {
  baseMinor: number;
  perKmMinor: number;
  currency: string;
  minMinor?: number;
  maxMinor?: number;
}

export interface ZoneDefinition {
  id: string;
  /** GeoJSON Polygon or MultiPolygon ([lng, lat] positions), or a Feature wrapping one. */
  polygon: Polygon | MultiPolygon | Feature<Polygon | MultiPolygon>;
  fee: ZoneFee;
}

const invalid = (message: string, details: Record<string, unknown> = {}) => new GeoError('INVALID_POLYGON', message, details);

function assertRing(ring: unknown, where: string): asserts ring is number[][] {
  if (!Array.isArray(ring) || ring.length < 4) throw invalid(`${where}: a ring needs at least 4 positions`, { where });
  for (const p of ring) {
    if (!Array.isArray(p) || p.length < 2 || !p.every((x) => typeof x === 'number' && Number.isFinite(x))) throw invalid(`${where}: positions must be [lng, lat] numbers`, { where });
    const [lng, lat] = p as [number, number];
    if (lng < -180 || lng > 180 || lat < -90 || lat > 90) throw invalid(`${where}: position out of range`, { where, position: p });
  }
  const first = ring[0] as number[];
  const last = ring[ring.length - 1] as number[];
  if (first[0] !== last[0] || first[1] !== last[1]) throw invalid(`${where}: ring is not closed`, { where });
}

/**
 * A delivery zone precomputed to H3 cells: `interior` cells are wholly inside
 * and at least one cell away from the edge (so H3's and turf's edge models
 * cannot disagree there) and answer membership in O(1); `edge` cells get the
 * exact turf point-in-polygon check; any other cell is outside.
 */
export class Zone {
  private constructor(
    readonly id: string,
    readonly fee: ZoneFee,
    readonly resolution: number,
    private readonly shape: Feature<Polygon | MultiPolygon>,
    private readonly interior: Set<string>,
    private readonly edge: Set<string>,
  ) {}

  /** Validate (closed rings, ranges, no self-intersection) and precompute. Throws INVALID_POLYGON. */
  static create(def: ZoneDefinition, resolution = 9): Zone {
    if (typeof def?.id !== 'string' || def.id.length === 0) throw invalid('zone id is required');
    const fee = def.fee;
    if (!fee || !Number.isInteger(fee.baseMinor) || !Number.isInteger(fee.perKmMinor) || fee.baseMinor < 0 || fee.perKmMinor < 0 || !/^[A-Z]{3}$/.test(fee.currency ?? '')) {
      throw new GeoError('INVALID_INPUT', 'zone fee needs integer baseMinor/perKmMinor >= 0 and an ISO currency', { zoneId: def.id });
    }
    const geom = def.polygon && 'geometry' in def.polygon ? def.polygon.geometry : def.polygon;
    if (!geom || (geom.type !== 'Polygon' && geom.type !== 'MultiPolygon')) throw invalid('zone must be a GeoJSON Polygon or MultiPolygon', { zoneId: def.id });
    const polys = geom.type === 'Polygon' ? [geom.coordinates] : geom.coordinates;
    if (!Array.isArray(polys) || polys.length === 0) throw invalid('zone has no polygon', { zoneId: def.id });
    polys.forEach((rings, i) => {
      if (!Array.isArray(rings) || rings.length === 0) throw invalid(`polygon ${i} has no rings`, { zoneId: def.id });
      rings.forEach((ring, j) => assertRing(ring, `polygon ${i} ring ${j}`));
    });
    const shape = geom.type === 'Polygon' ? polygon(geom.coordinates) : multiPolygon(geom.coordinates);
    polys.forEach((rings, i) => {
      if (kinks(polygon(rings)).features.length > 0) throw invalid(`polygon ${i} is self-intersecting`, { zoneId: def.id });
    });

    const full = new Set<string>();
    const overlap = new Set<string>();
    for (const rings of polys) {
      for (const c of polygonToCellsExperimental(rings, resolution, POLYGON_TO_CELLS_FLAGS.containmentFull, true)) full.add(c);
      for (const c of polygonToCellsExperimental(rings, resolution, POLYGON_TO_CELLS_FLAGS.containmentOverlapping, true)) overlap.add(c);
    }
    const edge = new Set<string>();
    for (const c of overlap) if (!full.has(c)) for (const n of gridDisk(c, 1)) edge.add(n);
    const interior = new Set([...full].filter((c) => !edge.has(c)));
    return new Zone(def.id, fee, resolution, shape, interior, edge);
  }

  /** Whether the point is inside the zone: O(1) for interior cells, exact turf check near the edge. */
  contains(lat: number, lng: number): boolean {
    const cell = latLngToCell(lat, lng, this.resolution);
    if (this.interior.has(cell)) return true;
    if (!this.edge.has(cell)) return false;
    return booleanPointInPolygon([lng, lat], this.shape);
  }

  get cellCount(): { interior: number; edge: number } {
    return { interior: this.interior.size, edge: this.edge.size };
  }
}

/** The first zone (in the given order) containing the point, or null. */
export function zoneAt(zones: Zone[], lat: number, lng: number): Zone | null {
  return zones.find((z) => z.contains(lat, lng)) ?? null;
}

/**
 * Delivery fee for a zone and a delivery distance: base + per started km,
 * clamped to the zone's min/max. Integer minor units throughout.
 */
export function deliveryFee(zone: Zone, distanceM: number): Money {
  if (!Number.isFinite(distanceM) || distanceM < 0) throw new GeoError('INVALID_INPUT', 'distanceM must be a non-negative number', { distanceM });
  const f = zone.fee;
  let amount = f.baseMinor + Math.ceil(distanceM / 1000) * f.perKmMinor;
  if (f.minMinor !== undefined) amount = Math.max(amount, f.minMinor);
  if (f.maxMinor !== undefined) amount = Math.min(amount, f.maxMinor);
  return { amountMinor: amount, currency: f.currency };
}
