import type { InventoryRepository } from '../../../domain/catalog/ports.js';
import type { MovementKind, Reservation, ReservationStatus, StockChange, StockLevel, StockMovement } from '../../../domain/catalog/inventory.js';
import { conflict } from '../../../domain/shared/errors.js';
import { offsetOf, toPage, type Page, type PageRequest } from '../../../domain/shared/pagination.js';
import type { SqlExecutor } from './client.js';

interface LevelRow {
  variant_id: string;
  product_id: string;
  store_id: string;
  on_hand: number;
  reserved: number;
  allow_backorder: boolean;
  low_stock_threshold: number | null;
  low: boolean;
  version: number;
  updated_at: Date | string;
}
interface MovementRow {
  id: string;
  variant_id: string;
  store_id: string;
  kind: string;
  on_hand_delta: number;
  reserved_delta: number;
  reservation_id: string | null;
  key: string | null;
  note: string | null;
  at: Date | string;
}
interface ReservationRow {
  id: string;
  key: string;
  lines: Reservation['lines'];
  status: string;
  expires_at: Date | string;
  created_at: Date | string;
  updated_at: Date | string;
}

const iso = (d: Date | string) => new Date(d).toISOString();
const toLevel = (r: LevelRow): StockLevel => ({
  variantId: r.variant_id,
  productId: r.product_id,
  storeId: r.store_id,
  onHand: Number(r.on_hand),
  reserved: Number(r.reserved),
  available: Number(r.on_hand) - Number(r.reserved),
  allowBackorder: r.allow_backorder,
  lowStockThreshold: r.low_stock_threshold === null ? null : Number(r.low_stock_threshold),
  low: r.low,
  version: Number(r.version),
  updatedAt: iso(r.updated_at),
});
const toMovement = (r: MovementRow): StockMovement => ({
  id: r.id,
  variantId: r.variant_id,
  storeId: r.store_id,
  kind: r.kind as MovementKind,
  onHandDelta: Number(r.on_hand_delta),
  reservedDelta: Number(r.reserved_delta),
  reservationId: r.reservation_id,
  key: r.key,
  note: r.note,
  at: iso(r.at),
});
const toReservation = (r: ReservationRow): Reservation => ({
  id: r.id,
  key: r.key,
  lines: r.lines,
  status: r.status as ReservationStatus,
  expiresAt: iso(r.expires_at),
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});

const AVAILABLE = 'on_hand - reserved';

export class SqlInventoryRepository implements InventoryRepository {
  constructor(private readonly db: SqlExecutor) {}

  async ensureLevel(l: { variantId: string; productId: string; storeId: string; at: Date }): Promise<void> {
    await this.db.query(
      `insert into stock_levels (variant_id, product_id, store_id, on_hand, reserved, allow_backorder, low_stock_threshold, low, version, updated_at)
       values ($1, $2, $3, 0, 0, false, null, false, 1, $4) on conflict (variant_id) do nothing`,
      [l.variantId, l.productId, l.storeId, l.at.toISOString()],
    );
  }

  async findLevel(variantId: string): Promise<StockLevel | null> {
    const r = await this.db.query<LevelRow>('select * from stock_levels where variant_id = $1', [variantId]);
    return r.rows[0] ? toLevel(r.rows[0]) : null;
  }

  async applyChange(variantId: string, change: StockChange, at: Date): Promise<StockLevel | null> {
    // The condition is evaluated on the row as locked, so concurrent changes queue on the row and none is lost or oversold.
    const r = await this.db.query<LevelRow>(
      `update stock_levels set on_hand = on_hand + $2, reserved = reserved + $3, version = version + 1, updated_at = $5
       where variant_id = $1 and reserved + $3 >= 0
         and (on_hand + $2 >= 0 or ($6 and allow_backorder))
         and (not $4 or allow_backorder or ${AVAILABLE} + $2 - $3 >= 0)
       returning *`,
      [variantId, change.onHand, change.reserved, change.guardAvailable, at.toISOString(), change.overdraw === true],
    );
    return r.rows[0] ? toLevel(r.rows[0]) : null;
  }

