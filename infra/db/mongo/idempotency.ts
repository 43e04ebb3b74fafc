import { Schema, type Connection, type Model } from 'mongoose';
import type { ClaimResult, IdempotencyRecord, StoredResponse } from '../../../domain/platform/idempotency.js';
import type { IdempotencyRepository } from '../../../domain/platform/ports.js';
import { str, when } from './guard.js';

/** `_id` is the (scope, key) pair, so the primary key alone makes a claim atomic, as on SQL. */
type IdempotencyDoc = Omit<IdempotencyRecord, 'response'> & { _id: string; response: StoredResponse | null };
const schema = new Schema<IdempotencyDoc>(
  {
    _id: { type: String, required: true },
    scope: { type: String, required: true },
    key: { type: String, required: true },
    fingerprint: { type: String, required: true },
    state: { type: String, required: true },
    claimToken: { type: String, required: true },
    lockedUntil: { type: Date, required: true },
    response: { type: Schema.Types.Mixed, default: null },
    createdAt: { type: Date, required: true },
  },
  { collection: 'idempotency_keys', versionKey: false, minimize: false },
);
// Indexes come from the versioned migrations (migrations.ts, step 0012-idempotency-keys).

const isDuplicate = (err: unknown) => (err as { code?: number }).code === 11000;
const idOf = (scope: unknown, key: unknown) => JSON.stringify([str(scope, 'scope'), str(key, 'key')]);
const toRecord = ({ _id, ...d }: IdempotencyDoc): IdempotencyRecord => ({ ...d, lockedUntil: new Date(d.lockedUntil), createdAt: new Date(d.createdAt), response: d.response ?? null });

/**
 * The idempotency_keys collection. Every call is one single-document command, atomic alone;
 * none joins a caller's transaction (see the port).
 */
export class MongoIdempotencyRepository implements IdempotencyRepository {
  private readonly model: Model<IdempotencyDoc>;
  constructor(conn: Connection) {
    this.model = (conn.models.IdempotencyKey as Model<IdempotencyDoc> | undefined) ?? conn.model<IdempotencyDoc>('IdempotencyKey', schema);
  }

  async claim(rec: Omit<IdempotencyRecord, 'state' | 'response'>, now: Date): Promise<ClaimResult> {
    const _id = idOf(rec.scope, rec.key);
    try {
      await this.model.create({ _id, scope: rec.scope, key: rec.key, fingerprint: str(rec.fingerprint, 'fingerprint'), state: 'in_flight', claimToken: str(rec.claimToken, 'claimToken'), lockedUntil: when(rec.lockedUntil, 'lockedUntil'), response: null, createdAt: when(rec.createdAt, 'createdAt') });
      return { claimed: true };
    } catch (err) {
      if (!isDuplicate(err)) throw err;
    }
    // The holder died mid-request: the same request may take its claim over (one update wins).
    const taken = await this.model.updateOne(
      { _id, state: 'in_flight', lockedUntil: { $lt: when(now, 'now') }, fingerprint: rec.fingerprint },
      { $set: { claimToken: rec.claimToken, lockedUntil: rec.lockedUntil } },
    );
    if (taken.modifiedCount === 1) return { claimed: true };
    const found = await this.find(rec.scope, rec.key);
    // Purged or released in between: claim again.
    return found ? { claimed: false, record: found } : this.claim(rec, now);
  }

  async complete(scope: string, key: string, claimToken: string, response: StoredResponse): Promise<boolean> {
    const r = await this.model.updateOne({ _id: idOf(scope, key), claimToken: str(claimToken, 'claimToken'), state: 'in_flight' }, { $set: { state: 'completed', response } });
    return r.modifiedCount === 1;
  }

  async release(scope: string, key: string, claimToken: string): Promise<boolean> {
    const r = await this.model.deleteOne({ _id: idOf(scope, key), claimToken: str(claimToken, 'claimToken'), state: 'in_flight' });
    return r.deletedCount === 1;
  }

  async find(scope: string, key: string): Promise<IdempotencyRecord | null> {
    const d = await this.model.findById(idOf(scope, key)).lean<IdempotencyDoc>();
    return d ? toRecord(d) : null;
  }

  async purgeBefore(before: Date): Promise<number> {
    const r = await this.model.deleteMany({ createdAt: { $lt: when(before, 'before') } });
    return r.deletedCount;
  }
}
