import { Schema, type Connection } from 'mongoose';
import { modelOf } from './connection.js';
import { toPage, offsetOf, type Page, type PageRequest } from '../../../domain/shared/pagination.js';
import { ATTEMPT_OUTCOMES, MESSAGE_STATUSES, WebhookEndpoint, WebhookMessage, type MessageStatus, type WebhookAttempt, type WebhookEndpointProps, type WebhookMessageProps } from '../../../domain/webhooks/model.js';
import type { EndpointFilter, WebhookEndpointRepository, WebhookMessageRepository } from '../../../domain/webhooks/ports.js';
import { str, when } from './guard.js';

type EndpointDoc = Omit<WebhookEndpointProps, 'id' | 'failingSince' | 'createdAt' | 'updatedAt'> & { _id: string; failingSince: Date | null; createdAt: Date; updatedAt: Date };
const endpointSchema = new Schema<EndpointDoc>(
  {
    _id: { type: String, required: true },
    storeId: { type: String, default: null },
    createdBy: { type: String, required: true },
    url: { type: String, required: true },
    description: { type: String, default: '' },
    eventTypes: { type: [String], required: true },
    ordered: { type: Boolean, required: true },
    status: { type: String, required: true, enum: ['enabled', 'disabled'] },
    disabledReason: { type: String, default: null },
    failingSince: { type: Date, default: null },
    secrets: { type: Schema.Types.Mixed, required: true },
    version: { type: Number, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'webhook_endpoints', versionKey: false, minimize: false },
);

type MessageDoc = Omit<WebhookMessageProps, 'id' | 'occurredAt' | 'nextAttemptAt' | 'createdAt' | 'updatedAt'> & { _id: string; occurredAt: Date; nextAttemptAt: Date | null; createdAt: Date; updatedAt: Date };
const messageSchema = new Schema<MessageDoc>(
  {
    _id: { type: String, required: true },
    endpointId: { type: String, required: true },
    eventId: { type: String, required: true },
    eventType: { type: String, required: true },
    aggregateId: { type: String, required: true },
    sequence: { type: Number, required: true },
    occurredAt: { type: Date, required: true },
    body: { type: String, required: true },
    status: { type: String, required: true, enum: MESSAGE_STATUSES },
    attempts: { type: Number, required: true },
    roundStart: { type: Number, required: true },
    nextAttemptAt: { type: Date, default: null },
    version: { type: Number, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'webhook_messages', versionKey: false, minimize: false },
);

type AttemptDoc = Omit<WebhookAttempt, 'at'> & { _id: string; at: Date };
const attemptSchema = new Schema<AttemptDoc>(
  {
    _id: { type: String, required: true },
    messageId: { type: String, required: true },
    n: { type: Number, required: true },
    endpointId: { type: String, required: true },
    at: { type: Date, required: true },
    statusCode: { type: Number, default: null },
    latencyMs: { type: Number, required: true },
    outcome: { type: String, required: true, enum: ATTEMPT_OUTCOMES },
    response: { type: String, default: '' },
    error: { type: String, default: null },
  },
  { collection: 'webhook_attempts', versionKey: false, minimize: false },
);

export const webhookModels = (conn: Connection) => ({
  endpoints: modelOf(conn, 'WebhookEndpoint', endpointSchema),
  messages: modelOf(conn, 'WebhookMessage', messageSchema),
  attempts: modelOf(conn, 'WebhookAttempt', attemptSchema),
});

const iso = (d: Date) => new Date(d).toISOString();
const toEndpoint = (d: EndpointDoc): WebhookEndpoint =>
  WebhookEndpoint.restore({
    id: d._id, storeId: d.storeId ?? null, createdBy: d.createdBy, url: d.url, description: d.description ?? '', eventTypes: [...d.eventTypes], ordered: d.ordered,
    status: d.status, disabledReason: d.disabledReason ?? null, failingSince: d.failingSince ? iso(d.failingSince) : null, secrets: (d.secrets ?? []).map((s) => ({ ...s })),
    version: d.version, createdAt: iso(d.createdAt), updatedAt: iso(d.updatedAt),
  });
const endpointDoc = (p: WebhookEndpointProps): EndpointDoc => {
  const { id, failingSince, createdAt, updatedAt, ...rest } = p;
  return { ...rest, _id: id, failingSince: failingSince ? new Date(failingSince) : null, createdAt: new Date(createdAt), updatedAt: new Date(updatedAt) };
};

export class MongoWebhookEndpointRepository implements WebhookEndpointRepository {
  private readonly m: ReturnType<typeof webhookModels>;
  constructor(conn: Connection) {
    this.m = webhookModels(conn);
  }

  async create(e: WebhookEndpoint): Promise<void> {
    await this.m.endpoints.create([endpointDoc(e.toProps())]);
  }

  async findById(id: string): Promise<WebhookEndpoint | null> {
    const d = await this.m.endpoints.findById(str(id, 'id')).lean<EndpointDoc>().exec();
    return d ? toEndpoint(d) : null;
  }

  async save(e: WebhookEndpoint, expectedVersion: number): Promise<boolean> {
    const { _id, storeId: _s, createdBy: _c, createdAt: _a, ...set } = endpointDoc(e.toProps());
    const r = await this.m.endpoints.updateOne({ _id, version: expectedVersion }, { $set: set }).exec();
    return r.matchedCount === 1;
  }

  async delete(id: string): Promise<boolean> {
    const key = str(id, 'id');
    const r = await this.m.endpoints.deleteOne({ _id: key }).exec();
    await this.m.messages.deleteMany({ endpointId: key }).exec();
    await this.m.attempts.deleteMany({ endpointId: key }).exec();
    return r.deletedCount === 1;
  }

  async list(filter: EndpointFilter, page: PageRequest): Promise<Page<WebhookEndpoint>> {
    const or: Record<string, unknown>[] = [];
    if (filter.storeIds !== undefined) or.push({ storeId: { $in: filter.storeIds.map((s) => str(s, 'storeId')) } });
    if (filter.platform) or.push({ storeId: null });
    const q = filter.storeIds === undefined && filter.platform === undefined ? {} : or.length ? { $or: or } : { _id: { $in: [] } };
    const [total, docs] = await Promise.all([
      this.m.endpoints.countDocuments(q).exec(),
      this.m.endpoints.find(q).sort({ createdAt: -1, _id: -1 }).skip(offsetOf(page)).limit(page.limit).lean<EndpointDoc[]>().exec(),
    ]);
    return toPage(docs.map(toEndpoint), total, page);
  }

  async subscribers(eventType: string, storeId: string | null): Promise<WebhookEndpoint[]> {
    const stores = storeId === null ? [null] : [null, str(storeId, 'storeId')];
    const docs = await this.m.endpoints.find({ status: 'enabled', eventTypes: str(eventType, 'eventType'), storeId: { $in: stores } }).lean<EndpointDoc[]>().exec();
    return docs.map(toEndpoint);
  }
}

const toMessage = (d: MessageDoc): WebhookMessage =>
  WebhookMessage.restore({
    id: d._id, endpointId: d.endpointId, eventId: d.eventId, eventType: d.eventType, aggregateId: d.aggregateId, sequence: d.sequence, occurredAt: iso(d.occurredAt), body: d.body,
    status: d.status, attempts: d.attempts, roundStart: d.roundStart, nextAttemptAt: d.nextAttemptAt ? iso(d.nextAttemptAt) : null,
    version: d.version, createdAt: iso(d.createdAt), updatedAt: iso(d.updatedAt),
  });
const messageDoc = (p: WebhookMessageProps): MessageDoc => {
  const { id, occurredAt, nextAttemptAt, createdAt, updatedAt, ...rest } = p;
  return { ...rest, _id: id, occurredAt: new Date(occurredAt), nextAttemptAt: nextAttemptAt ? new Date(nextAttemptAt) : null, createdAt: new Date(createdAt), updatedAt: new Date(updatedAt) };
};
const toAttempt = (d: AttemptDoc): WebhookAttempt => ({
  messageId: d.messageId, endpointId: d.endpointId, n: d.n, at: iso(d.at), statusCode: d.statusCode ?? null, latencyMs: d.latencyMs, outcome: d.outcome, response: d.response ?? '', error: d.error ?? null,
});
const isDuplicate = (err: unknown) => (err as { code?: number }).code === 11000 || /E11000/.test(String((err as Error)?.message));

export class MongoWebhookMessageRepository implements WebhookMessageRepository {
  private readonly m: ReturnType<typeof webhookModels>;
  constructor(conn: Connection) {
    this.m = webhookModels(conn);
  }

  async createMany(messages: readonly WebhookMessage[]): Promise<WebhookMessage[]> {
    if (messages.length === 0) return [];
    // Upserts, not inserts: a duplicate key inside a transaction would abort it.
    const ops = messages.map((msg) => {
      const d = messageDoc(msg.toProps());
      return { updateOne: { filter: { endpointId: str(d.endpointId, 'endpointId'), eventId: str(d.eventId, 'eventId') }, update: { $setOnInsert: d }, upsert: true } };
    });
    for (let attempt = 0; ; attempt++) {
      try {
        await this.m.messages.bulkWrite(ops, { ordered: false });
        break;
      } catch (err) {
        // Two fan-outs upserting the same pair at once: one loses on the unique index; the second pass finds it.
        if (!isDuplicate(err) || attempt >= 2) throw err;
      }
    }
    const eventIds = [...new Set(messages.map((x) => x.toProps().eventId))];
    const endpointIds = [...new Set(messages.map((x) => x.endpointId))];
    const wanted = new Set(messages.map((x) => `${x.endpointId} ${x.toProps().eventId}`));
    const docs = await this.m.messages.find({ eventId: { $in: eventIds }, endpointId: { $in: endpointIds } }).lean<MessageDoc[]>().exec();
    return docs.filter((d) => wanted.has(`${d.endpointId} ${d.eventId}`)).map(toMessage);
  }

  async findById(id: string): Promise<WebhookMessage | null> {
    const d = await this.m.messages.findById(str(id, 'id')).lean<MessageDoc>().exec();
    return d ? toMessage(d) : null;
  }

  async save(msg: WebhookMessage, expectedVersion: number): Promise<boolean> {
    const p = messageDoc(msg.toProps());
    const r = await this.m.messages
      .updateOne({ _id: p._id, version: expectedVersion }, { $set: { status: p.status, attempts: p.attempts, roundStart: p.roundStart, nextAttemptAt: p.nextAttemptAt, version: p.version, updatedAt: p.updatedAt } })
      .exec();
    return r.matchedCount === 1;
  }

  async recordAttempt(a: WebhookAttempt): Promise<boolean> {
    const _id = `${str(a.messageId, 'messageId')}#${a.n}`;
    const r = await this.m.attempts.updateOne({ _id }, { $setOnInsert: { ...a, _id, at: new Date(a.at) } }, { upsert: true }).exec();
    return r.upsertedCount === 1;
  }

  async attempts(messageId: string): Promise<WebhookAttempt[]> {
    const docs = await this.m.attempts.find({ messageId: str(messageId, 'messageId') }).sort({ n: 1 }).lean<AttemptDoc[]>().exec();
    return docs.map(toAttempt);
  }

  async list(endpointId: string, filter: { status?: MessageStatus }, page: PageRequest): Promise<Page<WebhookMessage>> {
    const q: Record<string, unknown> = { endpointId: str(endpointId, 'endpointId') };
    if (filter.status) q.status = str(filter.status, 'status');
    const [total, docs] = await Promise.all([
      this.m.messages.countDocuments(q).exec(),
      this.m.messages.find(q).sort({ createdAt: -1, _id: -1 }).skip(offsetOf(page)).limit(page.limit).lean<MessageDoc[]>().exec(),
    ]);
    return toPage(docs.map(toMessage), total, page);
  }

  async failedSince(endpointId: string, since: Date, limit: number): Promise<WebhookMessage[]> {
    const docs = await this.m.messages
      .find({ endpointId: str(endpointId, 'endpointId'), status: 'failed', createdAt: { $gte: when(since, 'since') } })
      .sort({ createdAt: 1, _id: 1 }).limit(Math.max(1, Math.floor(limit))).lean<MessageDoc[]>().exec();
    return docs.map(toMessage);
  }

  async hasEarlierPending(msg: WebhookMessage): Promise<boolean> {
    const d = await this.m.messages
      .findOne({ endpointId: str(msg.endpointId, 'endpointId'), aggregateId: str(msg.aggregateId, 'aggregateId'), status: 'pending', $or: [{ sequence: { $lt: msg.sequence } }, { sequence: msg.sequence, eventId: { $lt: str(msg.eventId, 'eventId') } }] }, { _id: 1 })
      .lean().exec();
    return d !== null;
  }
}
