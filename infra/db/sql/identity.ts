import { conflict } from '../../../domain/shared/errors.js';
import { toPage, offsetOf, type Page, type PageRequest } from '../../../domain/shared/pagination.js';
import { Account, type AccountFilter, type AccountProps, type OtpChallenge, type OtpPurpose, type RefreshTokenRecord, type Session, type VerificationDocument, type DocumentKind } from '../../../domain/identity/model.js';
import type { AccountRepository, DocumentRepository, OtpRepository, SessionRepository } from '../../../domain/identity/ports.js';
import type { Role } from '../../../domain/shared/principal.js';
import type { SqlExecutor } from './client.js';
import { Where } from './where.js';

const json = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));
const date = (v: unknown): Date => new Date(v as string | Date);
const dateOrNull = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(v as string | Date));
const iso = (d: Date | null) => (d ? d.toISOString() : null);
const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === '23505';

interface AccountRow {
  id: string; role: string; phone: string; email: string | null; password_hash: string; status: string;
  phone_verified_at: unknown; profile: unknown; admin_role: string | null; verification: unknown; suspension: unknown;
  created_at: unknown; updated_at: unknown; version: number;
}

const toAccount = (r: AccountRow): Account => {
  const v = json<{ status: string; reason: string | null; decidedBy: string | null; decidedAt: string | null }>(r.verification);
  const s = json<{ reason: string; by: string | null; at: string } | null>(r.suspension);
  return Account.restore({
    id: r.id, role: r.role as Role, phone: r.phone, email: r.email, passwordHash: r.password_hash,
    status: r.status as AccountProps['status'], phoneVerifiedAt: dateOrNull(r.phone_verified_at),
    profile: json(r.profile), adminRole: r.admin_role as AccountProps['adminRole'],
    verification: { status: v.status as AccountProps['verification']['status'], reason: v.reason, decidedBy: v.decidedBy, decidedAt: dateOrNull(v.decidedAt) },
    suspension: s ? { reason: s.reason, by: s.by, at: date(s.at) } : null,
    createdAt: date(r.created_at), updatedAt: date(r.updated_at), version: Number(r.version),
  });
};

const columns = (p: AccountProps) => [
  p.id, p.role, p.phone, p.email, p.passwordHash, p.status, iso(p.phoneVerifiedAt), JSON.stringify(p.profile), p.adminRole,
  JSON.stringify({ ...p.verification, decidedAt: iso(p.verification.decidedAt) }),
  p.suspension ? JSON.stringify({ ...p.suspension, at: p.suspension.at.toISOString() }) : null,
  p.createdAt.toISOString(), p.updatedAt.toISOString(),
];

const likeAny = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export class SqlAccountRepository implements AccountRepository {
  constructor(private readonly db: SqlExecutor) {}

  async create(account: Account): Promise<void> {
    try {
      await this.db.query(
        `insert into accounts (id, role, phone, email, password_hash, status, phone_verified_at, profile, admin_role, verification, suspension, created_at, updated_at, version)
         values ($1,$2,$3,$4,$5,$6,$7,$8::jsonb,$9,$10::jsonb,$11::jsonb,$12,$13,0)`,
        columns(account.toProps()),
      );
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict('Phone or email already registered');
      throw err;
    }
  }

  async save(account: Account): Promise<void> {
    const p = account.toProps();
    let r;
    try {
      r = await this.db.query(
        `update accounts set role=$2, phone=$3, email=$4, password_hash=$5, status=$6, phone_verified_at=$7, profile=$8::jsonb, admin_role=$9,
           verification=$10::jsonb, suspension=$11::jsonb, updated_at=$13, version = version + 1
         where id=$1 and version=$14 and created_at=$12`,
        [...columns(p), p.version],
      );
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict('Email already in use', [{ field: 'body.email', message: 'already in use' }]);
      throw err;
    }
    if (r.rowCount !== 1) throw conflict('The account changed meanwhile; retry');
    account.markSaved();
  }

  private async one(where: string, value: string): Promise<Account | null> {
    const r = await this.db.query<AccountRow>(`select * from accounts where ${where} = $1`, [value]);
    return r.rows[0] ? toAccount(r.rows[0]) : null;
  }
  findById(id: string) { return this.one('id', id); }
  findByPhone(phone: string) { return this.one('phone', phone); }
  findByEmail(email: string) { return this.one('email', email); }

  async search(filter: AccountFilter, page: PageRequest): Promise<Page<Account>> {
    const where = new Where()
      .add('role = ?', filter.role || undefined)
      .add('status = ?', filter.status || undefined)
      .add(`verification->>'status' = ?`, filter.verification || undefined)
      .add(`(phone ilike ? escape '\\' or email ilike ? escape '\\' or profile->>'name' ilike ? escape '\\' or profile->>'businessName' ilike ? escape '\\')`, filter.q ? likeAny(filter.q) : undefined);
    const clause = String(where);
    const params = where.params;
    const count = await this.db.query<{ n: string | number }>(`select count(*) as n from accounts ${clause}`, params);
    const rows = await this.db.query<AccountRow>(`select * from accounts ${clause} order by created_at desc, id desc limit ${page.limit} offset ${offsetOf(page)}`, params);
    return toPage(rows.rows.map(toAccount), Number(count.rows[0]?.n ?? 0), page);
  }
}

