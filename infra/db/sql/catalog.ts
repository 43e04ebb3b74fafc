import { toPage, offsetOf, type Page, type PageRequest } from '../../../domain/shared/pagination.js';
import { Store, type StoreFilter, type StoreStatus } from '../../../domain/catalog/model.js';
import type { StoreRepository } from '../../../domain/catalog/ports.js';
import type { SqlExecutor } from './client.js';
import { Where } from './where.js';

interface Row {
  id: string;
  owner_id: string;
  name: string;
  phone: string | null;
  address: string;
  lat: number;
  lng: number;
  status: string;
  version: number;
  created_at: Date | string;
  updated_at: Date | string;
}

const toStore = (r: Row): Store =>
  Store.restore({
    id: r.id,
    ownerId: r.owner_id,
    name: r.name,
    phone: r.phone,
    address: r.address,
    location: { lat: Number(r.lat), lng: Number(r.lng) },
    status: r.status as StoreStatus,
    version: Number(r.version),
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  });

export class SqlStoreRepository implements StoreRepository {
  constructor(private readonly db: SqlExecutor) {}

  async create(store: Store): Promise<void> {
    const p = store.toProps();
    await this.db.query(
      `insert into stores (id, owner_id, name, phone, address, lat, lng, status, version, created_at, updated_at)
       values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
      [p.id, p.ownerId, p.name, p.phone, p.address, p.location.lat, p.location.lng, p.status, p.version, p.createdAt, p.updatedAt],
    );
  }

  async findById(id: string): Promise<Store | null> {
    const r = await this.db.query<Row>('select * from stores where id = $1', [id]);
    return r.rows[0] ? toStore(r.rows[0]) : null;
  }

  async save(store: Store, expectedVersion: number): Promise<boolean> {
    const p = store.toProps();
    const r = await this.db.query(
      `update stores set name = $2, phone = $3, address = $4, lat = $5, lng = $6, status = $7, version = $8, updated_at = $9
       where id = $1 and version = $10`,
      [p.id, p.name, p.phone, p.address, p.location.lat, p.location.lng, p.status, p.version, p.updatedAt, expectedVersion],
    );
    return r.rowCount === 1;
  }

  async list(filter: StoreFilter, page: PageRequest): Promise<Page<Store>> {
    const where = new Where().add('owner_id = ?', filter.ownerId).add('status = ?', filter.status);
    const clause = String(where);
    const count = await this.db.query<{ n: string | number }>(`select count(*) as n from stores ${clause}`, where.params);
    const rows = await this.db.query<Row>(`select * from stores ${clause} order by created_at desc, id desc limit ${page.limit} offset ${offsetOf(page)}`, where.params);
    return toPage(rows.rows.map(toStore), Number(count.rows[0]?.n ?? 0), page);
  }
}
