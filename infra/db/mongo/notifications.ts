import { Schema, type Connection, type Model } from 'mongoose';
import { modelOf } from './connection.js';
import { toBulkReport, NotificationPreferences, NotificationTemplate, type BulkReport, type BulkSend, type BulkStatus, type Channel, type DeliveryRecord, type DeliveryStatus, type DeviceToken, type InboxMessage, type Locale, type PreferenceProps, type TemplateProps } from '../../../domain/notification/model.js';
import type { BulkSendRepository, DeliveryLog, DeviceTokenRepository, InboxRepository, PreferenceRepository, TemplateRepository } from '../../../domain/notification/ports.js';
import { str, when } from './guard.js';

// Indexes come from the versioned migrations (migrations.ts, step 0300-notifications).
const isDuplicate = (err: unknown) => (err as { code?: number }).code === 11000;
const opts = (collection: string) => ({ collection, versionKey: false as const, minimize: false });

type TemplateDoc = TemplateProps & { _id: string };
const templateSchema = new Schema<TemplateDoc>({
  _id: String, eventType: { type: String, required: true }, channel: { type: String, required: true }, locale: { type: String, required: true },
  title: { type: String, default: null }, body: { type: String, required: true }, updatedAt: { type: Date, required: true }, updatedBy: { type: String, default: null },
}, opts('notification_templates'));
const templateId = (eventType: unknown, channel: unknown, locale: unknown) => `${str(eventType, 'eventType')}|${str(channel, 'channel')}|${str(locale, 'locale')}`;
const toTemplate = ({ _id, ...d }: TemplateDoc) => NotificationTemplate.restore({ ...d, title: d.title ?? null, updatedBy: d.updatedBy ?? null, updatedAt: new Date(d.updatedAt) });

export class MongoTemplateRepository implements TemplateRepository {
  private readonly model: Model<TemplateDoc>;
  constructor(conn: Connection) { this.model = modelOf(conn, 'NotificationTemplate', templateSchema); }

  async save(t: NotificationTemplate): Promise<void> {
    const p = t.toProps();
    await this.model.replaceOne({ _id: templateId(p.eventType, p.channel, p.locale) }, { ...p }, { upsert: true });
  }

  async find(eventType: string, channel: Channel, locale: Locale): Promise<NotificationTemplate | null> {
    const d = await this.model.findById(templateId(eventType, channel, locale)).lean<TemplateDoc>();
    return d ? toTemplate(d) : null;
  }

  async list(eventType?: string): Promise<NotificationTemplate[]> {
    const docs = await this.model.find(eventType === undefined ? {} : { eventType: str(eventType, 'eventType') }).sort({ eventType: 1, channel: 1, locale: 1 }).lean<TemplateDoc[]>();
    return docs.map(toTemplate);
  }

  async delete(eventType: string, channel: Channel, locale: Locale): Promise<boolean> {
    const r = await this.model.deleteOne({ _id: templateId(eventType, channel, locale) });
    return r.deletedCount === 1;
  }
}

type PreferenceDoc = Omit<PreferenceProps, 'accountId'> & { _id: string };
const preferenceSchema = new Schema<PreferenceDoc>({
  _id: String, locale: { type: String, required: true }, timeZone: { type: String, required: true },
  quietHours: { type: Schema.Types.Mixed, default: null }, muted: { type: Schema.Types.Mixed, default: {} }, updatedAt: { type: Date, required: true },
}, opts('notification_preferences'));

export class MongoPreferenceRepository implements PreferenceRepository {
  private readonly model: Model<PreferenceDoc>;
  constructor(conn: Connection) { this.model = modelOf(conn, 'NotificationPreference', preferenceSchema); }

  async find(accountId: string): Promise<NotificationPreferences | null> {
    const d = await this.model.findById(str(accountId, 'accountId')).lean<PreferenceDoc>();
    if (!d) return null;
    return NotificationPreferences.restore({ accountId: d._id, locale: d.locale, timeZone: d.timeZone, quietHours: d.quietHours ?? null, muted: d.muted ?? {}, updatedAt: new Date(d.updatedAt) });
  }

  async save(prefs: NotificationPreferences): Promise<void> {
    const { accountId, ...p } = prefs.toProps();
    await this.model.replaceOne({ _id: str(accountId, 'accountId') }, p, { upsert: true });
  }
}

type DeviceDoc = Omit<DeviceToken, 'token'> & { _id: string };
const deviceSchema = new Schema<DeviceDoc>({
  _id: String, accountId: { type: String, required: true }, platform: { type: String, required: true }, appVersion: { type: String, required: true },
  lastSeenAt: { type: Date, required: true }, createdAt: { type: Date, required: true },
}, opts('notification_devices'));

