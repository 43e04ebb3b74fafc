import { Schema, type Connection, type Model } from 'mongoose';
import { randomUUID } from 'node:crypto';
import { conflict } from '../../../domain/shared/errors.js';
import { toPage, offsetOf, type Page, type PageRequest } from '../../../domain/shared/pagination.js';
import { Account, type AccountFilter, type AccountProps, type OtpChallenge, type OtpPurpose, type RefreshTokenRecord, type Session, type VerificationDocument } from '../../../domain/identity/model.js';
import type { AccountRepository, DocumentRepository, OtpRepository, SessionRepository } from '../../../domain/identity/ports.js';
import { str, when } from './guard.js';

const isDuplicate = (err: unknown) => (err as { code?: number }).code === 11000;
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const opts = { versionKey: false, minimize: false } as const;

type AccountDoc = Omit<AccountProps, 'id'> & { _id: string };
const accountSchema = new Schema<AccountDoc>(
  {
    _id: { type: String, required: true },
    role: { type: String, required: true },
    phone: { type: String, required: true },
    email: { type: String, default: null },
    passwordHash: { type: String, required: true },
    status: { type: String, required: true },
    phoneVerifiedAt: { type: Date, default: null },
    profile: { type: Schema.Types.Mixed, required: true },
    adminRole: { type: String, default: null },
    verification: { type: Schema.Types.Mixed, required: true },
    suspension: { type: Schema.Types.Mixed, default: null },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    version: { type: Number, required: true },
  },
  { collection: 'accounts', ...opts },
);

// `revocation` marks the sessions one revokeAllForAccount call closed, so that one multi-document
// update can still report exactly which ones it changed; it never leaves the adapter.
interface SessionDoc { _id: string; accountId: string; createdAt: Date; expiresAt: Date; revokedAt: Date | null; revokedReason: string | null; ip: string | null; userAgent: string | null; revocation?: string }
const sessionSchema = new Schema<SessionDoc>(
  { _id: String, accountId: { type: String, required: true }, createdAt: Date, expiresAt: Date, revokedAt: { type: Date, default: null }, revokedReason: { type: String, default: null }, ip: { type: String, default: null }, userAgent: { type: String, default: null }, revocation: { type: String } },
  { collection: 'sessions', ...opts },
);

interface TokenDoc { _id: string; sessionId: string; accountId: string; issuedAt: Date; expiresAt: Date; usedAt: Date | null }
const tokenSchema = new Schema<TokenDoc>(
  { _id: String, sessionId: { type: String, required: true }, accountId: { type: String, required: true }, issuedAt: Date, expiresAt: Date, usedAt: { type: Date, default: null } },
  { collection: 'refresh_tokens', ...opts },
);

type OtpDoc = Omit<OtpChallenge, 'id'> & { _id: string; supersededAt: Date | null };
const otpSchema = new Schema<OtpDoc>(
  { _id: String, accountId: { type: String, required: true }, purpose: { type: String, required: true }, codeHash: String, createdAt: Date, expiresAt: Date, attempts: Number, maxAttempts: Number, consumedAt: { type: Date, default: null }, supersededAt: { type: Date, default: null } },
  { collection: 'otp_challenges', ...opts },
);

type DocDoc = Omit<VerificationDocument, 'id'> & { _id: string };
const docSchema = new Schema<DocDoc>(
  { _id: String, accountId: { type: String, required: true }, kind: String, contentType: String, sizeBytes: Number, sha256: String, storageKey: String, uploadedAt: Date },
  { collection: 'verification_documents', ...opts },
);

/** Entities carry `id`; their documents carry it as `_id`. */
function toMongo<T extends { id: string }>(entity: T): Omit<T, 'id'> & { _id: string } {
  const { id, ...rest } = entity;
  return { ...rest, _id: id };
}
function fromMongo<T extends { _id: string }>(doc: T): Omit<T, '_id'> & { id: string } {
  const { _id, ...rest } = doc;
  return { ...rest, id: _id };
}

function model<T>(conn: Connection, name: string, schema: Schema<T>): Model<T> {
  return (conn.models[name] as Model<T> | undefined) ?? conn.model<T>(name, schema);
}

