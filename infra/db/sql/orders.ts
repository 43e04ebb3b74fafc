import { conflict } from '../../../domain/shared/errors.js';
import { toPage, offsetOf, type Page, type PageRequest } from '../../../domain/shared/pagination.js';
import { Order, formatOrderNumber, orderNumberDay, orderNumberPrefix, type OrderProps, type OrderStatus, type PaymentMethod } from '../../../domain/ordering/order.js';
import type { OrderFilter, OrderRepository } from '../../../domain/ordering/ports.js';
import type { SqlExecutor } from './client.js';
import { Where } from './where.js';

interface Row {
  id: string;
  number: string;
  checkout_id: string;
  store_id: string;
  customer_id: string;
  status: string;
  payment_method: string;
  currency: string;
  totals: OrderProps['totals'] | string;
  lines: OrderProps['lines'] | string;
  dropoff: OrderProps['dropoff'] | string;
  timeline: OrderProps['timeline'] | string;
  reason: string | null;
  version: number;
  created_at: Date | string;
  updated_at: Date | string;
}

const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

const toOrder = (r: Row): Order =>
  Order.restore({
    id: r.id,
    number: r.number,
    checkoutId: r.checkout_id,
    storeId: r.store_id,
    customerId: r.customer_id,
    lines: json(r.lines),
    currency: r.currency,
    totals: json(r.totals),
    paymentMethod: r.payment_method as PaymentMethod,
    dropoff: json(r.dropoff),
    status: r.status as OrderStatus,
    timeline: json(r.timeline),
    reason: r.reason,
    version: Number(r.version),
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  });

export class SqlOrderRepository implements OrderRepository {
  constructor(private readonly db: SqlExecutor) {}

  async nextNumber(at: Date): Promise<string> {
    const day = orderNumberDay(at);
    const r = await this.db.query<{ value: number }>(
      'insert into order_number_counters (day, value) values ($1, 1) on conflict (day) do update set value = order_number_counters.value + 1 returning value',
      [day],
    );
    return formatOrderNumber(day, Number(r.rows[0]!.value));
  }

  async create(order: Order): Promise<void> {
    const p = order.toProps();
    const r = await this.db.query(
      `insert into orders (id, number, checkout_id, store_id, customer_id, status, payment_method, currency, total_minor, totals, lines, dropoff, timeline, reason, version, created_at, updated_at)
       values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10::jsonb,$11::jsonb,$12::jsonb,$13::jsonb,$14,$15,$16,$17) on conflict do nothing`,
      [p.id, p.number, p.checkoutId, p.storeId, p.customerId, p.status, p.paymentMethod, p.currency, p.totals.totalMinor, JSON.stringify(p.totals), JSON.stringify(p.lines), JSON.stringify(p.dropoff), JSON.stringify(p.timeline), p.reason, p.version, p.createdAt, p.updatedAt],
    );
    if (r.rowCount !== 1) throw conflict('An order with this id or number exists', [{ field: 'id', reason: 'duplicate_order', message: 'id or number already used' }]);
  }

  async findById(id: string): Promise<Order | null> {
    const r = await this.db.query<Row>('select * from orders where id = $1', [id]);
    return r.rows[0] ? toOrder(r.rows[0]) : null;
  }

  async findByNumber(number: string): Promise<Order | null> {
    const r = await this.db.query<Row>('select * from orders where number = $1', [number]);
    return r.rows[0] ? toOrder(r.rows[0]) : null;
  }

  async listByCheckout(checkoutId: string): Promise<Order[]> {
    const r = await this.db.query<Row>('select * from orders where checkout_id = $1 order by number', [checkoutId]);
    return r.rows.map(toOrder);
  }

  async save(order: Order, expectedVersion: number): Promise<boolean> {
    const p = order.toProps();
    const r = await this.db.query(
      'update orders set status = $2, timeline = $3::jsonb, reason = $4, version = $5, updated_at = $6 where id = $1 and version = $7',
      [p.id, p.status, JSON.stringify(p.timeline), p.reason, p.version, p.updatedAt, expectedVersion],
    );
    return r.rowCount === 1;
  }

  async list(filter: OrderFilter, page: PageRequest): Promise<Page<Order>> {
    if (filter.storeIds && filter.storeIds.length === 0) return toPage([], 0, page);
    const where = new Where()
      .add('store_id = any(?::text[])', filter.storeIds ? [...filter.storeIds] : undefined)
      .add('customer_id = ?', filter.customerId)
      .add('checkout_id = ?', filter.checkoutId)
      .add('status = any(?::text[])', filter.statuses?.length ? [...filter.statuses] : undefined)
      .add('created_at >= ?', filter.placedFrom?.toISOString())
      .add('created_at < ?', filter.placedTo?.toISOString())
      .add("number like ? || '%'", filter.numberPrefix === undefined ? undefined : orderNumberPrefix(filter.numberPrefix));
    const clause = String(where);
    const count = await this.db.query<{ n: string | number }>(`select count(*) as n from orders ${clause}`, where.params);
    const rows = await this.db.query<Row>(`select * from orders ${clause} order by created_at desc, id desc limit ${page.limit} offset ${offsetOf(page)}`, where.params);
    return toPage(rows.rows.map(toOrder), Number(count.rows[0]?.n ?? 0), page);
  }
}
