import { prepareZone, zoneCells, type PreparedZone, type ZoneShape as GeoZoneShape, type AreaSnapshot, type AreaOptions } from '../geo/index.js';
import type { AddressRepository, GeoBox, PlaceInBox, StoreRepository } from '../domain/catalog/ports.js';
import type { ZoneShape } from '../domain/catalog/store-zone.js';
import type { AreaAudience } from '../domain/notification/ports.js';
import type { Segment } from '../domain/notification/model.js';

/** Cells the courier search reads: res 5 (about 250 km²) keeps the largest allowed area to a few dozen reads. */
const COURIER_CELL_RES = 5;
/** The index answers at most this many couriers per cell. */
const COURIERS_PER_CELL = 10_000;

/**
 * Who is in an area, for bulk sends: customers and store owners from the database by the area's
 * bounding box (paged by id, then tested exactly), couriers from the live index by the H3 cells
 * that cover the area. A box that crosses the antimeridian is read as two boxes.
 */
export class GeoAreaAudience implements AreaAudience {
  constructor(private readonly deps: {
    addresses: Pick<AddressRepository, 'liveInBox'>;
    stores: Pick<StoreRepository, 'inBox'>;
    courierIndex: { couriersInArea(area: string, opts?: AreaOptions): Promise<AreaSnapshot> };
  }) {}

  async page(role: Segment['role'], area: ZoneShape, cursor: string | null, limit: number): Promise<{ accountIds: string[]; next: string | null }> {
    const zone = prepareZone(area as GeoZoneShape);
    if (role === 'courier') return { accountIds: await this.couriers(zone), next: null };
    const read = (box: GeoBox, after: string | null): Promise<PlaceInBox[]> =>
      role === 'customer' ? this.deps.addresses.liveInBox(box, after, limit) : this.deps.stores.inBox(box, after, limit);
    const boxes = boxesOf(zone.bbox);
    let [box, after] = decode(cursor);
    for (; box < boxes.length; box++, after = null) {
      const rows = await read(boxes[box]!, after);
      const accountIds = [...new Set(rows.filter((r) => zone.contains(r.lat, r.lng)).map((r) => r.accountId))];
      if (rows.length === limit) return { accountIds, next: `${box}:${rows.at(-1)!.id}` };
      if (accountIds.length > 0) return { accountIds, next: box + 1 < boxes.length ? `${box + 1}:` : null };
    }
    return { accountIds: [], next: null };
  }

  private async couriers(zone: PreparedZone): Promise<string[]> {
    const cells = zoneCells(zone, COURIER_CELL_RES);
    const ids = new Set<string>();
    for (const [cells_, exact] of [[cells.interior, false], [cells.boundary, true]] as const) {
      for (const cell of cells_) {
        const snapshot = await this.deps.courierIndex.couriersInArea(cell, { limit: COURIERS_PER_CELL });
        for (const c of snapshot.couriers) if (!c.stale && (!exact || zone.contains(c.lat, c.lng))) ids.add(c.courierId);
      }
    }
    return [...ids];
  }
}

/** The zone's box (longitudes unwrapped) as boxes inside [-180, 180]. */
export function boxesOf([minLng, minLat, maxLng, maxLat]: [number, number, number, number]): GeoBox[] {
  if (maxLng - minLng >= 360) return [{ minLat, maxLat, minLng: -180, maxLng: 180 }];
  if (minLng < -180) return [{ minLat, maxLat, minLng: minLng + 360, maxLng: 180 }, { minLat, maxLat, minLng: -180, maxLng }];
  if (maxLng > 180) return [{ minLat, maxLat, minLng, maxLng: 180 }, { minLat, maxLat, minLng: -180, maxLng: maxLng - 360 }];
  return [{ minLat, maxLat, minLng, maxLng }];
}

function decode(cursor: string | null): [number, string | null] {
  if (!cursor) return [0, null];
  const i = cursor.indexOf(':');
  const after = cursor.slice(i + 1);
  return [Number(cursor.slice(0, i)), after === '' ? null : after];
}
