import type { DispatchState, DispatchStatus, Offer, OfferEnd, OfferStatus } from '../../../domain/dispatch/model.js';
import type { DispatchRepository, OfferRepository } from '../../../domain/dispatch/ports.js';
import type { SqlExecutor } from './client.js';

interface OfferRow {
  id: string;
  delivery_id: string;
  order_id: string;
  courier_id: string;
  round: number;
  status: string;
  pickup_lat: number;
  pickup_lng: number;
  dropoff_lat: number;
  dropoff_lng: number;
  fee_minor: number | string;
  cash: boolean;
  cost: number;
  offered_at: Date | string;
  expires_at: Date | string;
  ended_at: Date | string | null;
  end_reason: string | null;
}

const iso = (v: Date | string): string => new Date(v).toISOString();

const toOffer = (r: OfferRow): Offer => ({
  id: r.id,
  deliveryId: r.delivery_id,
  orderId: r.order_id,
  courierId: r.courier_id,
  round: Number(r.round),
  status: r.status as OfferStatus,
  pickup: { lat: Number(r.pickup_lat), lng: Number(r.pickup_lng) },
  dropoff: { lat: Number(r.dropoff_lat), lng: Number(r.dropoff_lng) },
  feeMinor: Number(r.fee_minor),
  cash: r.cash,
  cost: Number(r.cost),
  offeredAt: iso(r.offered_at),
  expiresAt: iso(r.expires_at),
  endedAt: r.ended_at === null ? null : iso(r.ended_at),
  endReason: r.end_reason,
});

export class SqlOfferRepository implements OfferRepository {
  constructor(private readonly db: SqlExecutor) {}

  async create(o: Offer): Promise<boolean> {
    const r = await this.db.query(
      `insert into dispatch_offers (id, delivery_id, order_id, courier_id, round, status, pickup_lat, pickup_lng, dropoff_lat, dropoff_lng, fee_minor, cash, cost, offered_at, expires_at, ended_at, end_reason)
       values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17) on conflict (id) do nothing`,
      [o.id, o.deliveryId, o.orderId, o.courierId, o.round, o.status, o.pickup.lat, o.pickup.lng, o.dropoff.lat, o.dropoff.lng, o.feeMinor, o.cash, o.cost, o.offeredAt, o.expiresAt, o.endedAt, o.endReason],
    );
    return r.rowCount === 1;
  }

  async findById(id: string): Promise<Offer | null> {
    const r = await this.db.query<OfferRow>('select * from dispatch_offers where id = $1', [id]);
    return r.rows[0] ? toOffer(r.rows[0]) : null;
  }

  async findPendingByDelivery(deliveryId: string): Promise<Offer | null> {
    const r = await this.db.query<OfferRow>(`select * from dispatch_offers where delivery_id = $1 and status = 'pending' order by round desc limit 1`, [deliveryId]);
    return r.rows[0] ? toOffer(r.rows[0]) : null;
  }

  async listPendingByCourier(courierId: string): Promise<Offer[]> {
    const r = await this.db.query<OfferRow>(`select * from dispatch_offers where courier_id = $1 and status = 'pending' order by offered_at, id`, [courierId]);
    return r.rows.map(toOffer);
  }

  async listByDelivery(deliveryId: string): Promise<Offer[]> {
    const r = await this.db.query<OfferRow>('select * from dispatch_offers where delivery_id = $1 order by round', [deliveryId]);
    return r.rows.map(toOffer);
  }

  async end(id: string, to: OfferEnd, at: Date, reason: string | null): Promise<Offer | null> {
    const r = await this.db.query<OfferRow>(`update dispatch_offers set status = $2, ended_at = $3, end_reason = $4 where id = $1 and status = 'pending' returning *`, [id, to, at.toISOString(), reason]);
    return r.rows[0] ? toOffer(r.rows[0]) : null;
  }

  async listOfferedSince(since: Date, limit: number): Promise<Offer[]> {
    const r = await this.db.query<OfferRow>('select * from dispatch_offers where offered_at >= $1 order by offered_at, id limit $2', [since.toISOString(), limit]);
    return r.rows.map(toOffer);
  }

  async records(courierIds: readonly string[]): Promise<Map<string, { offered: number; accepted: number }>> {
    const out = new Map<string, { offered: number; accepted: number }>();
    if (courierIds.length === 0) return out;
    const r = await this.db.query<{ courier_id: string; offered: string | number; accepted: string | number }>(
      `select courier_id, count(*) as offered, count(*) filter (where status = 'accepted') as accepted
       from dispatch_offers where courier_id = any($1::text[]) and status <> 'pending' group by courier_id`,
      [courierIds],
    );
    for (const row of r.rows) out.set(row.courier_id, { offered: Number(row.offered), accepted: Number(row.accepted) });
    return out;
  }
}

