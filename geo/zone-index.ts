import { latLngToCell } from 'h3-js';
import { zoneCells, type ZoneCells } from './zone-cells.js';
import type { PreparedZone } from './zones.js';

/** The cells of one resolution: cell → the slots of the zones listed there (see `ZoneIndex`). */
interface Level {
  res: number;
  cells: Map<string, number[]>;
}

/**
 * Zones by H3 cell, for "which zones contain this point". A lookup computes
 * the point's cell at each resolution in use (one, for zones of a city's
 * sizes), answers the zones that hold the whole cell at once, and runs the
 * exact test only for the zones whose edge comes near it. The answer is
 * exactly the zones whose `contains` accepts the point
 * (test/unit/geo/zones.test.ts checks it against a brute-force scan).
 *
 * Laid out for the lookup, which runs per request: each zone has a small
 * integer slot, and a cell lists slots in one array of small integers, a
 * zone that holds the whole cell as `slot` and one whose edge crosses it as
 * `~slot` (negative). A lookup then reads one array and never goes through
 * a map per zone. Measured on the 2,000-zone city (docs/catalog-zones.md):
 * the per-zone map and per-cell objects cost more than the exact tests.
 */
export class ZoneIndex {
  private readonly slotOf = new Map<string, number>();
  private readonly ids: string[] = [];
  private readonly tests: Array<PreparedZone['contains']> = [];
  private readonly held: Array<{ zone: PreparedZone; cells: ZoneCells } | undefined> = [];
  private readonly freeSlots: number[] = [];
  private levels: Level[] = [];

  get size(): number {
    return this.slotOf.size;
  }

  has(id: string): boolean {
    return this.slotOf.has(id);
  }

  /** Adds or replaces a zone; `cells` lets a caller reuse a precompute (the benchmark, a reload). */
  set(id: string, zone: PreparedZone, cells: ZoneCells = zoneCells(zone)): void {
    this.delete(id);
    const slot = this.freeSlots.pop() ?? this.ids.length;
    this.ids[slot] = id;
    this.tests[slot] = zone.contains;
    this.held[slot] = { zone, cells };
    this.slotOf.set(id, slot);
    let level = this.levels.find((l) => l.res === cells.res);
    if (!level) {
      level = { res: cells.res, cells: new Map() };
      this.levels = [...this.levels, level].sort((a, b) => b.res - a.res);
    }
    for (const c of cells.interior) listAt(level.cells, c).push(slot);
    for (const c of cells.boundary) listAt(level.cells, c).push(~slot);
  }

  delete(id: string): boolean {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return false;
    const { cells } = this.held[slot]!;
    const level = this.levels.find((l) => l.res === cells.res)!;
    const drop = (cell: string, v: number) => {
      const list = level.cells.get(cell);
      if (!list) return;
      const at = list.indexOf(v);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0) level.cells.delete(cell);
    };
    for (const c of cells.interior) drop(c, slot);
    for (const c of cells.boundary) drop(c, ~slot);
    if (level.cells.size === 0) this.levels = this.levels.filter((l) => l !== level);
    this.slotOf.delete(id);
    this.held[slot] = undefined;
    this.tests[slot] = () => false;
    this.freeSlots.push(slot);
    return true;
  }

  zone(id: string): PreparedZone | undefined {
    const slot = this.slotOf.get(id);
    return slot === undefined ? undefined : this.held[slot]?.zone;
  }

  /** Ids of the zones that contain the point (their edge included), in no particular order. */
  lookup(lat: number, lng: number): string[] {
    const out: string[] = [];
    for (const level of this.levels) {
      const list = level.cells.get(latLngToCell(lat, lng, level.res));
      if (list === undefined) continue;
      for (let k = 0; k < list.length; k++) {
        const v = list[k]!;
        if (v >= 0) out.push(this.ids[v]!);
        else if (this.tests[~v]!(lat, lng)) out.push(this.ids[~v]!);
      }
    }
    return out;
  }

  /**
   * Ids of the zones whose bounding box meets the box [west, south, east,
   * north] (degrees; west > east is a box across the antimeridian), at most
   * `limit`, and how many met it in all. A scan of every zone's box (a few
   * microseconds per thousand zones): what a map asks when its view moves.
   */
  inBox(box: readonly [number, number, number, number], limit: number): { ids: string[]; total: number } {
    const [west, south, east, north] = box;
    // The view as one or two longitude spans in [-180, 180]; a zone's box is in unwrapped longitudes (it may leave that range).
    const spans: [number, number][] = west <= east ? [[west, east]] : [[west, 180], [-180, east]];
    const ids: string[] = [];
    let total = 0;
    for (let slot = 0; slot < this.held.length; slot++) {
      const h = this.held[slot];
      if (!h) continue;
      const [minLng, minLat, maxLng, maxLat] = h.zone.bbox;
      if (maxLat < south || minLat > north) continue;
      if (!spans.some(([a, b]) => lngSpansMeet(minLng, maxLng, a, b))) continue;
      total += 1;
      if (ids.length < limit) ids.push(this.ids[slot]!);
    }
    return { ids, total };
  }

  /** Whether any zone contains the point; stops at the first. */
  any(lat: number, lng: number): boolean {
    for (const level of this.levels) {
      const list = level.cells.get(latLngToCell(lat, lng, level.res));
      if (list === undefined) continue;
      for (let k = 0; k < list.length; k++) {
        const v = list[k]!;
        if (v >= 0 || this.tests[~v]!(lat, lng)) return true;
      }
    }
    return false;
  }
}

/** Whether the longitude span [a1, a2] (unwrapped: it may leave [-180, 180]) meets [b1, b2], a span inside [-180, 180]. */
function lngSpansMeet(a1: number, a2: number, b1: number, b2: number): boolean {
  if (a2 - a1 >= 360) return true;
  for (const shift of [-360, 0, 360]) if (a1 + shift <= b2 && a2 + shift >= b1) return true;
  return false;
}

function listAt(cells: Map<string, number[]>, cell: string): number[] {
  let list = cells.get(cell);
  if (!list) {
    list = [];
    cells.set(cell, list);
  }
  return list;
}
