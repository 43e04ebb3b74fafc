import { toPage, offsetOf, type Page, type PageRequest } from '../../../domain/shared/pagination.js';
import { WebhookEndpoint, WebhookMessage, type AttemptOutcome, type EndpointSecret, type EndpointStatus, type MessageStatus, type WebhookAttempt } from '../../../domain/webhooks/model.js';
import type { EndpointFilter, WebhookEndpointRepository, WebhookMessageRepository } from '../../../domain/webhooks/ports.js';
import type { SqlClient } from './client.js';

const iso = (d: Date | string) => new Date(d).toISOString();
const isoOrNull = (d: Date | string | null) => (d === null ? null : iso(d));
const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

interface EndpointRow {
  id: string; store_id: string | null; created_by: string; url: string; description: string; event_types: string[] | string; ordered: boolean;
  status: string; disabled_reason: string | null; failing_since: Date | string | null; secrets: EndpointSecret[] | string; version: number;
  created_at: Date | string; updated_at: Date | string;
}

const toEndpoint = (r: EndpointRow): WebhookEndpoint =>
  WebhookEndpoint.restore({
    id: r.id, storeId: r.store_id, createdBy: r.created_by, url: r.url, description: r.description, eventTypes: json(r.event_types), ordered: r.ordered,
    status: r.status as EndpointStatus, disabledReason: r.disabled_reason, failingSince: isoOrNull(r.failing_since), secrets: json(r.secrets),
    version: Number(r.version), createdAt: iso(r.created_at), updatedAt: iso(r.updated_at),
  });

export class SqlWebhookEndpointRepository implements WebhookEndpointRepository {
  constructor(private readonly db: SqlClient) {}

  async create(e: WebhookEndpoint): Promise<void> {
    const p = e.toProps();
    await this.db.query(
      `insert into webhook_endpoints (id, store_id, created_by, url, description, event_types, ordered, status, disabled_reason, failing_since, secrets, version, created_at, updated_at)
       values ($1,$2,$3,$4,$5,$6::jsonb,$7,$8,$9,$10,$11::jsonb,$12,$13,$14)`,
      [p.id, p.storeId, p.createdBy, p.url, p.description, JSON.stringify(p.eventTypes), p.ordered, p.status, p.disabledReason, p.failingSince, JSON.stringify(p.secrets), p.version, p.createdAt, p.updatedAt],
    );
  }

  async findById(id: string): Promise<WebhookEndpoint | null> {
    const r = await this.db.query<EndpointRow>('select * from webhook_endpoints where id = $1', [id]);
    return r.rows[0] ? toEndpoint(r.rows[0]) : null;
  }

  async save(e: WebhookEndpoint, expectedVersion: number): Promise<boolean> {
    const p = e.toProps();
    const r = await this.db.query(
      `update webhook_endpoints set url = $2, description = $3, event_types = $4::jsonb, ordered = $5, status = $6, disabled_reason = $7, failing_since = $8,
         secrets = $9::jsonb, version = $10, updated_at = $11
       where id = $1 and version = $12`,
      [p.id, p.url, p.description, JSON.stringify(p.eventTypes), p.ordered, p.status, p.disabledReason, p.failingSince, JSON.stringify(p.secrets), p.version, p.updatedAt, expectedVersion],
    );
    return r.rowCount === 1;
  }

  async delete(id: string): Promise<boolean> {
    const r = await this.db.query('delete from webhook_endpoints where id = $1', [id]);
    return r.rowCount === 1;
  }

  async list(filter: EndpointFilter, page: PageRequest): Promise<Page<WebhookEndpoint>> {
    const { where, params } = endpointWhere(filter);
    const count = await this.db.query<{ n: string | number }>(`select count(*) as n from webhook_endpoints ${where}`, params);
    const rows = await this.db.query<EndpointRow>(`select * from webhook_endpoints ${where} order by created_at desc, id desc limit ${page.limit} offset ${offsetOf(page)}`, params);
    return toPage(rows.rows.map(toEndpoint), Number(count.rows[0]?.n ?? 0), page);
  }

  async subscribers(eventType: string, storeId: string | null): Promise<WebhookEndpoint[]> {
    const r = await this.db.query<EndpointRow>(
      `select * from webhook_endpoints where status = 'enabled' and event_types @> $1::jsonb and (store_id is null or store_id = $2)`,
      [JSON.stringify([eventType]), storeId],
    );
    return r.rows.map(toEndpoint);
  }
}

function endpointWhere(f: EndpointFilter): { where: string; params: unknown[] } {
  if (f.storeIds === undefined && f.platform === undefined) return { where: '', params: [] };
  const parts: string[] = [];
  const params: unknown[] = [];
  if (f.storeIds !== undefined) {
    params.push(JSON.stringify(f.storeIds));
    parts.push(`store_id in (select jsonb_array_elements_text($${params.length}::jsonb))`);
  }
  if (f.platform) parts.push('store_id is null');
  return { where: `where ${parts.length ? parts.join(' or ') : 'false'}`, params };
}

interface MessageRow {
  id: string; endpoint_id: string; event_id: string; event_type: string; aggregate_id: string; sequence: number; occurred_at: Date | string; body: string; status: string;
  attempts: number; round_start: number; next_attempt_at: Date | string | null; version: number; created_at: Date | string; updated_at: Date | string;
}
const toMessage = (r: MessageRow): WebhookMessage =>
  WebhookMessage.restore({
    id: r.id, endpointId: r.endpoint_id, eventId: r.event_id, eventType: r.event_type, aggregateId: r.aggregate_id, sequence: Number(r.sequence), occurredAt: iso(r.occurred_at), body: r.body,
    status: r.status as MessageStatus, attempts: Number(r.attempts), roundStart: Number(r.round_start), nextAttemptAt: isoOrNull(r.next_attempt_at),
    version: Number(r.version), createdAt: iso(r.created_at), updatedAt: iso(r.updated_at),
  });

