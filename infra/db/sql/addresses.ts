import { toPage, offsetOf, type Page, type PageRequest } from '../../../domain/shared/pagination.js';
import { Address, type PointSource } from '../../../domain/catalog/address.js';
import type { AddressRepository, GeoBox, PlaceInBox } from '../../../domain/catalog/ports.js';
import type { SqlClient } from './client.js';

interface Row {
  id: string;
  customer_id: string;
  label: string;
  line: string;
  building: string | null;
  floor: string | null;
  notes: string | null;
  lat: number;
  lng: number;
  point_source: string;
  is_default: boolean;
  deleted_at: Date | string | null;
  version: number;
  created_at: Date | string;
  updated_at: Date | string;
}

const iso = (d: Date | string) => new Date(d).toISOString();
const toAddress = (r: Row): Address =>
  Address.restore({
    id: r.id,
    customerId: r.customer_id,
    label: r.label,
    line: r.line,
    building: r.building,
    floor: r.floor,
    notes: r.notes,
    point: { lat: Number(r.lat), lng: Number(r.lng) },
    pointSource: r.point_source as PointSource,
    isDefault: r.is_default,
    deletedAt: r.deleted_at === null ? null : iso(r.deleted_at),
    version: Number(r.version),
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  });

const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === '23505';
/** Two concurrent writers can both pick the same free slot or default; the loser tries again. */
const ATTEMPTS = 5;
const LIVE_ORDER = 'order by is_default desc, created_at desc, id desc';

export class SqlAddressRepository implements AddressRepository {
  constructor(private readonly db: SqlClient) {}

  async insert(address: Address, maxLive: number): Promise<boolean> {
    const p = address.toProps();
    for (let attempt = 0; ; attempt++) {
      const used = await this.db.query<{ slot: number }>('select slot from addresses where customer_id = $1 and slot is not null', [p.customerId]);
      const taken = new Set(used.rows.map((r) => Number(r.slot)));
      let slot = 0;
      while (taken.has(slot)) slot++;
      if (slot >= maxLive) return false;
      try {
        await this.atomically(() => this.db.query(
          `insert into addresses (id, customer_id, label, line, building, floor, notes, lat, lng, point_source, is_default, slot, deleted_at, version, created_at, updated_at)
           values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,null,$13,$14,$15)`,
          [p.id, p.customerId, p.label, p.line, p.building, p.floor, p.notes, p.point.lat, p.point.lng, p.pointSource, p.isDefault, slot, p.version, p.createdAt, p.updatedAt],
        ));
        return true;
      } catch (err) {
        if (!isUniqueViolation(err) || attempt >= ATTEMPTS || (await this.findById(p.id))) throw err;
      }
    }
  }

  /**
   * Runs `fn` as one unit: its own transaction, or a savepoint inside the caller's, so a
   * lost race (a unique violation) undoes only `fn` and the caller's transaction lives on.
   */
  private async atomically<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.db.inTransaction()) return this.db.transaction(fn);
    await this.db.query('savepoint address_write');
    try {
      const out = await fn();
      await this.db.query('release savepoint address_write');
      return out;
    } catch (err) {
      await this.db.query('rollback to savepoint address_write');
      throw err;
    }
  }

  async findById(id: string): Promise<Address | null> {
    const r = await this.db.query<Row>('select * from addresses where id = $1', [id]);
    return r.rows[0] ? toAddress(r.rows[0]) : null;
  }

  async save(address: Address, expectedVersion: number): Promise<boolean> {
    const p = address.toProps();
    const r = await this.db.query(
      `update addresses set label = $2, line = $3, building = $4, floor = $5, notes = $6, lat = $7, lng = $8, point_source = $9,
         deleted_at = $10, slot = case when $10::timestamptz is null then slot else null end, is_default = is_default and $10::timestamptz is null,
         version = $11, updated_at = $12
       where id = $1 and version = $13`,
      [p.id, p.label, p.line, p.building, p.floor, p.notes, p.point.lat, p.point.lng, p.pointSource, p.deletedAt, p.version, p.updatedAt, expectedVersion],
    );
    return r.rowCount === 1;
  }

  async setDefault(customerId: string, addressId: string): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.atomically(async () => {
          const tx = this.db;
          const target = await tx.query<{ is_default: boolean }>('select is_default from addresses where id = $1 and customer_id = $2 and deleted_at is null for update', [addressId, customerId]);
          if (!target.rows[0]) return false;
          if (target.rows[0].is_default) return true;
          // Clear first: the unique index allows one default per customer at every moment.
          await tx.query('update addresses set is_default = false, version = version + 1 where customer_id = $1 and is_default', [customerId]);
          await tx.query('update addresses set is_default = true, version = version + 1 where id = $1', [addressId]);
          return true;
        });
      } catch (err) {
        // A concurrent switch committed a default this statement did not see; read again.
        if (!isUniqueViolation(err) || attempt >= ATTEMPTS) throw err;
      }
    }
  }

  async listLive(customerId: string, page: PageRequest): Promise<Page<Address>> {
    const count = await this.db.query<{ n: string | number }>('select count(*) as n from addresses where customer_id = $1 and deleted_at is null', [customerId]);
    const rows = await this.db.query<Row>(`select * from addresses where customer_id = $1 and deleted_at is null ${LIVE_ORDER} limit ${page.limit} offset ${offsetOf(page)}`, [customerId]);
    return toPage(rows.rows.map(toAddress), Number(count.rows[0]?.n ?? 0), page);
  }

  async liveInBox(box: GeoBox, after: string | null, limit: number): Promise<PlaceInBox[]> {
    const r = await this.db.query<{ id: string; customer_id: string; lat: number; lng: number }>(
      `select id, customer_id, lat, lng from addresses where deleted_at is null and lat between $1 and $2 and lng between $3 and $4 and id > $5 order by id limit ${Math.trunc(limit)}`,
      [box.minLat, box.maxLat, box.minLng, box.maxLng, after ?? ''],
    );
    return r.rows.map((x) => ({ id: x.id, accountId: x.customer_id, lat: Number(x.lat), lng: Number(x.lng) }));
  }

  async newestLive(customerId: string): Promise<Address | null> {
    const r = await this.db.query<Row>('select * from addresses where customer_id = $1 and deleted_at is null order by created_at desc, id desc limit 1', [customerId]);
    return r.rows[0] ? toAddress(r.rows[0]) : null;
  }
}
