import { toBulkReport, NotificationPreferences, NotificationTemplate, type BulkReport, type BulkSend, type BulkStatus, type Category, type Channel, type DeliveryRecord, type DeliveryStatus, type DeviceToken, type InboxMessage, type Locale, type Platform, type Segment } from '../../../domain/notification/model.js';
import type { BulkSendRepository, DeliveryLog, DeviceTokenRepository, InboxRepository, PreferenceRepository, TemplateRepository } from '../../../domain/notification/ports.js';
import type { SqlExecutor } from './client.js';

type Row = Record<string, unknown>;
const date = (v: unknown): Date => new Date(v as string);
const json = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));

export class SqlTemplateRepository implements TemplateRepository {
  constructor(private readonly db: SqlExecutor) {}

  async save(t: NotificationTemplate): Promise<void> {
    const p = t.toProps();
    await this.db.query(
      `insert into notification_templates (event_type, channel, locale, title, body, updated_at, updated_by) values ($1, $2, $3, $4, $5, $6, $7)
       on conflict (event_type, channel, locale) do update set title = excluded.title, body = excluded.body, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      [p.eventType, p.channel, p.locale, p.title, p.body, p.updatedAt.toISOString(), p.updatedBy],
    );
  }

  async find(eventType: string, channel: Channel, locale: Locale): Promise<NotificationTemplate | null> {
    const r = await this.db.query<Row>('select * from notification_templates where event_type = $1 and channel = $2 and locale = $3', [eventType, channel, locale]);
    return r.rows[0] ? toTemplate(r.rows[0]) : null;
  }

  async list(eventType?: string): Promise<NotificationTemplate[]> {
    const r = eventType
      ? await this.db.query<Row>('select * from notification_templates where event_type = $1 order by event_type, channel, locale', [eventType])
      : await this.db.query<Row>('select * from notification_templates order by event_type, channel, locale');
    return r.rows.map(toTemplate);
  }

  async delete(eventType: string, channel: Channel, locale: Locale): Promise<boolean> {
    const r = await this.db.query('delete from notification_templates where event_type = $1 and channel = $2 and locale = $3', [eventType, channel, locale]);
    return r.rowCount === 1;
  }
}

const toTemplate = (r: Row) => NotificationTemplate.restore({
  eventType: r.event_type as string, channel: r.channel as Channel, locale: r.locale as Locale, title: (r.title as string | null) ?? null,
  body: r.body as string, updatedAt: date(r.updated_at), updatedBy: (r.updated_by as string | null) ?? null,
});

export class SqlPreferenceRepository implements PreferenceRepository {
  constructor(private readonly db: SqlExecutor) {}

  async find(accountId: string): Promise<NotificationPreferences | null> {
    const r = await this.db.query<Row>('select * from notification_preferences where account_id = $1', [accountId]);
    const row = r.rows[0];
    if (!row) return null;
    return NotificationPreferences.restore({
      accountId: row.account_id as string, locale: row.locale as Locale, timeZone: row.time_zone as string,
      quietHours: row.quiet_hours ? json(row.quiet_hours) : null, muted: json(row.muted), updatedAt: date(row.updated_at),
    });
  }

  async save(prefs: NotificationPreferences): Promise<void> {
    const p = prefs.toProps();
    await this.db.query(
      `insert into notification_preferences (account_id, locale, time_zone, quiet_hours, muted, updated_at) values ($1, $2, $3, $4::jsonb, $5::jsonb, $6)
       on conflict (account_id) do update set locale = excluded.locale, time_zone = excluded.time_zone, quiet_hours = excluded.quiet_hours, muted = excluded.muted, updated_at = excluded.updated_at`,
      [p.accountId, p.locale, p.timeZone, p.quietHours ? JSON.stringify(p.quietHours) : null, JSON.stringify(p.muted), p.updatedAt.toISOString()],
    );
  }
}

export class SqlDeviceTokenRepository implements DeviceTokenRepository {
  constructor(private readonly db: SqlExecutor) {}

  async upsert(d: DeviceToken): Promise<void> {
    await this.db.query(
      `insert into notification_devices (token, account_id, platform, app_version, last_seen_at, created_at) values ($1, $2, $3, $4, $5, $6)
       on conflict (token) do update set account_id = excluded.account_id, platform = excluded.platform, app_version = excluded.app_version, last_seen_at = excluded.last_seen_at`,
      [d.token, d.accountId, d.platform, d.appVersion, d.lastSeenAt.toISOString(), d.createdAt.toISOString()],
    );
  }

  async listByAccount(accountId: string): Promise<DeviceToken[]> {
    const r = await this.db.query<Row>('select * from notification_devices where account_id = $1 order by last_seen_at desc, token', [accountId]);
    return r.rows.map((row) => ({
      token: row.token as string, accountId: row.account_id as string, platform: row.platform as Platform, appVersion: row.app_version as string,
      lastSeenAt: date(row.last_seen_at), createdAt: date(row.created_at),
    }));
  }

  async remove(token: string, accountId?: string): Promise<boolean> {
    const r = accountId
      ? await this.db.query('delete from notification_devices where token = $1 and account_id = $2', [token, accountId])
      : await this.db.query('delete from notification_devices where token = $1', [token]);
    return r.rowCount === 1;
  }

  async activeSince(accountIds: readonly string[], since: Date): Promise<Set<string>> {
    if (accountIds.length === 0) return new Set();
    const r = await this.db.query<{ account_id: string }>('select distinct account_id from notification_devices where account_id = any($1::text[]) and last_seen_at >= $2', [accountIds, since.toISOString()]);
    return new Set(r.rows.map((x) => x.account_id));
  }
}

export class SqlInboxRepository implements InboxRepository {
  constructor(private readonly db: SqlExecutor) {}

  async add(m: InboxMessage): Promise<void> {
    await this.db.query(
      `insert into notification_inbox (id, account_id, event_type, category, title, body, data, created_at, read_at) values ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9)`,
      [m.id, m.accountId, m.eventType, m.category, m.title, m.body, JSON.stringify(m.data), m.createdAt.toISOString(), m.readAt?.toISOString() ?? null],
    );
  }

  async list(accountId: string, opts: { limit: number; unreadOnly?: boolean; before?: string | undefined }): Promise<InboxMessage[]> {
    const params: unknown[] = [accountId, opts.limit];
    let where = 'account_id = $1';
    if (opts.unreadOnly) where += ' and read_at is null';
    if (opts.before) {
      params.push(opts.before);
      where += ` and (created_at, id) < (select created_at, id from notification_inbox where id = $${params.length} and account_id = $1)`;
    }
    const r = await this.db.query<Row>(`select * from notification_inbox where ${where} order by created_at desc, id desc limit $2`, params);
    return r.rows.map((row) => ({
      id: row.id as string, accountId: row.account_id as string, eventType: row.event_type as string, category: row.category as Category,
      title: row.title as string, body: row.body as string, data: json(row.data), createdAt: date(row.created_at), readAt: row.read_at ? date(row.read_at) : null,
    }));
  }

  async unreadCount(accountId: string): Promise<number> {
    const r = await this.db.query<{ n: string | number }>('select count(*) as n from notification_inbox where account_id = $1 and read_at is null', [accountId]);
    return Number(r.rows[0]?.n ?? 0);
  }

  async markRead(accountId: string, at: Date, ids?: readonly string[]): Promise<number> {
    const r = ids
      ? await this.db.query('update notification_inbox set read_at = $2 where account_id = $1 and read_at is null and id = any($3::text[])', [accountId, at.toISOString(), ids])
      : await this.db.query('update notification_inbox set read_at = $2 where account_id = $1 and read_at is null', [accountId, at.toISOString()]);
    return r.rowCount;
  }
}

export class SqlDeliveryLog implements DeliveryLog {
  constructor(private readonly db: SqlExecutor) {}

  async claim(rec: Omit<DeliveryRecord, 'status' | 'reason' | 'attempts' | 'updatedAt'>, at: Date): Promise<boolean> {
    const inserted = await this.db.query(
      `insert into notification_deliveries (key, source_id, account_id, channel, event_type, bulk_id, status, reason, attempts, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, 'claimed', null, 1, $7, $8) on conflict (key) do nothing`,
      [rec.key, rec.sourceId, rec.accountId, rec.channel, rec.eventType, rec.bulkId, rec.createdAt.toISOString(), at.toISOString()],
    );
    if (inserted.rowCount === 1) return true;
    // Released by an attempt that knows it sent nothing: one update wins the next attempt.
    const retaken = await this.db.query(`update notification_deliveries set status = 'claimed', attempts = attempts + 1, updated_at = $2 where key = $1 and status = 'retrying'`, [rec.key, at.toISOString()]);
    return retaken.rowCount === 1;
  }

  async settle(key: string, status: Exclude<DeliveryStatus, 'claimed'>, reason: string | null, at: Date): Promise<void> {
    await this.db.query(`update notification_deliveries set status = $2, reason = $3, updated_at = $4 where key = $1 and status = 'claimed'`, [key, status, reason, at.toISOString()]);
  }

  async skip(rec: Omit<DeliveryRecord, 'status' | 'attempts' | 'updatedAt'>, at: Date): Promise<void> {
    await this.db.query(
      `insert into notification_deliveries (key, source_id, account_id, channel, event_type, bulk_id, status, reason, attempts, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, 'skipped', $7, 0, $8, $9) on conflict (key) do nothing`,
      [rec.key, rec.sourceId, rec.accountId, rec.channel, rec.eventType, rec.bulkId, rec.reason, rec.createdAt.toISOString(), at.toISOString()],
    );
  }

  async find(key: string): Promise<DeliveryRecord | null> {
    const r = await this.db.query<Row>('select * from notification_deliveries where key = $1', [key]);
    const row = r.rows[0];
    if (!row) return null;
    return {
      key: row.key as string, sourceId: row.source_id as string, accountId: row.account_id as string, channel: row.channel as Channel, eventType: row.event_type as string,
      bulkId: (row.bulk_id as string | null) ?? null, status: row.status as DeliveryStatus, reason: (row.reason as string | null) ?? null, attempts: Number(row.attempts),
      createdAt: date(row.created_at), updatedAt: date(row.updated_at),
    };
  }

  async report(bulkId: string): Promise<BulkReport> {
    const r = await this.db.query<{ channel: Channel; status: DeliveryStatus; n: string | number }>('select channel, status, count(*) as n from notification_deliveries where bulk_id = $1 group by channel, status', [bulkId]);
    return toBulkReport(r.rows.map((x) => ({ channel: x.channel, status: x.status, n: Number(x.n) })));
  }
}

export class SqlBulkSendRepository implements BulkSendRepository {
  constructor(private readonly db: SqlExecutor) {}

  async create(b: BulkSend): Promise<void> {
    await this.db.query(
      `insert into notification_bulk_sends (id, created_by, segment, channels, category, content, status, recipients, created_at, finished_at) values ($1, $2, $3::jsonb, $4::jsonb, $5, $6::jsonb, $7, $8, $9, $10)`,
      [b.id, b.createdBy, JSON.stringify(b.segment), JSON.stringify(b.channels), b.category, JSON.stringify(b.content), b.status, b.recipients, b.createdAt.toISOString(), b.finishedAt?.toISOString() ?? null],
    );
  }

  async find(id: string): Promise<BulkSend | null> {
    const r = await this.db.query<Row>('select * from notification_bulk_sends where id = $1', [id]);
    const row = r.rows[0];
    if (!row) return null;
    const segment = json<{ role: Segment['role']; lastActiveSince?: string; area?: Segment['area'] }>(row.segment);
    return {
      id: row.id as string, createdBy: row.created_by as string,
      segment: { role: segment.role, ...(segment.lastActiveSince ? { lastActiveSince: new Date(segment.lastActiveSince) } : {}), ...(segment.area ? { area: segment.area } : {}) },
      channels: json(row.channels), category: row.category as Category, content: json(row.content), status: row.status as BulkStatus,
      recipients: Number(row.recipients), createdAt: date(row.created_at), finishedAt: row.finished_at ? date(row.finished_at) : null,
    };
  }

  async update(id: string, patch: { status?: BulkStatus; recipients?: number; finishedAt?: Date | null }): Promise<void> {
    await this.db.query(
      `update notification_bulk_sends set status = coalesce($2, status), recipients = coalesce($3, recipients), finished_at = case when $4::boolean then $5::timestamptz else finished_at end where id = $1`,
      [id, patch.status ?? null, patch.recipients ?? null, patch.finishedAt !== undefined, patch.finishedAt?.toISOString() ?? null],
    );
  }
}
