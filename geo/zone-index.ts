import { latLngToCell } from 'h3-js';
import { zoneCells, type ZoneCells } from './zone-cells.js';
import type { PreparedZone } from './zones.js';

/** The zones listed under one cell: those that hold all of it, and those whose edge may cross it. */
interface CellEntry {
  whole: string[];
  edge: string[];
}

interface Indexed {
  zone: PreparedZone;
  cells: ZoneCells;
}

/**
 * Zones by H3 cell, for "which zones contain this point". A lookup computes
 * the point's cell at each resolution in use (usually one or two), answers
 * the zones that hold the whole cell at once, and runs the exact test only
 * for the zones whose edge crosses it. The answer is exactly the zones whose
 * `contains` accepts the point (test/unit/geo/zones.test.ts checks it
 * against a brute-force scan).
 */
export class ZoneIndex {
  private readonly zones = new Map<string, Indexed>();
  /** res → cell → entry. */
  private readonly byRes = new Map<number, Map<string, CellEntry>>();
  private resolutions: number[] = [];

  get size(): number {
    return this.zones.size;
  }

  has(id: string): boolean {
    return this.zones.has(id);
  }

  /** Adds or replaces a zone; `cells` lets a caller reuse a precompute (the benchmark, a reload). */
  set(id: string, zone: PreparedZone, cells: ZoneCells = zoneCells(zone)): void {
    this.delete(id);
    let byCell = this.byRes.get(cells.res);
    if (!byCell) {
      byCell = new Map();
      this.byRes.set(cells.res, byCell);
      this.resolutions = [...this.byRes.keys()].sort((a, b) => b - a);
    }
    for (const c of cells.interior) entry(byCell, c).whole.push(id);
    for (const c of cells.boundary) entry(byCell, c).edge.push(id);
    this.zones.set(id, { zone, cells });
  }

  delete(id: string): boolean {
    const had = this.zones.get(id);
    if (!had) return false;
    const byCell = this.byRes.get(had.cells.res)!;
    const drop = (cell: string, list: 'whole' | 'edge') => {
      const e = byCell.get(cell);
      if (!e) return;
      e[list] = e[list].filter((z) => z !== id);
      if (e.whole.length === 0 && e.edge.length === 0) byCell.delete(cell);
    };
    for (const c of had.cells.interior) drop(c, 'whole');
    for (const c of had.cells.boundary) drop(c, 'edge');
    if (byCell.size === 0) {
      this.byRes.delete(had.cells.res);
      this.resolutions = [...this.byRes.keys()].sort((a, b) => b - a);
    }
    this.zones.delete(id);
    return true;
  }

  zone(id: string): PreparedZone | undefined {
    return this.zones.get(id)?.zone;
  }

  /** Ids of the zones that contain the point (their edge included), in no particular order. */
  lookup(lat: number, lng: number): string[] {
    const out: string[] = [];
    for (const res of this.resolutions) {
      const e = this.byRes.get(res)!.get(latLngToCell(lat, lng, res));
      if (!e) continue;
      for (const id of e.whole) out.push(id);
      for (const id of e.edge) if (this.zones.get(id)!.zone.contains(lat, lng)) out.push(id);
    }
    return out;
  }

  /** Whether any zone contains the point; stops at the first. */
  any(lat: number, lng: number): boolean {
    for (const res of this.resolutions) {
      const e = this.byRes.get(res)!.get(latLngToCell(lat, lng, res));
      if (!e) continue;
      if (e.whole.length > 0) return true;
      for (const id of e.edge) if (this.zones.get(id)!.zone.contains(lat, lng)) return true;
    }
    return false;
  }
}

function entry(byCell: Map<string, CellEntry>, cell: string): CellEntry {
  let e = byCell.get(cell);
  if (!e) {
    e = { whole: [], edge: [] };
    byCell.set(cell, e);
  }
  return e;
}
