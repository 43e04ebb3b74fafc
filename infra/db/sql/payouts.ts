import type { BankAccount, Payout, PayoutOwnerKind, PayoutStatus } from '../../../domain/finance/payout.js';
import type { PayoutRepository } from '../../../domain/finance/ports.js';
import type { SqlClient } from './client.js';

interface BankRow { owner_kind: string; owner_id: string; holder_name: string; iban: string; bic: string | null; connected_account_id: string | null; updated_at: Date | string }
interface PayoutRow {
  id: string; owner_kind: string; owner_id: string; recipient_account_id: string; amount_minor: string | number; currency: string; status: string;
  holder_name: string; iban: string; bic: string | null; requested_by: string; decided_by: string | null; reason: string | null;
  batch_id: string | null; provider_ref: string | null; connected_account_id: string | null; attempts: number; next_attempt_at: Date | string | null; last_error: string | null; version: number; created_at: Date | string; updated_at: Date | string;
}

const iso = (d: Date | string) => new Date(d).toISOString();
const toBank = (r: BankRow): BankAccount => ({ ownerKind: r.owner_kind as PayoutOwnerKind, ownerId: r.owner_id, holderName: r.holder_name, iban: r.iban, bic: r.bic, connectedAccountId: r.connected_account_id ?? null, updatedAt: iso(r.updated_at) });
const toPayout = (r: PayoutRow): Payout => ({
  id: r.id, ownerKind: r.owner_kind as PayoutOwnerKind, ownerId: r.owner_id, recipientAccountId: r.recipient_account_id, amountMinor: Number(r.amount_minor), currency: r.currency,
  status: r.status as PayoutStatus, holderName: r.holder_name, iban: r.iban, bic: r.bic, requestedBy: r.requested_by, decidedBy: r.decided_by, reason: r.reason,
  batchId: r.batch_id, providerRef: r.provider_ref, connectedAccountId: r.connected_account_id ?? null, attempts: Number(r.attempts ?? 0),
  nextAttemptAt: r.next_attempt_at ? iso(r.next_attempt_at) : null, lastError: r.last_error ?? null, version: Number(r.version), createdAt: iso(r.created_at), updatedAt: iso(r.updated_at),
});

export class SqlPayoutRepository implements PayoutRepository {
  constructor(private readonly db: SqlClient) {}

  async saveBankAccount(a: BankAccount): Promise<void> {
    await this.db.query(
      `insert into payout_bank_accounts (owner_kind, owner_id, holder_name, iban, bic, connected_account_id, updated_at) values ($1, $2, $3, $4, $5, $6, $7)
       on conflict (owner_kind, owner_id) do update set holder_name = excluded.holder_name, iban = excluded.iban, bic = excluded.bic,
         connected_account_id = excluded.connected_account_id, updated_at = excluded.updated_at`,
      [a.ownerKind, a.ownerId, a.holderName, a.iban, a.bic, a.connectedAccountId ?? null, a.updatedAt],
    );
  }

  async findBankAccount(ownerKind: PayoutOwnerKind, ownerId: string): Promise<BankAccount | null> {
    const r = await this.db.query<BankRow>('select * from payout_bank_accounts where owner_kind = $1 and owner_id = $2', [ownerKind, ownerId]);
    return r.rows[0] ? toBank(r.rows[0]) : null;
  }

  async insertPayout(p: Payout): Promise<boolean> {
    const r = await this.db.query(
      `insert into payouts (id, owner_kind, owner_id, recipient_account_id, amount_minor, currency, status, holder_name, iban, bic, requested_by, decided_by, reason, batch_id, provider_ref, version, created_at, updated_at,
         connected_account_id, attempts, next_attempt_at, last_error)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22) on conflict (id) do nothing`,
      [p.id, p.ownerKind, p.ownerId, p.recipientAccountId, p.amountMinor, p.currency, p.status, p.holderName, p.iban, p.bic, p.requestedBy, p.decidedBy, p.reason, p.batchId, p.providerRef, p.version, p.createdAt, p.updatedAt,
        p.connectedAccountId ?? null, p.attempts ?? 0, p.nextAttemptAt ?? null, p.lastError ?? null],
    );
    return (r.rowCount ?? 0) === 1;
  }

  async findPayout(id: string): Promise<Payout | null> {
    const r = await this.db.query<PayoutRow>('select * from payouts where id = $1', [id]);
    return r.rows[0] ? toPayout(r.rows[0]) : null;
  }

  async updatePayout(p: Payout, expectedVersion: number): Promise<boolean> {
    const r = await this.db.query(
      `update payouts set status = $2, decided_by = $3, reason = $4, batch_id = $5, provider_ref = $6, version = $7, updated_at = $8,
         attempts = $10, next_attempt_at = $11, last_error = $12 where id = $1 and version = $9`,
      [p.id, p.status, p.decidedBy, p.reason, p.batchId, p.providerRef, p.version, p.updatedAt, expectedVersion, p.attempts, p.nextAttemptAt, p.lastError],
    );
    return (r.rowCount ?? 0) === 1;
  }

  async listPayouts(filter: { ownerKind?: PayoutOwnerKind; ownerId?: string; status?: PayoutStatus }, offset: number, limit: number): Promise<{ payouts: Payout[]; total: number }> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.ownerKind) where.push(`owner_kind = $${args.push(filter.ownerKind)}`);
    if (filter.ownerId) where.push(`owner_id = $${args.push(filter.ownerId)}`);
    if (filter.status) where.push(`status = $${args.push(filter.status)}`);
    const w = where.length ? `where ${where.join(' and ')}` : '';
    const total = await this.db.query<{ n: string }>(`select count(*) as n from payouts ${w}`, args);
    const r = await this.db.query<PayoutRow>(`select * from payouts ${w} order by created_at desc, id desc offset $${args.length + 1} limit $${args.length + 2}`, [...args, offset, limit]);
    return { payouts: r.rows.map(toPayout), total: Number(total.rows[0]!.n) };
  }

  async duePayouts(now: Date, limit: number): Promise<Payout[]> {
    const r = await this.db.query<PayoutRow>(
      `select * from payouts where status = 'approved' or (status = 'sending' and next_attempt_at <= $1) order by created_at, id limit $2`,
      [now.toISOString(), limit],
    );
    return r.rows.map(toPayout);
  }
}
