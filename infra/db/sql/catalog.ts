import { toPage, offsetOf, type Page, type PageRequest } from '../../../domain/shared/pagination.js';
import { LISTED_STORE_STATUS, LISTED_VERIFICATION_STATUS, Store, type StoreFilter, type StoreLogo, type StoreStatus } from '../../../domain/catalog/model.js';
import { AWAITING_VERIFICATION } from '../../../domain/catalog/store-verification.js';
import type { OpeningHours } from '../../../domain/catalog/opening-hours.js';
import type { StoreDocument, StoreVerificationStatus } from '../../../domain/catalog/store-verification.js';
import type { GeoBox, PlaceInBox, StoreRepository } from '../../../domain/catalog/ports.js';
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
  pickup_instructions: string | null;
  status: string;
  cuisine: string | null;
  logo: StoreLogo | string | null;
  hours: OpeningHours | string | null;
  minimum_order: number | string;
  prep_minutes: number | null;
  rating_average: number | null;
  rating_count: number;
  verification_status: string;
  verification_submitted_at: Date | string | null;
  verification_reason: string | null;
  verification_decided_by: string | null;
  verification_decided_at: Date | string | null;
  verification_documents: StoreDocument[] | string;
  version: number;
  created_at: Date | string;
  updated_at: Date | string;
}

/** pg parses jsonb; some drivers hand back text. */
const json = <T>(v: T | string | null): T | null => (typeof v === 'string' ? (JSON.parse(v) as T) : v);
const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());

const toStore = (r: Row): Store =>
  Store.restore({
    id: r.id,
    ownerId: r.owner_id,
    name: r.name,
    phone: r.phone,
    address: r.address,
    location: { lat: Number(r.lat), lng: Number(r.lng) },
    pickupInstructions: r.pickup_instructions,
    status: r.status as StoreStatus,
    cuisine: r.cuisine,
    logo: json(r.logo),
    hours: json(r.hours),
    minimumOrder: Number(r.minimum_order),
    prepMinutes: r.prep_minutes === null ? null : Number(r.prep_minutes),
    rating: { average: r.rating_average === null ? null : Number(r.rating_average), count: Number(r.rating_count) },
    verification: {
      status: r.verification_status as StoreVerificationStatus,
      submittedAt: iso(r.verification_submitted_at),
      reason: r.verification_reason,
      decidedBy: r.verification_decided_by,
      decidedAt: iso(r.verification_decided_at),
      documents: json(r.verification_documents) ?? [],
    },
    version: Number(r.version),
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  });

/** Every column but the id, owner and creation time, in this order: what `save` writes. */
const MUTABLE = [
  'name', 'phone', 'address', 'lat', 'lng', 'pickup_instructions', 'status', 'cuisine', 'logo', 'hours', 'minimum_order', 'prep_minutes', 'rating_average', 'rating_count',
  'verification_status', 'verification_submitted_at', 'verification_reason', 'verification_decided_by', 'verification_decided_at', 'verification_documents',
  'version', 'updated_at',
] as const;

function mutableValues(store: Store): unknown[] {
  const p = store.toProps();
  const v = p.verification;
  return [
    p.name, p.phone, p.address, p.location.lat, p.location.lng, p.pickupInstructions, p.status, p.cuisine,
    p.logo === null ? null : JSON.stringify(p.logo), p.hours === null ? null : JSON.stringify(p.hours), p.minimumOrder, p.prepMinutes, p.rating.average, p.rating.count,
    v.status, v.submittedAt, v.reason, v.decidedBy, v.decidedAt, JSON.stringify(v.documents),
    p.version, p.updatedAt,
  ];
}

const likePattern = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export class SqlStoreRepository implements StoreRepository {
  constructor(private readonly db: SqlExecutor) {}

  async create(store: Store): Promise<void> {
    const p = store.toProps();
    const columns = ['id', 'owner_id', 'created_at', ...MUTABLE];
    const values = [p.id, p.ownerId, p.createdAt, ...mutableValues(store)];
    await this.db.query(`insert into stores (${columns.join(', ')}) values (${columns.map((_, i) => `$${i + 1}`).join(', ')})`, values);
  }

  async findById(id: string): Promise<Store | null> {
    const r = await this.db.query<Row>('select * from stores where id = $1', [id]);
    return r.rows[0] ? toStore(r.rows[0]) : null;
  }

  async findByIds(ids: readonly string[]): Promise<Store[]> {
    if (ids.length === 0) return [];
    const r = await this.db.query<Row>('select * from stores where id = any($1::text[])', [[...new Set(ids)]]);
    return r.rows.map(toStore);
  }

  async inBox(box: GeoBox, after: string | null, limit: number): Promise<PlaceInBox[]> {
    const r = await this.db.query<{ id: string; owner_id: string; lat: number; lng: number }>(
      `select id, owner_id, lat, lng from stores where lat between $1 and $2 and lng between $3 and $4 and id > $5 order by id limit ${Math.trunc(limit)}`,
      [box.minLat, box.maxLat, box.minLng, box.maxLng, after ?? ''],
    );
    return r.rows.map((x) => ({ id: x.id, accountId: x.owner_id, lat: Number(x.lat), lng: Number(x.lng) }));
  }

  async save(store: Store, expectedVersion: number): Promise<boolean> {
    const values = mutableValues(store);
    const sets = MUTABLE.map((c, i) => `${c} = $${i + 2}`).join(', ');
    const r = await this.db.query(`update stores set ${sets} where id = $1 and version = $${values.length + 2}`, [store.id, ...values, expectedVersion]);
    return r.rowCount === 1;
  }

  async list(filter: StoreFilter, page: PageRequest): Promise<Page<Store>> {
    const where = new Where()
      .add('owner_id = ?', filter.ownerId)
      .add('status = ?', filter.status)
      .raw(`status = '${LISTED_STORE_STATUS}' and verification_status = '${LISTED_VERIFICATION_STATUS}'`, filter.listed)
      .add('verification_status = ?', filter.verification)
      .add('cuisine = ?', filter.cuisine)
      .add(`name ilike ? escape '\\'`, filter.q === undefined ? undefined : likePattern(filter.q));
    const clause = String(where);
    // The verifiers' queue reads oldest submission first; every other list newest first.
    const order = filter.verification === AWAITING_VERIFICATION ? 'verification_submitted_at asc, id asc' : 'created_at desc, id desc';
    const count = await this.db.query<{ n: string | number }>(`select count(*) as n from stores ${clause}`, where.params);
    const rows = await this.db.query<Row>(`select * from stores ${clause} order by ${order} limit ${page.limit} offset ${offsetOf(page)}`, where.params);
    return toPage(rows.rows.map(toStore), Number(count.rows[0]?.n ?? 0), page);
  }
}
