import { ulid } from 'ulidx';
import type { DomainEvent, EventCatalog, NewEvent, OutboxStore, ProcessedEvents, StoredEvent } from '../../../domain/shared/events.js';
import type { SqlExecutor } from './client.js';

interface Row {
  sequence: string | number;
  id: string;
  type: string;
  schema_version: number;
  aggregate_type: string;
  aggregate_id: string;
  aggregate_version: number;
  occurred_at: Date | string;
  payload: unknown;
}

const toEvent = (r: Row): StoredEvent => ({
  sequence: Number(r.sequence),
  id: r.id,
  type: r.type,
  schemaVersion: Number(r.schema_version),
  aggregateType: r.aggregate_type,
  aggregateId: r.aggregate_id,
  aggregateVersion: Number(r.aggregate_version),
  occurredAt: new Date(r.occurred_at).toISOString(),
  payload: typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload,
});

/** The outbox table. `add` joins the caller's transaction through the SqlClient. */
export class SqlOutbox implements OutboxStore {
  constructor(private readonly db: SqlExecutor, private readonly catalog: EventCatalog) {}

  async add(events: readonly NewEvent[]): Promise<DomainEvent[]> {
    const sealed = events.map((e) => this.catalog.seal(e, ulid()));
    if (sealed.length === 0) return [];
    const values: unknown[] = [];
    const tuples = sealed.map((e, i) => {
      values.push(e.id, e.type, e.schemaVersion, e.aggregateType, e.aggregateId, e.aggregateVersion, e.occurredAt, JSON.stringify(e.payload));
      const b = i * 8;
      return `($${b + 1},$${b + 2},$${b + 3},$${b + 4},$${b + 5},$${b + 6},$${b + 7},$${b + 8}::jsonb)`;
    });
    // One statement, so the events of one change take consecutive sequences in the order given.
    await this.db.query(`insert into outbox (id, type, schema_version, aggregate_type, aggregate_id, aggregate_version, occurred_at, payload) values ${tuples.join(',')}`, values);
    return sealed;
  }

  async unpublished(limit: number): Promise<StoredEvent[]> {
    const r = await this.db.query<Row>('select * from outbox where published_at is null order by sequence limit $1', [limit]);
    return r.rows.map(toEvent);
  }

  async markPublished(ids: readonly string[], at: Date): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query('update outbox set published_at = $2 where id = any($1::text[]) and published_at is null', [ids, at.toISOString()]);
  }

  async purgePublished(before: Date): Promise<number> {
    const r = await this.db.query('delete from outbox where published_at is not null and published_at < $1', [before.toISOString()]);
    return r.rowCount;
  }
}

export class SqlProcessedEvents implements ProcessedEvents {
  constructor(private readonly db: SqlExecutor) {}

  async record(consumer: string, eventId: string, at: Date): Promise<boolean> {
    const r = await this.db.query('insert into processed_events (consumer, event_id, processed_at) values ($1,$2,$3) on conflict do nothing', [consumer, eventId, at.toISOString()]);
    return r.rowCount === 1;
  }

  async purgeBefore(before: Date): Promise<number> {
    const r = await this.db.query('delete from processed_events where processed_at < $1', [before.toISOString()]);
    return r.rowCount;
  }
}
