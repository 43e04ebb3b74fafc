import { Schema, type Connection, type Model } from 'mongoose';
import { modelOf } from './connection.js';
import { ulid } from 'ulidx';
import type { DomainEvent, EventCatalog, NewEvent, OutboxStore, ProcessedEvents, StoredEvent } from '../../../domain/shared/events.js';

interface OutboxDoc {
  _id: string;
  sequence: number;
  type: string;
  schemaVersion: number;
  aggregateType: string;
  aggregateId: string;
  aggregateVersion: number;
  occurredAt: Date;
  payload: unknown;
  publishedAt: Date | null;
}

const outboxSchema = new Schema<OutboxDoc>(
  {
    _id: { type: String, required: true },
    sequence: { type: Number, required: true },
    type: { type: String, required: true },
    schemaVersion: { type: Number, required: true },
    aggregateType: { type: String, required: true },
    aggregateId: { type: String, required: true },
    aggregateVersion: { type: Number, required: true },
    occurredAt: { type: Date, required: true },
    payload: { type: Schema.Types.Mixed, required: true },
    publishedAt: { type: Date, default: null },
  },
  { collection: 'outbox', versionKey: false, minimize: false },
);
// Indexes come from the versioned migrations (migrations.ts, step 0003-outbox).

/**
 * One counter document per sequence. It is incremented OUTSIDE the caller's transaction
 * (`session: null`), as PostgreSQL's identity column is: inside, every transaction that
 * writes an event would write-conflict on this one document. A rolled-back transaction
 * leaves a gap; the relay reads `publishedAt: null` by sequence, so a late lower sequence is
 * still found.
 */
interface CounterDoc {
  _id: string;
  value: number;
}
const counterSchema = new Schema<CounterDoc>({ _id: { type: String, required: true }, value: { type: Number, required: true } }, { collection: 'counters', versionKey: false });

/** `_id` is `<consumer>:<eventId>`, so the primary key alone makes `record` idempotent. */
interface ProcessedDoc {
  _id: string;
  consumer: string;
  eventId: string;
  processedAt: Date;
}
const processedSchema = new Schema<ProcessedDoc>(
  { _id: { type: String, required: true }, consumer: { type: String, required: true }, eventId: { type: String, required: true }, processedAt: { type: Date, required: true } },
  { collection: 'processed_events', versionKey: false },
);


const toEvent = (d: OutboxDoc): StoredEvent => ({
  sequence: d.sequence,
  id: d._id,
  type: d.type,
  schemaVersion: d.schemaVersion,
  aggregateType: d.aggregateType,
  aggregateId: d.aggregateId,
  aggregateVersion: d.aggregateVersion,
  occurredAt: new Date(d.occurredAt).toISOString(),
  payload: d.payload,
});

/**
 * The outbox collection. `add` joins the caller's `connection.transaction`
 * through mongoose's transaction AsyncLocalStorage (set in connection.ts).
 */
export class MongoOutbox implements OutboxStore {
  private readonly model: Model<OutboxDoc>;
  private readonly counters: Model<CounterDoc>;
  constructor(conn: Connection, private readonly catalog: EventCatalog) {
    this.model = modelOf(conn, 'OutboxEvent', outboxSchema);
    this.counters = modelOf(conn, 'Counter', counterSchema);
  }

  async add(events: readonly NewEvent[]): Promise<DomainEvent[]> {
    const sealed = events.map((e) => this.catalog.seal(e, ulid()));
    if (sealed.length === 0) return [];
    const counter = await this.counters.findOneAndUpdate({ _id: 'outbox' }, { $inc: { value: sealed.length } }, { upsert: true, returnDocument: 'after', session: null }).lean();
    const first = counter!.value - sealed.length + 1;
    await this.model.insertMany(
      sealed.map((e, i) => ({ _id: e.id, sequence: first + i, type: e.type, schemaVersion: e.schemaVersion, aggregateType: e.aggregateType, aggregateId: e.aggregateId, aggregateVersion: e.aggregateVersion, occurredAt: new Date(e.occurredAt), payload: e.payload, publishedAt: null })),
    );
    return sealed;
  }

  async unpublished(limit: number): Promise<StoredEvent[]> {
    const docs = await this.model.find({ publishedAt: null }).sort({ sequence: 1 }).limit(limit).lean<OutboxDoc[]>();
    return docs.map(toEvent);
  }

  async markPublished(ids: readonly string[], at: Date): Promise<void> {
    if (ids.length === 0) return;
    await this.model.updateMany({ _id: { $in: ids }, publishedAt: null }, { $set: { publishedAt: at } });
  }

  async purgePublished(before: Date): Promise<number> {
    const r = await this.model.deleteMany({ publishedAt: { $ne: null, $lt: before } });
    return r.deletedCount;
  }
}

export class MongoProcessedEvents implements ProcessedEvents {
  private readonly model: Model<ProcessedDoc>;
  constructor(conn: Connection) {
    this.model = modelOf(conn, 'ProcessedEvent', processedSchema);
  }

  async record(consumer: string, eventId: string, at: Date): Promise<boolean> {
    const r = await this.model.updateOne({ _id: `${consumer}:${eventId}` }, { $setOnInsert: { consumer, eventId, processedAt: at } }, { upsert: true });
    return r.upsertedCount === 1;
  }

  async purgeBefore(before: Date): Promise<number> {
    const r = await this.model.deleteMany({ processedAt: { $lt: before } });
    return r.deletedCount;
  }
}