export class MongoDeviceTokenRepository implements DeviceTokenRepository {
  private readonly model: Model<DeviceDoc>;
  constructor(conn: Connection) { this.model = modelOf(conn, 'NotificationDevice', deviceSchema); }

  async upsert(d: DeviceToken): Promise<void> {
    await this.model.updateOne(
      { _id: str(d.token, 'token') },
      { $set: { accountId: str(d.accountId, 'accountId'), platform: d.platform, appVersion: d.appVersion, lastSeenAt: when(d.lastSeenAt, 'lastSeenAt') }, $setOnInsert: { createdAt: when(d.createdAt, 'createdAt') } },
      { upsert: true },
    );
  }

  async listByAccount(accountId: string): Promise<DeviceToken[]> {
    const docs = await this.model.find({ accountId: str(accountId, 'accountId') }).sort({ lastSeenAt: -1, _id: 1 }).lean<DeviceDoc[]>();
    return docs.map(({ _id, ...d }) => ({ token: _id, accountId: d.accountId, platform: d.platform, appVersion: d.appVersion, lastSeenAt: new Date(d.lastSeenAt), createdAt: new Date(d.createdAt) }));
  }

  async remove(token: string, accountId?: string): Promise<boolean> {
    const r = await this.model.deleteOne({ _id: str(token, 'token'), ...(accountId === undefined ? {} : { accountId: str(accountId, 'accountId') }) });
    return r.deletedCount === 1;
  }

  async activeSince(accountIds: readonly string[], since: Date): Promise<Set<string>> {
    if (accountIds.length === 0) return new Set();
    const ids = await this.model.distinct('accountId', { accountId: { $in: accountIds.map((a) => str(a, 'accountId')) }, lastSeenAt: { $gte: when(since, 'since') } });
    return new Set(ids as string[]);
  }
}

type InboxDoc = Omit<InboxMessage, 'id'> & { _id: string };
const inboxSchema = new Schema<InboxDoc>({
  _id: String, accountId: { type: String, required: true }, eventType: { type: String, required: true }, category: { type: String, required: true },
  title: { type: String, required: true }, body: { type: String, required: true }, data: { type: Schema.Types.Mixed, default: {} },
  createdAt: { type: Date, required: true }, readAt: { type: Date, default: null },
}, opts('notification_inbox'));

export class MongoInboxRepository implements InboxRepository {
  private readonly model: Model<InboxDoc>;
  constructor(conn: Connection) { this.model = modelOf(conn, 'NotificationInbox', inboxSchema); }

  async add(m: InboxMessage): Promise<void> {
    const { id, ...rest } = m;
    await this.model.create({ _id: str(id, 'id'), ...rest });
  }

  async list(accountId: string, o: { limit: number; unreadOnly?: boolean; before?: string | undefined }): Promise<InboxMessage[]> {
    const filter: Record<string, unknown> = { accountId: str(accountId, 'accountId') };
    if (o.unreadOnly) filter.readAt = null;
    if (o.before !== undefined) {
      const pivot = await this.model.findOne({ _id: str(o.before, 'before'), accountId }).lean<InboxDoc>();
      if (!pivot) return [];
      filter.$or = [{ createdAt: { $lt: pivot.createdAt } }, { createdAt: pivot.createdAt, _id: { $lt: pivot._id } }];
    }
    const docs = await this.model.find(filter).sort({ createdAt: -1, _id: -1 }).limit(o.limit).lean<InboxDoc[]>();
    return docs.map(({ _id, ...d }) => ({ id: _id, ...d, data: d.data ?? {}, createdAt: new Date(d.createdAt), readAt: d.readAt ? new Date(d.readAt) : null }));
  }

  async unreadCount(accountId: string): Promise<number> {
    return this.model.countDocuments({ accountId: str(accountId, 'accountId'), readAt: null });
  }

  async markRead(accountId: string, at: Date, ids?: readonly string[]): Promise<number> {
    const filter: Record<string, unknown> = { accountId: str(accountId, 'accountId'), readAt: null };
    if (ids) filter._id = { $in: ids.map((i) => str(i, 'id')) };
    const r = await this.model.updateMany(filter, { $set: { readAt: when(at, 'at') } });
    return r.modifiedCount;
  }
}

type DeliveryDoc = Omit<DeliveryRecord, 'key'> & { _id: string };
const deliverySchema = new Schema<DeliveryDoc>({
  _id: String, sourceId: { type: String, required: true }, accountId: { type: String, required: true }, channel: { type: String, required: true },
  eventType: { type: String, required: true }, bulkId: { type: String, default: null }, status: { type: String, required: true },
  reason: { type: String, default: null }, attempts: { type: Number, required: true }, createdAt: { type: Date, required: true }, updatedAt: { type: Date, required: true },
}, opts('notification_deliveries'));