const toAccount = (d: AccountDoc): Account => {
  const { _id, ...rest } = d;
  const v = rest.verification as AccountProps['verification'];
  const s = rest.suspension as AccountProps['suspension'];
  return Account.restore({
    ...rest,
    id: _id,
    phoneVerifiedAt: rest.phoneVerifiedAt ? new Date(rest.phoneVerifiedAt) : null,
    verification: { ...v, decidedAt: v.decidedAt ? new Date(v.decidedAt) : null },
    suspension: s ? { ...s, at: new Date(s.at) } : null,
  });
};

export class MongoAccountRepository implements AccountRepository {
  private readonly m: Model<AccountDoc>;
  constructor(conn: Connection) {
    this.m = model(conn, 'Account', accountSchema);
  }

  async create(account: Account): Promise<void> {
    try {
      await this.m.create(toMongo(account.toProps()));
    } catch (err) {
      if (isDuplicate(err)) throw conflict('Phone or email already registered');
      throw err;
    }
  }

  async save(account: Account): Promise<void> {
    const { id, version, createdAt: _c, ...rest } = account.toProps();
    let r;
    try {
      r = await this.m.updateOne({ _id: str(id, 'id'), version }, { $set: { ...rest, version: version + 1 } }).exec();
    } catch (err) {
      if (isDuplicate(err)) throw conflict('Email already in use', [{ field: 'body.email', message: 'already in use' }]);
      throw err;
    }
    if (r.matchedCount !== 1) throw conflict('The account changed meanwhile; retry');
    account.markSaved();
  }

  private async one(q: Record<string, string>): Promise<Account | null> {
    const d = await this.m.findOne(q).lean<AccountDoc>().exec();
    return d ? toAccount(d) : null;
  }
  async findById(id: string) { return this.one({ _id: str(id, 'id') }); }
  async findByPhone(phone: string) { return this.one({ phone: str(phone, 'phone') }); }
  async findByEmail(email: string) { return this.one({ email: str(email, 'email') }); }

  async search(filter: AccountFilter, page: PageRequest): Promise<Page<Account>> {
    const q: Record<string, unknown> = {};
    if (filter.role) q.role = str(filter.role, 'role');
    if (filter.status) q.status = str(filter.status, 'status');
    if (filter.verification) q['verification.status'] = str(filter.verification, 'verification');
    if (filter.q) {
      const rx = { $regex: escapeRegex(str(filter.q, 'q')), $options: 'i' };
      q.$or = [{ phone: rx }, { email: rx }, { 'profile.name': rx }, { 'profile.businessName': rx }];
    }
    const [total, docs] = await Promise.all([
      this.m.countDocuments(q).exec(),
      this.m.find(q).sort({ createdAt: -1, _id: -1 }).skip(offsetOf(page)).limit(page.limit).lean<AccountDoc[]>().exec(),
    ]);
    return toPage(docs.map(toAccount), total, page);
  }
}

export class MongoSessionRepository implements SessionRepository {
  private readonly sessions: Model<SessionDoc>;
  private readonly tokens: Model<TokenDoc>;
  constructor(conn: Connection) {
    this.sessions = model(conn, 'Session', sessionSchema);
    this.tokens = model(conn, 'RefreshToken', tokenSchema);
  }

  async createSession(s: Session): Promise<void> {
    await this.sessions.create(toMongo(s));
  }

  async findSession(id: string): Promise<Session | null> {
    const d = await this.sessions.findById(str(id, 'id'), { revocation: 0 }).lean<SessionDoc>().exec();
    return d ? fromMongo(d) : null;
  }

  async revokeSession(id: string, at: Date, reason: string): Promise<boolean> {
    const r = await this.sessions.updateOne({ _id: str(id, 'id'), revokedAt: null }, { $set: { revokedAt: when(at, 'at'), revokedReason: str(reason, 'reason') } }).exec();
    return r.modifiedCount === 1;
  }

  /** One multi-document update, as SQL's `update … returning id`: a crash leaves all or none of one call's work. */
  async revokeAllForAccount(accountId: string, at: Date, reason: string): Promise<string[]> {
    const revocation = randomUUID();
    const filter = { accountId: str(accountId, 'accountId'), revokedAt: null };
    await this.sessions.updateMany(filter, { $set: { revokedAt: when(at, 'at'), revokedReason: str(reason, 'reason'), revocation } }).exec();
    const closed = await this.sessions.find({ revocation }, { _id: 1 }).lean<{ _id: string }[]>().exec();
    return closed.map((s) => s._id).sort();
  }