interface SessionRow { id: string; account_id: string; created_at: unknown; expires_at: unknown; revoked_at: unknown; revoked_reason: string | null; ip: string | null; user_agent: string | null }
interface TokenRow { token_hash: string; session_id: string; account_id: string; issued_at: unknown; expires_at: unknown; used_at: unknown }

export class SqlSessionRepository implements SessionRepository {
  constructor(private readonly db: SqlExecutor) {}

  async createSession(s: Session): Promise<void> {
    await this.db.query('insert into sessions (id, account_id, created_at, expires_at, revoked_at, revoked_reason, ip, user_agent) values ($1,$2,$3,$4,$5,$6,$7,$8)',
      [s.id, s.accountId, s.createdAt.toISOString(), s.expiresAt.toISOString(), iso(s.revokedAt), s.revokedReason, s.ip, s.userAgent]);
  }

  async findSession(id: string): Promise<Session | null> {
    const r = await this.db.query<SessionRow>('select * from sessions where id = $1', [id]);
    const x = r.rows[0];
    return x ? { id: x.id, accountId: x.account_id, createdAt: date(x.created_at), expiresAt: date(x.expires_at), revokedAt: dateOrNull(x.revoked_at), revokedReason: x.revoked_reason, ip: x.ip, userAgent: x.user_agent } : null;
  }

  async revokeSession(id: string, at: Date, reason: string): Promise<boolean> {
    const r = await this.db.query('update sessions set revoked_at = $2, revoked_reason = $3 where id = $1 and revoked_at is null', [id, at.toISOString(), reason]);
    return r.rowCount === 1;
  }

  async revokeAllForAccount(accountId: string, at: Date, reason: string): Promise<string[]> {
    const r = await this.db.query<{ id: string }>('update sessions set revoked_at = $2, revoked_reason = $3 where account_id = $1 and revoked_at is null returning id', [accountId, at.toISOString(), reason]);
    return r.rows.map((x) => x.id).sort();
  }

  async addRefreshToken(t: RefreshTokenRecord): Promise<void> {
    await this.db.query('insert into refresh_tokens (token_hash, session_id, account_id, issued_at, expires_at, used_at) values ($1,$2,$3,$4,$5,$6)',
      [t.tokenHash, t.sessionId, t.accountId, t.issuedAt.toISOString(), t.expiresAt.toISOString(), iso(t.usedAt)]);
  }

  async findRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | null> {
    const r = await this.db.query<TokenRow>('select * from refresh_tokens where token_hash = $1', [tokenHash]);
    const x = r.rows[0];
    return x ? { tokenHash: x.token_hash, sessionId: x.session_id, accountId: x.account_id, issuedAt: date(x.issued_at), expiresAt: date(x.expires_at), usedAt: dateOrNull(x.used_at) } : null;
  }

  async markRefreshTokenUsed(tokenHash: string, at: Date): Promise<boolean> {
    const r = await this.db.query('update refresh_tokens set used_at = $2 where token_hash = $1 and used_at is null', [tokenHash, at.toISOString()]);
    return r.rowCount === 1;
  }

  async purgeExpiredSessions(before: Date): Promise<number> {
    return (await this.db.query('delete from sessions where expires_at < $1', [before.toISOString()])).rowCount;
  }