export class MongoDeliveryLog implements DeliveryLog {
  private readonly model: Model<DeliveryDoc>;
  constructor(conn: Connection) { this.model = modelOf(conn, 'NotificationDelivery', deliverySchema); }

  async claim(rec: Omit<DeliveryRecord, 'status' | 'reason' | 'attempts' | 'updatedAt'>, at: Date): Promise<boolean> {
    const { key, ...rest } = rec;
    try {
      await this.model.create({ _id: str(key, 'key'), ...rest, status: 'claimed', reason: null, attempts: 1, updatedAt: at });
      return true;
    } catch (err) {
      if (!isDuplicate(err)) throw err;
    }
    const r = await this.model.updateOne({ _id: key, status: 'retrying' }, { $set: { status: 'claimed', updatedAt: at }, $inc: { attempts: 1 } });
    return r.modifiedCount === 1;
  }

  async settle(key: string, status: Exclude<DeliveryStatus, 'claimed'>, reason: string | null, at: Date): Promise<void> {
    await this.model.updateOne({ _id: str(key, 'key'), status: 'claimed' }, { $set: { status, reason, updatedAt: at } });
  }

  async skip(rec: Omit<DeliveryRecord, 'status' | 'attempts' | 'updatedAt'>, at: Date): Promise<void> {
    const { key, ...rest } = rec;
    await this.model.updateOne({ _id: str(key, 'key') }, { $setOnInsert: { ...rest, status: 'skipped', attempts: 0, updatedAt: at } }, { upsert: true });
  }

  async find(key: string): Promise<DeliveryRecord | null> {
    const d = await this.model.findById(str(key, 'key')).lean<DeliveryDoc>();
    if (!d) return null;
    const { _id, ...rest } = d;
    return { key: _id, ...rest, bulkId: rest.bulkId ?? null, reason: rest.reason ?? null, createdAt: new Date(rest.createdAt), updatedAt: new Date(rest.updatedAt) };
  }

  async report(bulkId: string): Promise<BulkReport> {
    const rows = await this.model.aggregate<{ _id: { channel: Channel; status: DeliveryStatus }; n: number }>([
      { $match: { bulkId: str(bulkId, 'bulkId') } },
      { $group: { _id: { channel: '$channel', status: '$status' }, n: { $sum: 1 } } },
    ]);
    return toBulkReport(rows.map((r) => ({ channel: r._id.channel, status: r._id.status, n: r.n })));
  }
}

type BulkDoc = Omit<BulkSend, 'id'> & { _id: string };
const bulkSchema = new Schema<BulkDoc>({
  _id: String, createdBy: { type: String, required: true }, segment: { type: Schema.Types.Mixed, required: true }, channels: { type: [String], required: true },
  category: { type: String, required: true }, content: { type: Schema.Types.Mixed, required: true }, status: { type: String, required: true },
  recipients: { type: Number, required: true }, createdAt: { type: Date, required: true }, finishedAt: { type: Date, default: null },
}, opts('notification_bulk_sends'));

export class MongoBulkSendRepository implements BulkSendRepository {
  private readonly model: Model<BulkDoc>;
  constructor(conn: Connection) { this.model = modelOf(conn, 'NotificationBulkSend', bulkSchema); }

  async create(b: BulkSend): Promise<void> {
    const { id, segment, ...rest } = b;
    await this.model.create({ _id: str(id, 'id'), ...rest, segment: { role: segment.role, ...(segment.lastActiveSince ? { lastActiveSince: segment.lastActiveSince } : {}), ...(segment.area ? { area: segment.area } : {}) } });
  }

  async find(id: string): Promise<BulkSend | null> {
    const d = await this.model.findById(str(id, 'id')).lean<BulkDoc>();
    if (!d) return null;
    const { _id, segment, ...rest } = d;
    return {
      id: _id, ...rest, channels: [...rest.channels],
      segment: { role: segment.role, ...(segment.lastActiveSince ? { lastActiveSince: new Date(segment.lastActiveSince) } : {}), ...(segment.area ? { area: segment.area } : {}) },
      createdAt: new Date(rest.createdAt), finishedAt: rest.finishedAt ? new Date(rest.finishedAt) : null,
    };
  }

  async update(id: string, patch: { status?: BulkStatus; recipients?: number; finishedAt?: Date | null }): Promise<void> {
    const set: Record<string, unknown> = {};
    if (patch.status !== undefined) set.status = patch.status;
    if (patch.recipients !== undefined) set.recipients = patch.recipients;
    if (patch.finishedAt !== undefined) set.finishedAt = patch.finishedAt;
    await this.model.updateOne({ _id: str(id, 'id') }, { $set: set });
  }
}
