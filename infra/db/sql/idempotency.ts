import type { ClaimResult, IdempotencyRecord, IdempotencyState, StoredResponse } from '../../../domain/platform/idempotency.js';
import type { IdempotencyRepository } from '../../../domain/platform/ports.js';
import type { SqlExecutor } from './client.js';

interface Row {
  scope: string;
  key: string;
  fingerprint: string;
  state: string;
  claim_token: string;
  locked_until: Date | string;
  response: StoredResponse | string | null;
  created_at: Date | string;
}

const toRecord = (r: Row): IdempotencyRecord => ({
  scope: r.scope,
  key: r.key,
  fingerprint: r.fingerprint,
  state: r.state as IdempotencyState,
  claimToken: r.claim_token,
  lockedUntil: new Date(r.locked_until),
  response: typeof r.response === 'string' ? (JSON.parse(r.response) as StoredResponse) : r.response,
  createdAt: new Date(r.created_at),
});

/** The idempotency_keys table. Single statements, each atomic on its own: no transaction is needed or joined. */
export class SqlIdempotencyRepository implements IdempotencyRepository {
  constructor(private readonly db: SqlExecutor) {}

  async claim(rec: Omit<IdempotencyRecord, 'state' | 'response'>, now: Date): Promise<ClaimResult> {
    const inserted = await this.db.query(
      `insert into idempotency_keys (scope, key, fingerprint, state, claim_token, locked_until, response, created_at)
       values ($1, $2, $3, 'in_flight', $4, $5, null, $6) on conflict (scope, key) do nothing`,
      [rec.scope, rec.key, rec.fingerprint, rec.claimToken, rec.lockedUntil.toISOString(), rec.createdAt.toISOString()],
    );
    if (inserted.rowCount === 1) return { claimed: true };
    // The holder died mid-request: the same request may take its claim over (a row lock makes one winner).
    const taken = await this.db.query(
      `update idempotency_keys set claim_token = $3, locked_until = $4
       where scope = $1 and key = $2 and state = 'in_flight' and locked_until < $5 and fingerprint = $6`,
      [rec.scope, rec.key, rec.claimToken, rec.lockedUntil.toISOString(), now.toISOString(), rec.fingerprint],
    );
    if (taken.rowCount === 1) return { claimed: true };
    const found = await this.find(rec.scope, rec.key);
    // Purged or released between the two statements: claim again.
    return found ? { claimed: false, record: found } : this.claim(rec, now);
  }

  async complete(scope: string, key: string, claimToken: string, response: StoredResponse): Promise<boolean> {
    const r = await this.db.query(
      `update idempotency_keys set state = 'completed', response = $4::jsonb
       where scope = $1 and key = $2 and claim_token = $3 and state = 'in_flight'`,
      [scope, key, claimToken, JSON.stringify(response)],
    );
    return r.rowCount === 1;
  }

  async release(scope: string, key: string, claimToken: string): Promise<boolean> {
    const r = await this.db.query(`delete from idempotency_keys where scope = $1 and key = $2 and claim_token = $3 and state = 'in_flight'`, [scope, key, claimToken]);
    return r.rowCount === 1;
  }

  async find(scope: string, key: string): Promise<IdempotencyRecord | null> {
    const r = await this.db.query<Row>('select * from idempotency_keys where scope = $1 and key = $2', [scope, key]);
    return r.rows[0] ? toRecord(r.rows[0]) : null;
  }

  async purgeBefore(before: Date): Promise<number> {
    const r = await this.db.query('delete from idempotency_keys where created_at < $1', [before.toISOString()]);
    return r.rowCount;
  }
}