  async addRefreshToken(t: RefreshTokenRecord): Promise<void> {
    const { tokenHash, ...rest } = t;
    await this.tokens.create({ _id: tokenHash, ...rest });
  }

  async findRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | null> {
    const d = await this.tokens.findById(str(tokenHash, 'tokenHash')).lean<TokenDoc>().exec();
    if (!d) return null;
    const { _id, ...rest } = d;
    return { ...rest, tokenHash: _id };
  }

  async markRefreshTokenUsed(tokenHash: string, at: Date): Promise<boolean> {
    const r = await this.tokens.updateOne({ _id: str(tokenHash, 'tokenHash'), usedAt: null }, { $set: { usedAt: when(at, 'at') } }).exec();
    return r.modifiedCount === 1;
  }

  async purgeExpiredSessions(before: Date): Promise<number> {
    return (await this.sessions.deleteMany({ expiresAt: { $lt: before } })).deletedCount;
  }

  async purgeExpiredRefreshTokens(before: Date): Promise<number> {
    return (await this.tokens.deleteMany({ expiresAt: { $lt: before } })).deletedCount;
  }
}

export class MongoOtpRepository implements OtpRepository {
  private readonly m: Model<OtpDoc>;
  constructor(conn: Connection) {
    this.m = model(conn, 'OtpChallenge', otpSchema);
  }

  async create(c: OtpChallenge): Promise<void> {
    await this.m.updateMany({ accountId: str(c.accountId, 'accountId'), purpose: str(c.purpose, 'purpose') as OtpPurpose, consumedAt: null, supersededAt: null }, { $set: { supersededAt: when(c.createdAt, 'createdAt') } }).exec();
    await this.m.create({ ...toMongo(c), supersededAt: null });
  }

  async findOpen(accountId: string, purpose: OtpPurpose, now: Date): Promise<OtpChallenge | null> {
    const d = await this.m
      .findOne({ accountId: str(accountId, 'accountId'), purpose: str(purpose, 'purpose') as OtpPurpose, consumedAt: null, supersededAt: null, expiresAt: { $gt: when(now, 'now') } })
      .sort({ createdAt: -1, _id: -1 })
      .lean<OtpDoc>()
      .exec();
    if (!d) return null;
    const { _id, supersededAt: _s, ...rest } = d;
    return { ...rest, id: _id };
  }

  async recordAttempt(id: string): Promise<number | null> {
    const d = await this.m
      .findOneAndUpdate({ _id: str(id, 'id'), consumedAt: null, supersededAt: null, $expr: { $lt: ['$attempts', '$maxAttempts'] } }, { $inc: { attempts: 1 } }, { returnDocument: 'after' })
      .lean<OtpDoc>()
      .exec();
    return d ? d.attempts : null;
  }

  async consume(id: string, at: Date): Promise<boolean> {
    const r = await this.m.updateOne({ _id: str(id, 'id'), consumedAt: null, supersededAt: null }, { $set: { consumedAt: when(at, 'at') } }).exec();
    return r.modifiedCount === 1;
  }

  async purgeExpired(before: Date): Promise<number> {
    return (await this.m.deleteMany({ expiresAt: { $lt: before } })).deletedCount;
  }
}

export class MongoDocumentRepository implements DocumentRepository {
  private readonly m: Model<DocDoc>;
  constructor(conn: Connection) {
    this.m = model(conn, 'VerificationDocument', docSchema);
  }

  async add(d: VerificationDocument): Promise<void> {
    await this.m.create(toMongo(d));
  }

  async findById(id: string): Promise<VerificationDocument | null> {
    const d = await this.m.findById(str(id, 'id')).lean<DocDoc>().exec();
    return d ? fromMongo(d) : null;
  }

  async listByAccount(accountId: string): Promise<VerificationDocument[]> {
    const docs = await this.m.find({ accountId: str(accountId, 'accountId') }).sort({ uploadedAt: 1, _id: 1 }).lean<DocDoc[]>().exec();
    return docs.map(fromMongo);
  }
}
