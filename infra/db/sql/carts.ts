import { Cart, type CartDestination, type CartLine, type CartStatus } from '../../../domain/ordering/cart.js';
import type { CartRepository } from '../../../domain/ordering/ports.js';
import type { SqlClient } from './client.js';

interface Row {
  id: string;
  customer_id: string | null;
  token_hash: string | null;
  status: string;
  lines: CartLine[] | string;
  destination: CartDestination | string | null;
  merged_into: string | null;
  checkout_id: string | null;
  closed_at: Date | string | null;
  last_activity_at: Date | string;
  version: number;
  created_at: Date | string;
  updated_at: Date | string;
}

const iso = (d: Date | string) => new Date(d).toISOString();
const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);
const toCart = (r: Row): Cart =>
  Cart.restore({
    id: r.id,
    customerId: r.customer_id,
    tokenHash: r.token_hash,
    status: r.status as CartStatus,
    lines: json(r.lines),
    destination: r.destination === null ? null : json(r.destination),
    mergedInto: r.merged_into,
    checkoutId: r.checkout_id,
    closedAt: r.closed_at === null || r.closed_at === undefined ? null : iso(r.closed_at),
    lastActivityAt: iso(r.last_activity_at),
    version: Number(r.version),
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  });

export class SqlCartRepository implements CartRepository {
  constructor(private readonly db: SqlClient) {}

  async create(cart: Cart): Promise<boolean> {
    const p = cart.toProps();
    // `on conflict do nothing` covers both unique indexes without aborting the caller's transaction.
    const r = await this.db.query(
      `insert into carts (id, customer_id, token_hash, status, lines, destination, merged_into, checkout_id, closed_at, last_activity_at, version, created_at, updated_at)
       values ($1,$2,$3,$4,$5::jsonb,$6::jsonb,$7,$8,$9,$10,$11,$12,$13) on conflict do nothing`,
      [p.id, p.customerId, p.tokenHash, p.status, JSON.stringify(p.lines), p.destination ? JSON.stringify(p.destination) : null, p.mergedInto, p.checkoutId, p.closedAt, p.lastActivityAt, p.version, p.createdAt, p.updatedAt],
    );
    return r.rowCount === 1;
  }

  async findById(id: string): Promise<Cart | null> {
    const r = await this.db.query<Row>('select * from carts where id = $1', [id]);
    return r.rows[0] ? toCart(r.rows[0]) : null;
  }

  async findActiveByCustomer(customerId: string): Promise<Cart | null> {
    const r = await this.db.query<Row>("select * from carts where customer_id = $1 and status = 'active'", [customerId]);
    return r.rows[0] ? toCart(r.rows[0]) : null;
  }

  async findByTokenHash(tokenHash: string): Promise<Cart | null> {
    const r = await this.db.query<Row>('select * from carts where token_hash = $1', [tokenHash]);
    return r.rows[0] ? toCart(r.rows[0]) : null;
  }

  async save(cart: Cart, expectedVersion: number): Promise<boolean> {
    const p = cart.toProps();
    const r = await this.db.query(
      `update carts set status = $2, lines = $3::jsonb, destination = $4::jsonb, merged_into = $5, checkout_id = $6, closed_at = $7, last_activity_at = $8, version = $9, updated_at = $10
       where id = $1 and version = $11`,
      [p.id, p.status, JSON.stringify(p.lines), p.destination ? JSON.stringify(p.destination) : null, p.mergedInto, p.checkoutId, p.closedAt, p.lastActivityAt, p.version, p.updatedAt, expectedVersion],
    );
    return r.rowCount === 1;
  }

  async idleBefore(before: Date, limit: number): Promise<string[]> {
    const r = await this.db.query<{ id: string }>(
      `select id from carts where status = 'active' and last_activity_at < $1 order by last_activity_at, id limit ${Math.max(1, Math.min(1000, Math.floor(limit)))}`,
      [before.toISOString()],
    );
    return r.rows.map((x) => x.id);
  }

  async purgeClosedBefore(before: Date, limit: number): Promise<number> {
    const r = await this.db.query(
      `delete from carts where id in (select id from carts where closed_at < $1 order by closed_at limit ${Math.max(1, Math.min(10_000, Math.floor(limit)))})`,
      [before.toISOString()],
    );
    return r.rowCount;
  }
}
