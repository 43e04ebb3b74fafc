import { transferIdTaken, type Account, type OwnerKind, type PendingState, type PendingStatus, type Transfer, type TransferKind } from '../../../domain/finance/model.js';
import type { LedgerRepository, LedgerTotals } from '../../../domain/finance/ports.js';
import type { SqlExecutor } from './client.js';

interface AccountRow {
  id: string;
  currency: string;
  owner_kind: string;
  owner_id: string;
  debits_must_not_exceed_credits: boolean;
  credits_must_not_exceed_debits: boolean;
  debits_pending: number | string;
  debits_posted: number | string;
  credits_pending: number | string;
  credits_posted: number | string;
  created_at: Date | string;
}

interface TransferRow {
  id: string;
  debit_account_id: string;
  credit_account_id: string;
  amount_minor: number | string;
  currency: string;
  code: string;
  reference: string;
  kind: string;
  pending_id: string | null;
  timeout_seconds: number;
  created_at: Date | string;
}

interface PendingRow {
  transfer_id: string;
  status: string;
  expires_at: Date | string | null;
  resolved_by: string | null;
}

const toAccount = (r: AccountRow): Account => ({
  id: r.id, currency: r.currency, ownerKind: r.owner_kind as OwnerKind, ownerId: r.owner_id,
  flags: { debitsMustNotExceedCredits: r.debits_must_not_exceed_credits, creditsMustNotExceedDebits: r.credits_must_not_exceed_debits },
  debitsPending: Number(r.debits_pending), debitsPosted: Number(r.debits_posted), creditsPending: Number(r.credits_pending), creditsPosted: Number(r.credits_posted),
  createdAt: new Date(r.created_at).toISOString(),
});

const toTransfer = (r: TransferRow): Transfer => ({
  id: r.id, debitAccountId: r.debit_account_id, creditAccountId: r.credit_account_id, amountMinor: Number(r.amount_minor), currency: r.currency,
  code: r.code, reference: r.reference, kind: r.kind as TransferKind, pendingId: r.pending_id, timeoutSeconds: Number(r.timeout_seconds),
  createdAt: new Date(r.created_at).toISOString(),
});

const toPending = (r: PendingRow): PendingState => ({
  transferId: r.transfer_id, status: r.status as PendingStatus, expiresAt: r.expires_at === null ? null : new Date(r.expires_at).toISOString(), resolvedBy: r.resolved_by,
});

const isUniqueViolation = (err: unknown, constraint: string) => {
  const e = err as { code?: string; constraint?: string; message?: string };
  return e.code === '23505' && (e.constraint === constraint || (e.message ?? '').includes(constraint));
};

/**
 * The ledger on PostgreSQL and PGlite. Locks are `SELECT … FOR UPDATE` with `ORDER BY id`:
 * PostgreSQL locks rows as the sorted scan returns them, so every transaction takes its
 * accounts in the same order and none waits on another in a cycle.
 */
export class SqlLedgerRepository implements LedgerRepository {
  constructor(private readonly db: SqlExecutor) {}

  async openAccount(a: Account): Promise<{ account: Account; created: boolean }> {
    const r = await this.db.query(
      `insert into ledger_accounts (id, currency, owner_kind, owner_id, debits_must_not_exceed_credits, credits_must_not_exceed_debits,
         debits_pending, debits_posted, credits_pending, credits_posted, created_at)
       values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) on conflict do nothing`,
      [a.id, a.currency, a.ownerKind, a.ownerId, a.flags.debitsMustNotExceedCredits, a.flags.creditsMustNotExceedDebits,
        a.debitsPending, a.debitsPosted, a.creditsPending, a.creditsPosted, a.createdAt],
    );
    if (r.rowCount === 1) return { account: a, created: true };
    const existing = (await this.findAccountByOwner(a.ownerKind, a.ownerId, a.currency)) ?? (await this.findAccount(a.id));
    if (!existing) throw new Error(`account ${a.id} conflicted but no row was found`);
    return { account: existing, created: false };
  }

  async findAccount(id: string): Promise<Account | null> {
    const r = await this.db.query<AccountRow>('select * from ledger_accounts where id = $1', [id]);
    return r.rows[0] ? toAccount(r.rows[0]) : null;
  }

  async findAccountByOwner(ownerKind: OwnerKind, ownerId: string, currency: string): Promise<Account | null> {
    const r = await this.db.query<AccountRow>('select * from ledger_accounts where owner_kind = $1 and owner_id = $2 and currency = $3', [ownerKind, ownerId, currency]);
    return r.rows[0] ? toAccount(r.rows[0]) : null;
  }