interface StateRow {
  delivery_id: string;
  order_id: string;
  status: string;
  round: number;
  radius_m: number;
  excluded: string[] | string;
  alerted_at: Date | string | null;
  assignments: number | null;
  first_assigned_at: Date | string | null;
  region: string | null;
  opened_at: Date | string;
  updated_at: Date | string;
  version: number;
}

const toState = (r: StateRow): DispatchState => ({
  deliveryId: r.delivery_id,
  orderId: r.order_id,
  status: r.status as DispatchStatus,
  round: Number(r.round),
  radiusM: Number(r.radius_m),
  excluded: typeof r.excluded === 'string' ? (JSON.parse(r.excluded) as string[]) : [...r.excluded],
  alertedAt: r.alerted_at === null ? null : iso(r.alerted_at),
  assignments: Number(r.assignments ?? 0),
  firstAssignedAt: r.first_assigned_at == null ? null : iso(r.first_assigned_at),
  region: r.region ?? null,
  openedAt: iso(r.opened_at),
  updatedAt: iso(r.updated_at),
  version: Number(r.version),
});

export class SqlDispatchRepository implements DispatchRepository {
  constructor(private readonly db: SqlExecutor) {}

  async open(s: DispatchState): Promise<{ state: DispatchState; created: boolean }> {
    const r = await this.db.query(
      `insert into dispatch_states (delivery_id, order_id, status, round, radius_m, excluded, alerted_at, opened_at, updated_at, version, assignments, first_assigned_at, region)
       values ($1,$2,$3,$4,$5,$6::jsonb,$7,$8,$9,$10,$11,$12,$13) on conflict (delivery_id) do nothing`,
      [s.deliveryId, s.orderId, s.status, s.round, s.radiusM, JSON.stringify(s.excluded), s.alertedAt, s.openedAt, s.updatedAt, s.version, s.assignments, s.firstAssignedAt, s.region],
    );
    if (r.rowCount === 1) return { state: s, created: true };
    const existing = await this.find(s.deliveryId);
    if (!existing) throw new Error('dispatch state insert conflicted but no row was found');
    return { state: existing, created: false };
  }

  async find(deliveryId: string): Promise<DispatchState | null> {
    const r = await this.db.query<StateRow>('select * from dispatch_states where delivery_id = $1', [deliveryId]);
    return r.rows[0] ? toState(r.rows[0]) : null;
  }

  async save(s: DispatchState, expectedVersion: number): Promise<boolean> {
    const r = await this.db.query(
      `update dispatch_states set status = $2, round = $3, radius_m = $4, excluded = $5::jsonb, alerted_at = $6, opened_at = $7, updated_at = $8, version = $9, assignments = $11, first_assigned_at = $12, region = $13
       where delivery_id = $1 and version = $10`,
      [s.deliveryId, s.status, s.round, s.radiusM, JSON.stringify(s.excluded), s.alertedAt, s.openedAt, s.updatedAt, s.version, expectedVersion, s.assignments, s.firstAssignedAt, s.region],
    );
    return r.rowCount === 1;
  }

  async listOpen(limit: number): Promise<DispatchState[]> {
    const r = await this.db.query<StateRow>(`select * from dispatch_states where status = 'open' order by opened_at, delivery_id limit $1`, [limit]);
    return r.rows.map(toState);
  }

  async countOpenInRegion(region: string): Promise<number> {
    const r = await this.db.query<{ n: string | number }>(`select count(*) as n from dispatch_states where status = 'open' and region = $1`, [region]);
    return Number(r.rows[0]?.n ?? 0);
  }

  async listOpenedSince(since: Date, limit: number): Promise<DispatchState[]> {
    const r = await this.db.query<StateRow>('select * from dispatch_states where opened_at >= $1 order by opened_at, delivery_id limit $2', [since.toISOString(), limit]);
    return r.rows.map(toState);
  }

  async lockCourier(courierId: string, at: Date): Promise<void> {
    // The upsert takes the row lock (waiting for another holder to commit); under read committed, the statements after it see that holder's writes.
    await this.db.query('insert into dispatch_couriers (courier_id, locked_at) values ($1, $2) on conflict (courier_id) do update set locked_at = excluded.locked_at', [courierId, at.toISOString()]);
  }
}
