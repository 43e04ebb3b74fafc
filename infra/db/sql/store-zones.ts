import type { StoreZone, ZoneShape } from '../../../domain/catalog/store-zone.js';
import type { StoreZoneRepository } from '../../../domain/catalog/ports.js';
import type { SqlClient } from './client.js';

interface Row {
  store_id: string;
  shape: ZoneShape | string | null;
  version: number;
  updated_at: Date | string;
}

const toZone = (r: Row): StoreZone => ({
  storeId: r.store_id,
  // pg parses jsonb; a driver that hands back text gets parsed here.
  shape: typeof r.shape === 'string' ? (JSON.parse(r.shape) as ZoneShape) : r.shape,
  version: Number(r.version),
  updatedAt: new Date(r.updated_at).toISOString(),
});

export class SqlStoreZoneRepository implements StoreZoneRepository {
  constructor(private readonly db: SqlClient) {}

  async find(storeId: string): Promise<StoreZone | null> {
    const r = await this.db.query<Row>('select * from store_zones where store_id = $1', [storeId]);
    return r.rows[0] ? toZone(r.rows[0]) : null;
  }

  async put(zone: StoreZone, expectedVersion: number): Promise<boolean> {
    const shape = zone.shape === null ? null : JSON.stringify(zone.shape);
    const r = expectedVersion === 0
      ? await this.db.query('insert into store_zones (store_id, shape, version, updated_at) values ($1, $2::jsonb, $3, $4) on conflict (store_id) do nothing', [zone.storeId, shape, zone.version, zone.updatedAt])
      : await this.db.query('update store_zones set shape = $2::jsonb, version = $3, updated_at = $4 where store_id = $1 and version = $5', [zone.storeId, shape, zone.version, zone.updatedAt, expectedVersion]);
    return r.rowCount === 1;
  }

  async revisions(): Promise<Map<string, number>> {
    const r = await this.db.query<{ store_id: string; version: number }>('select store_id, version from store_zones where shape is not null');
    return new Map(r.rows.map((x) => [x.store_id, Number(x.version)]));
  }

  async findMany(storeIds: readonly string[]): Promise<StoreZone[]> {
    if (storeIds.length === 0) return [];
    const r = await this.db.query<Row>('select * from store_zones where store_id = any($1::text[]) and shape is not null', [[...storeIds]]);
    return r.rows.map(toZone);
  }
}
