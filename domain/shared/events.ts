import { z } from 'zod';
import { AppError } from './errors.js';

/**
 * Domain events and the outbox. A use case that changes an aggregate writes the
 * events it raised through `Outbox.add` inside `UnitOfWork.transaction`, so the
 * change and its events commit together; the relay publishes them afterwards.
 */

/** `<context>.<noun>.<past-tense verb>`, e.g. `delivery.courier.assigned`. */
export const EVENT_TYPE = /^[a-z][a-z_]*\.[a-z][a-z_]*\.[a-z][a-z_]*$/;

/** One event type: its name, schema version, aggregate type and payload schema. */
export interface EventDefinition<T extends string = string, P extends z.ZodType = z.ZodType> {
  type: T;
  version: number;
  aggregateType: string;
  payload: P;
  /** One sentence for docs/events.md: what happened. */
  description: string;
}

export function defineEvent<T extends string, P extends z.ZodType>(def: EventDefinition<T, P>): EventDefinition<T, P> {
  if (!EVENT_TYPE.test(def.type)) throw new Error(`event type ${def.type} must read <context>.<noun>.<past-tense verb>`);
  if (!Number.isInteger(def.version) || def.version < 1) throw new Error(`event ${def.type} needs a positive integer version`);
  return def;
}

/** An event as stored in the outbox and carried to consumers. */
export interface DomainEvent<P = unknown> {
  /** ULID: sortable by time, unique across processes. */
  id: string;
  type: string;
  schemaVersion: number;
  aggregateType: string;
  aggregateId: string;
  /** The aggregate's version after the change that raised the event. */
  aggregateVersion: number;
  occurredAt: string;
  payload: P;
}

/** What a use case hands the outbox; the outbox adds the id and validates the payload. */
export interface NewEvent<P = unknown> {
  type: string;
  aggregateId: string;
  aggregateVersion: number;
  occurredAt: string;
  payload: P;
}

/** The outbox's own envelope schema (consumers parse what they receive with it). */
export const domainEventSchema = z.strictObject({
  id: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/),
  type: z.string().regex(EVENT_TYPE),
  schemaVersion: z.number().int().min(1),
  aggregateType: z.string().min(1).max(64),
  aggregateId: z.string().min(1).max(128),
  aggregateVersion: z.number().int().min(0),
  occurredAt: z.iso.datetime(),
  payload: z.unknown(),
});

/** Every event type this codebase may write; an unknown type or a payload failing its schema is refused. */
export class EventCatalog {
  private readonly byType = new Map<string, EventDefinition>();

  constructor(definitions: readonly EventDefinition[]) {
    for (const d of definitions) {
      if (this.byType.has(d.type)) throw new Error(`event type ${d.type} is defined twice`);
      this.byType.set(d.type, d);
    }
  }

  get types(): string[] {
    return [...this.byType.keys()];
  }

  definitions(): EventDefinition[] {
    return [...this.byType.values()];
  }

  /**
   * The full event, or INVALID_EVENT with the schema's issues: an invalid event
   * is never stored, so it never reaches a consumer.
   */
  seal(event: NewEvent, id: string): DomainEvent {
    const def = this.byType.get(event.type);
    if (!def) throw invalidEvent(event.type, [{ field: 'type', message: 'unknown event type' }]);
    const parsed = def.payload.safeParse(event.payload);
    if (!parsed.success) throw invalidEvent(event.type, parsed.error.issues.map((i) => ({ field: ['payload', ...i.path].join('.'), message: i.message })));
    if (!(Number.isInteger(event.aggregateVersion) && event.aggregateVersion >= 0) || Number.isNaN(Date.parse(event.occurredAt)) || !event.aggregateId) {
      throw invalidEvent(event.type, [{ field: 'aggregate', message: 'aggregate id, version and occurredAt are required' }]);
    }
    return {
      id,
      type: def.type,
      schemaVersion: def.version,
      aggregateType: def.aggregateType,
      aggregateId: event.aggregateId,
      aggregateVersion: event.aggregateVersion,
      occurredAt: new Date(event.occurredAt).toISOString(),
      payload: parsed.data,
    };
  }
}

function invalidEvent(type: string, details: { field: string; message: string }[]): AppError {
  return new AppError('INVALID_EVENT', `event ${type} refused: it does not match its schema`, { details });
}

/**
 * Runs `fn` in one database transaction. Repositories and the outbox called
 * inside `fn` join it without taking a transaction argument; it commits when
 * `fn` resolves and rolls back when it throws. Nested calls join the outer one.
 */
export interface UnitOfWork {
  transaction<T>(fn: () => Promise<T>): Promise<T>;
}

/** Writes events in the caller's transaction. Implementations: SqlOutbox, MongoOutbox. */
export interface Outbox {
  /** Validates and stores the events; rejects (and stores none) when one is invalid. */
  add(events: readonly NewEvent[]): Promise<DomainEvent[]>;
}

/** An outbox row as the relay reads it: the event plus its commit-order position. */
export interface StoredEvent extends DomainEvent {
  /** Assigned at insert, increasing; a lower one may commit after a higher one. */
  sequence: number;
}

/**
 * The relay's side of the outbox. Implementations: SqlOutbox and MongoOutbox,
 * both judged by test/contract/outbox.test.ts.
 */
export interface OutboxStore extends Outbox {
  /**
   * Committed, unpublished events, lowest sequence first. Reading unpublished
   * rows (not "after the last published sequence") is what makes a row that
   * commits late, behind a higher sequence already published, still go out.
   */
  unpublished(limit: number): Promise<StoredEvent[]>;
  markPublished(ids: readonly string[], at: Date): Promise<void>;
  /** Deletes events published before `before`; answers how many went. */
  purgePublished(before: Date): Promise<number>;
}

/**
 * Which events each consumer has already handled, so a redelivered event is
 * ignored. Call `record` in the transaction of the consumer's own change.
 */
export interface ProcessedEvents {
  /** True the first time for (consumer, eventId); false when it was recorded before. */
  record(consumer: string, eventId: string, at: Date): Promise<boolean>;
  /** Forgets records older than `before` (redelivery happens within minutes, not days). */
  purgeBefore(before: Date): Promise<number>;
}