  async lockAccounts(ids: readonly string[]): Promise<Account[]> {
    if (ids.length === 0) return [];
    const r = await this.db.query<AccountRow>('select * from ledger_accounts where id = any($1::text[]) order by id for update', [[...new Set(ids)]]);
    return r.rows.map(toAccount);
  }

  async saveBalances(accounts: readonly Account[]): Promise<void> {
    if (accounts.length === 0) return;
    await this.db.query(
      `update ledger_accounts a set debits_pending = v.dpe, debits_posted = v.dpo, credits_pending = v.cpe, credits_posted = v.cpo
       from unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[]) as v(id, dpe, dpo, cpe, cpo) where a.id = v.id`,
      [accounts.map((a) => a.id), accounts.map((a) => a.debitsPending), accounts.map((a) => a.debitsPosted), accounts.map((a) => a.creditsPending), accounts.map((a) => a.creditsPosted)],
    );
  }

  async findTransfers(ids: readonly string[]): Promise<Transfer[]> {
    if (ids.length === 0) return [];
    const r = await this.db.query<TransferRow>('select * from ledger_transfers where id = any($1::text[])', [[...new Set(ids)]]);
    return r.rows.map(toTransfer);
  }

  async insertTransfers(transfers: readonly Transfer[]): Promise<void> {
    if (transfers.length === 0) return;
    const col = <K extends keyof Transfer>(k: K) => transfers.map((t) => t[k]);
    try {
      await this.db.query(
        `insert into ledger_transfers (id, debit_account_id, credit_account_id, amount_minor, currency, code, reference, kind, pending_id, timeout_seconds, created_at)
         select * from unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::int[], $11::timestamptz[])`,
        [col('id'), col('debitAccountId'), col('creditAccountId'), col('amountMinor'), col('currency'), col('code'), col('reference'), col('kind'), col('pendingId'), col('timeoutSeconds'), col('createdAt')],
      );
    } catch (err) {
      if (isUniqueViolation(err, 'ledger_transfers_pkey') || isUniqueViolation(err, 'ledger_transfers_pending_key')) throw transferIdTaken(transfers.map((t) => t.id).join(','));
      throw err;
    }
  }

  async lockPendingStates(ids: readonly string[]): Promise<PendingState[]> {
    if (ids.length === 0) return [];
    const r = await this.db.query<PendingRow>('select * from ledger_pending where transfer_id = any($1::text[]) order by transfer_id for update', [[...new Set(ids)]]);
    return r.rows.map(toPending);
  }

  async savePendingStates(states: readonly PendingState[]): Promise<void> {
    if (states.length === 0) return;
    await this.db.query(
      `insert into ledger_pending (transfer_id, status, expires_at, resolved_by)
       select * from unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[])
       on conflict (transfer_id) do update set status = excluded.status, resolved_by = excluded.resolved_by`,
      [states.map((s) => s.transferId), states.map((s) => s.status), states.map((s) => s.expiresAt), states.map((s) => s.resolvedBy)],
    );
  }

  async expiredPending(now: Date, limit: number): Promise<Transfer[]> {
    const r = await this.db.query<TransferRow>(
      `select t.* from ledger_pending p join ledger_transfers t on t.id = p.transfer_id
       where p.status = 'pending' and p.expires_at <= $1 order by p.expires_at, p.transfer_id limit $2`,
      [now.toISOString(), limit],
    );
    return r.rows.map(toTransfer);
  }

  async statement(accountId: string, offset: number, limit: number): Promise<{ transfers: Transfer[]; total: number }> {
    const r = await this.db.query<TransferRow>(
      `select * from ledger_transfers where debit_account_id = $1 or credit_account_id = $1 order by created_at, id offset $2 limit $3`,
      [accountId, offset, limit],
    );
    const c = await this.db.query<{ n: number | string }>('select count(*) as n from ledger_transfers where debit_account_id = $1 or credit_account_id = $1', [accountId]);
    return { transfers: r.rows.map(toTransfer), total: Number(c.rows[0]?.n ?? 0) };
  }

  async transfersByReference(reference: string): Promise<Transfer[]> {
    const r = await this.db.query<TransferRow>('select * from ledger_transfers where reference = $1 order by created_at, id', [reference]);
    return r.rows.map(toTransfer);
  }

  async totals(): Promise<LedgerTotals> {
    const r = await this.db.query<Record<string, number | string | null>>(
      `select sum(debits_posted) as dpo, sum(credits_posted) as cpo, sum(debits_pending) as dpe, sum(credits_pending) as cpe from ledger_accounts`,
    );
    const row = r.rows[0] ?? {};
    return { debitsPosted: Number(row.dpo ?? 0), creditsPosted: Number(row.cpo ?? 0), debitsPending: Number(row.dpe ?? 0), creditsPending: Number(row.cpe ?? 0) };
  }
}
