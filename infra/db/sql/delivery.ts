import { toPage, offsetOf, type Page, type PageRequest } from '../../../domain/shared/pagination.js';
import { ACTIVE_STATUSES, Delivery, type DeliveryStatus } from '../../../domain/delivery/model.js';
import type { DeliveryFilter, DeliveryRepository } from '../../../domain/delivery/ports.js';
import type { SqlExecutor } from './client.js';
import { Where } from './where.js';

interface Row {
  id: string;
  order_id: string;
  store_id: string;
  customer_id: string;
  courier_id: string | null;
  pickup_lat: number;
  pickup_lng: number;
  dropoff_lat: number;
  dropoff_lng: number;
  status: string;
  timestamps: Record<string, string> | string;
  reason: string | null;
  version: number;
  created_at: Date | string;
  updated_at: Date | string;
}

const toDelivery = (r: Row): Delivery =>
  Delivery.restore({
    id: r.id,
    orderId: r.order_id,
    storeId: r.store_id,
    customerId: r.customer_id,
    courierId: r.courier_id,
    pickup: { lat: Number(r.pickup_lat), lng: Number(r.pickup_lng) },
    dropoff: { lat: Number(r.dropoff_lat), lng: Number(r.dropoff_lng) },
    status: r.status as DeliveryStatus,
    timestamps: typeof r.timestamps === 'string' ? JSON.parse(r.timestamps) : r.timestamps,
    reason: r.reason,
    version: Number(r.version),
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  });

export class SqlDeliveryRepository implements DeliveryRepository {
  constructor(private readonly db: SqlExecutor) {}

  async create(delivery: Delivery): Promise<{ delivery: Delivery; created: boolean }> {
    const p = delivery.toProps();
    const r = await this.db.query(
      `insert into deliveries (id, order_id, store_id, customer_id, courier_id, pickup_lat, pickup_lng, dropoff_lat, dropoff_lng, status, timestamps, reason, version, created_at, updated_at)
       values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11::jsonb,$12,$13,$14,$15) on conflict do nothing`,
      [p.id, p.orderId, p.storeId, p.customerId, p.courierId, p.pickup.lat, p.pickup.lng, p.dropoff.lat, p.dropoff.lng, p.status, JSON.stringify(p.timestamps), p.reason, p.version, p.createdAt, p.updatedAt],
    );
    if (r.rowCount === 1) return { delivery, created: true };
    const existing = (await this.findByOrderId(p.orderId)) ?? (await this.findById(p.id));
    if (!existing) throw new Error('delivery insert conflicted but no row was found');
    return { delivery: existing, created: false };
  }

  async findById(id: string): Promise<Delivery | null> {
    const r = await this.db.query<Row>('select * from deliveries where id = $1', [id]);
    return r.rows[0] ? toDelivery(r.rows[0]) : null;
  }

  async findByOrderId(orderId: string): Promise<Delivery | null> {
    const r = await this.db.query<Row>('select * from deliveries where order_id = $1', [orderId]);
    return r.rows[0] ? toDelivery(r.rows[0]) : null;
  }

  async save(delivery: Delivery, expectedVersion: number): Promise<boolean> {
    const p = delivery.toProps();
    const r = await this.db.query(
      `update deliveries set courier_id = $2, status = $3, timestamps = $4::jsonb, reason = $5, version = $6, updated_at = $7
       where id = $1 and version = $8`,
      [p.id, p.courierId, p.status, JSON.stringify(p.timestamps), p.reason, p.version, p.updatedAt, expectedVersion],
    );
    return r.rowCount === 1;
  }

  async listActiveByCourier(courierId: string): Promise<Delivery[]> {
    const r = await this.db.query<Row>('select * from deliveries where courier_id = $1 and status = any($2::text[]) order by created_at desc, id desc', [courierId, ACTIVE_STATUSES]);
    return r.rows.map(toDelivery);
  }

  async list(filter: DeliveryFilter, page: PageRequest): Promise<Page<Delivery>> {
    const where = new Where()
      .add('store_id = ?', filter.storeId)
      .add('customer_id = ?', filter.customerId)
      .add('courier_id = ?', filter.courierId)
      .add('status = any(?::text[])', filter.statuses?.length ? filter.statuses : undefined);
    const clause = String(where);
    const params = where.params;
    const count = await this.db.query<{ n: string | number }>(`select count(*) as n from deliveries ${clause}`, params);
    const rows = await this.db.query<Row>(`select * from deliveries ${clause} order by created_at desc, id desc limit ${page.limit} offset ${offsetOf(page)}`, params);
    return toPage(rows.rows.map(toDelivery), Number(count.rows[0]?.n ?? 0), page);
  }
}