  async purgeExpiredRefreshTokens(before: Date): Promise<number> {
    return (await this.db.query('delete from refresh_tokens where expires_at < $1', [before.toISOString()])).rowCount;
  }
}

interface OtpRow { id: string; account_id: string; purpose: string; code_hash: string; created_at: unknown; expires_at: unknown; attempts: number; max_attempts: number; consumed_at: unknown }

export class SqlOtpRepository implements OtpRepository {
  constructor(private readonly db: SqlExecutor) {}

  async create(c: OtpChallenge): Promise<void> {
    await this.db.query('update otp_challenges set superseded_at = $3 where account_id = $1 and purpose = $2 and consumed_at is null and superseded_at is null', [c.accountId, c.purpose, c.createdAt.toISOString()]);
    await this.db.query('insert into otp_challenges (id, account_id, purpose, code_hash, created_at, expires_at, attempts, max_attempts, consumed_at) values ($1,$2,$3,$4,$5,$6,$7,$8,$9)',
      [c.id, c.accountId, c.purpose, c.codeHash, c.createdAt.toISOString(), c.expiresAt.toISOString(), c.attempts, c.maxAttempts, iso(c.consumedAt)]);
  }

  async findOpen(accountId: string, purpose: OtpPurpose, now: Date): Promise<OtpChallenge | null> {
    const r = await this.db.query<OtpRow>(
      `select * from otp_challenges where account_id = $1 and purpose = $2 and consumed_at is null and superseded_at is null and expires_at > $3
       order by created_at desc, id desc limit 1`, [accountId, purpose, now.toISOString()]);
    const x = r.rows[0];
    return x ? { id: x.id, accountId: x.account_id, purpose: x.purpose as OtpPurpose, codeHash: x.code_hash, createdAt: date(x.created_at), expiresAt: date(x.expires_at), attempts: Number(x.attempts), maxAttempts: Number(x.max_attempts), consumedAt: dateOrNull(x.consumed_at) } : null;
  }

  async recordAttempt(id: string): Promise<number | null> {
    const r = await this.db.query<{ attempts: number }>(
      'update otp_challenges set attempts = attempts + 1 where id = $1 and attempts < max_attempts and consumed_at is null and superseded_at is null returning attempts', [id]);
    return r.rows[0] ? Number(r.rows[0].attempts) : null;
  }

  async consume(id: string, at: Date): Promise<boolean> {
    const r = await this.db.query('update otp_challenges set consumed_at = $2 where id = $1 and consumed_at is null and superseded_at is null', [id, at.toISOString()]);
    return r.rowCount === 1;
  }

  async purgeExpired(before: Date): Promise<number> {
    return (await this.db.query('delete from otp_challenges where expires_at < $1', [before.toISOString()])).rowCount;
  }
}

interface DocRow { id: string; account_id: string; kind: string; content_type: string; size_bytes: number; sha256: string; storage_key: string; uploaded_at: unknown }
const toDoc = (x: DocRow): VerificationDocument => ({ id: x.id, accountId: x.account_id, kind: x.kind as DocumentKind, contentType: x.content_type, sizeBytes: Number(x.size_bytes), sha256: x.sha256, storageKey: x.storage_key, uploadedAt: date(x.uploaded_at) });

export class SqlDocumentRepository implements DocumentRepository {
  constructor(private readonly db: SqlExecutor) {}

  async add(d: VerificationDocument): Promise<void> {
    await this.db.query('insert into verification_documents (id, account_id, kind, content_type, size_bytes, sha256, storage_key, uploaded_at) values ($1,$2,$3,$4,$5,$6,$7,$8)',
      [d.id, d.accountId, d.kind, d.contentType, d.sizeBytes, d.sha256, d.storageKey, d.uploadedAt.toISOString()]);
  }

  async findById(id: string): Promise<VerificationDocument | null> {
    const r = await this.db.query<DocRow>('select * from verification_documents where id = $1', [id]);
    return r.rows[0] ? toDoc(r.rows[0]) : null;
  }

  async listByAccount(accountId: string): Promise<VerificationDocument[]> {
    const r = await this.db.query<DocRow>('select * from verification_documents where account_id = $1 order by uploaded_at, id', [accountId]);
    return r.rows.map(toDoc);
  }
}
