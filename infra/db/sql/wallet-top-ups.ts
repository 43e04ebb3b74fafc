import type { WalletTopUpRepository } from '../../../domain/finance/ports.js';
import type { TopUpStatus, WalletTopUp } from '../../../domain/finance/top-up.js';
import type { SqlClient } from './client.js';

interface Row {
  id: string; customer_id: string; amount_minor: string | number; currency: string; status: string; idempotency_key: string;
  provider_ref: string | null; decline_code: string | null; version: number; created_at: Date | string; updated_at: Date | string;
}

const iso = (d: Date | string) => new Date(d).toISOString();
const toTopUp = (r: Row): WalletTopUp => ({
  id: r.id, customerId: r.customer_id, amountMinor: Number(r.amount_minor), currency: r.currency, status: r.status as TopUpStatus, idempotencyKey: r.idempotency_key,
  providerRef: r.provider_ref, declineCode: r.decline_code, version: Number(r.version), createdAt: iso(r.created_at), updatedAt: iso(r.updated_at),
});

export class SqlWalletTopUpRepository implements WalletTopUpRepository {
  constructor(private readonly db: SqlClient) {}

  async create(t: WalletTopUp): Promise<{ topUp: WalletTopUp; created: boolean }> {
    // on conflict do nothing: a unique violation would abort the caller's transaction on PostgreSQL.
    const r = await this.db.query(
      `insert into wallet_top_ups (id, customer_id, amount_minor, currency, status, idempotency_key, provider_ref, decline_code, version, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) on conflict do nothing`,
      [t.id, t.customerId, t.amountMinor, t.currency, t.status, t.idempotencyKey, t.providerRef, t.declineCode, t.version, t.createdAt, t.updatedAt],
    );
    if ((r.rowCount ?? 0) === 1) return { topUp: { ...t }, created: true };
    const existing = (await this.findByKey(t.customerId, t.idempotencyKey)) ?? (await this.findById(t.id));
    if (!existing) throw new Error(`top-up ${t.id} conflicted but no row was found`);
    return { topUp: existing, created: false };
  }

  async findById(id: string): Promise<WalletTopUp | null> {
    const r = await this.db.query<Row>('select * from wallet_top_ups where id = $1', [id]);
    return r.rows[0] ? toTopUp(r.rows[0]) : null;
  }

  async findByKey(customerId: string, idempotencyKey: string): Promise<WalletTopUp | null> {
    const r = await this.db.query<Row>('select * from wallet_top_ups where customer_id = $1 and idempotency_key = $2', [customerId, idempotencyKey]);
    return r.rows[0] ? toTopUp(r.rows[0]) : null;
  }

  async findByProviderRef(providerRef: string): Promise<WalletTopUp | null> {
    const r = await this.db.query<Row>('select * from wallet_top_ups where provider_ref = $1', [providerRef]);
    return r.rows[0] ? toTopUp(r.rows[0]) : null;
  }

  async save(t: WalletTopUp, expectedVersion: number): Promise<boolean> {
    const r = await this.db.query(
      'update wallet_top_ups set status = $2, provider_ref = $3, decline_code = $4, version = $5, updated_at = $6 where id = $1 and version = $7',
      [t.id, t.status, t.providerRef, t.declineCode, t.version, t.updatedAt, expectedVersion],
    );
    return (r.rowCount ?? 0) === 1;
  }

  async listByCustomer(customerId: string, offset: number, limit: number): Promise<{ topUps: WalletTopUp[]; total: number }> {
    const total = await this.db.query<{ n: string }>('select count(*) as n from wallet_top_ups where customer_id = $1', [customerId]);
    const r = await this.db.query<Row>('select * from wallet_top_ups where customer_id = $1 order by created_at desc, id desc offset $2 limit $3', [customerId, offset, limit]);
    return { topUps: r.rows.map(toTopUp), total: Number(total.rows[0]!.n) };
  }
}