  async configure(variantId: string, s: { allowBackorder?: boolean; lowStockThreshold?: number | null }, at: Date): Promise<StockLevel | null> {
    const r = await this.db.query<LevelRow>(
      `update stock_levels set allow_backorder = coalesce($2, allow_backorder),
         low_stock_threshold = case when $3 then $4::integer else low_stock_threshold end,
         version = version + 1, updated_at = $5
       where variant_id = $1 returning *`,
      [variantId, s.allowBackorder ?? null, s.lowStockThreshold !== undefined, s.lowStockThreshold ?? null, at.toISOString()],
    );
    return r.rows[0] ? toLevel(r.rows[0]) : null;
  }

  async markLowCrossing(variantId: string): Promise<'low' | 'recovered' | null> {
    const r = await this.db.query<{ low: boolean }>(
      `update stock_levels set low = not low
       where variant_id = $1 and low = (low_stock_threshold is null or ${AVAILABLE} > low_stock_threshold)
       returning low`,
      [variantId],
    );
    return r.rows[0] ? (r.rows[0].low ? 'low' : 'recovered') : null;
  }

  async appendMovement(m: StockMovement): Promise<boolean> {
    const r = await this.db.query(
      `insert into stock_movements (id, variant_id, store_id, kind, on_hand_delta, reserved_delta, reservation_id, key, note, at)
       values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) on conflict (variant_id, key) where key is not null do nothing`,
      [m.id, m.variantId, m.storeId, m.kind, m.onHandDelta, m.reservedDelta, m.reservationId, m.key, m.note, m.at],
    );
    return r.rowCount === 1;
  }

  async findMovementByKey(variantId: string, key: string): Promise<StockMovement | null> {
    const r = await this.db.query<MovementRow>('select * from stock_movements where variant_id = $1 and key = $2', [variantId, key]);
    return r.rows[0] ? toMovement(r.rows[0]) : null;
  }

  async movements(variantId: string, page: PageRequest): Promise<Page<StockMovement>> {
    const count = await this.db.query<{ n: string | number }>('select count(*) as n from stock_movements where variant_id = $1', [variantId]);
    const rows = await this.db.query<MovementRow>(`select * from stock_movements where variant_id = $1 order by at desc, id desc limit ${page.limit} offset ${offsetOf(page)}`, [variantId]);
    return toPage(rows.rows.map(toMovement), Number(count.rows[0]?.n ?? 0), page);
  }

  async movementTotals(variantId: string): Promise<{ onHand: number; reserved: number }> {
    const r = await this.db.query<{ on_hand: string | number | null; reserved: string | number | null }>(
      'select sum(on_hand_delta) as on_hand, sum(reserved_delta) as reserved from stock_movements where variant_id = $1',
      [variantId],
    );
    return { onHand: Number(r.rows[0]?.on_hand ?? 0), reserved: Number(r.rows[0]?.reserved ?? 0) };
  }

  async createReservation(res: Reservation): Promise<void> {
    await this.db
      .query(
        `insert into stock_reservations (id, key, lines, status, expires_at, created_at, updated_at) values ($1,$2,$3,$4,$5,$6,$7)`,
        [res.id, res.key, JSON.stringify(res.lines), res.status, res.expiresAt, res.createdAt, res.updatedAt],
      )
      .catch((err: unknown) => {
        throw (err as { code?: string }).code === '23505' ? conflict('This reservation key is already used', [{ field: 'key', reason: 'duplicate_key', message: 'already used' }]) : err;
      });
  }

  async findReservation(id: string): Promise<Reservation | null> {
    const r = await this.db.query<ReservationRow>('select * from stock_reservations where id = $1', [id]);
    return r.rows[0] ? toReservation(r.rows[0]) : null;
  }

  async findReservationByKey(key: string): Promise<Reservation | null> {
    const r = await this.db.query<ReservationRow>('select * from stock_reservations where key = $1', [key]);
    return r.rows[0] ? toReservation(r.rows[0]) : null;
  }

  async closeReservation(id: string, to: Exclude<ReservationStatus, 'active'>, at: Date): Promise<boolean> {
    const r = await this.db.query(`update stock_reservations set status = $2, updated_at = $3 where id = $1 and status = 'active'`, [id, to, at.toISOString()]);
    return r.rowCount === 1;
  }

  async expiredReservations(before: Date, limit: number): Promise<string[]> {
    const r = await this.db.query<{ id: string }>(`select id from stock_reservations where status = 'active' and expires_at < $1 order by expires_at limit ${Math.floor(limit)}`, [before.toISOString()]);
    return r.rows.map((x) => x.id);
  }
}