interface AttemptRow {
  message_id: string; n: number; endpoint_id: string; at: Date | string; status_code: number | null; latency_ms: number; outcome: string; response: string; error: string | null;
}
const toAttempt = (r: AttemptRow): WebhookAttempt => ({
  messageId: r.message_id, endpointId: r.endpoint_id, n: Number(r.n), at: iso(r.at), statusCode: r.status_code === null ? null : Number(r.status_code),
  latencyMs: Number(r.latency_ms), outcome: r.outcome as AttemptOutcome, response: r.response, error: r.error,
});

export class SqlWebhookMessageRepository implements WebhookMessageRepository {
  constructor(private readonly db: SqlClient) {}

  async createMany(messages: readonly WebhookMessage[]): Promise<WebhookMessage[]> {
    if (messages.length === 0) return [];
    const cols = 15;
    const values: unknown[] = [];
    const tuples = messages.map((m, i) => {
      const p = m.toProps();
      values.push(p.id, p.endpointId, p.eventId, p.eventType, p.aggregateId, p.sequence, p.occurredAt, p.body, p.status, p.attempts, p.roundStart, p.nextAttemptAt, p.version, p.createdAt, p.updatedAt);
      return `(${Array.from({ length: cols }, (_, k) => `$${i * cols + k + 1}`).join(',')})`;
    });
    await this.db.query(
      `insert into webhook_messages (id, endpoint_id, event_id, event_type, aggregate_id, sequence, occurred_at, body, status, attempts, round_start, next_attempt_at, version, created_at, updated_at)
       values ${tuples.join(',')} on conflict (endpoint_id, event_id) do nothing`,
      values,
    );
    const pairs = messages.map((m) => ({ e: m.endpointId, v: m.toProps().eventId }));
    const r = await this.db.query<MessageRow>(
      `select m.* from webhook_messages m join jsonb_to_recordset($1::jsonb) as x(e text, v text) on m.endpoint_id = x.e and m.event_id = x.v`,
      [JSON.stringify(pairs)],
    );
    return r.rows.map(toMessage);
  }

  async findById(id: string): Promise<WebhookMessage | null> {
    const r = await this.db.query<MessageRow>('select * from webhook_messages where id = $1', [id]);
    return r.rows[0] ? toMessage(r.rows[0]) : null;
  }

  async save(m: WebhookMessage, expectedVersion: number): Promise<boolean> {
    const p = m.toProps();
    const r = await this.db.query(
      'update webhook_messages set status = $2, attempts = $3, round_start = $4, next_attempt_at = $5, version = $6, updated_at = $7 where id = $1 and version = $8',
      [p.id, p.status, p.attempts, p.roundStart, p.nextAttemptAt, p.version, p.updatedAt, expectedVersion],
    );
    return r.rowCount === 1;
  }

  async recordAttempt(a: WebhookAttempt): Promise<boolean> {
    const r = await this.db.query(
      `insert into webhook_attempts (message_id, n, endpoint_id, at, status_code, latency_ms, outcome, response, error) values ($1,$2,$3,$4,$5,$6,$7,$8,$9)
       on conflict (message_id, n) do nothing`,
      [a.messageId, a.n, a.endpointId, a.at, a.statusCode, a.latencyMs, a.outcome, a.response, a.error],
    );
    return r.rowCount === 1;
  }

  async attempts(messageId: string): Promise<WebhookAttempt[]> {
    const r = await this.db.query<AttemptRow>('select * from webhook_attempts where message_id = $1 order by n', [messageId]);
    return r.rows.map(toAttempt);
  }

  async list(endpointId: string, filter: { status?: MessageStatus }, page: PageRequest): Promise<Page<WebhookMessage>> {
    const params: unknown[] = [endpointId];
    let where = 'where endpoint_id = $1';
    if (filter.status) {
      params.push(filter.status);
      where += ' and status = $2';
    }
    const count = await this.db.query<{ n: string | number }>(`select count(*) as n from webhook_messages ${where}`, params);
    const rows = await this.db.query<MessageRow>(`select * from webhook_messages ${where} order by created_at desc, id desc limit ${page.limit} offset ${offsetOf(page)}`, params);
    return toPage(rows.rows.map(toMessage), Number(count.rows[0]?.n ?? 0), page);
  }

  async failedSince(endpointId: string, since: Date, limit: number): Promise<WebhookMessage[]> {
    const r = await this.db.query<MessageRow>(
      `select * from webhook_messages where endpoint_id = $1 and status = 'failed' and created_at >= $2 order by created_at, id limit ${Math.max(1, Math.floor(limit))}`,
      [endpointId, since.toISOString()],
    );
    return r.rows.map(toMessage);
  }

  async hasEarlierPending(m: WebhookMessage): Promise<boolean> {
    const r = await this.db.query(
      `select 1 from webhook_messages where endpoint_id = $1 and aggregate_id = $2 and status = 'pending' and (sequence, event_id) < ($3::integer, $4::text) limit 1`,
      [m.endpointId, m.aggregateId, m.sequence, m.eventId],
    );
    return r.rows.length > 0;
  }
}
