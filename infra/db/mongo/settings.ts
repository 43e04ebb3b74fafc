import { Schema, type Connection, type Model } from 'mongoose';
import type { SettingChange, StoredSetting } from '../../../domain/platform/model.js';
import type { SettingsRepository } from '../../../domain/platform/ports.js';
import { str } from './guard.js';

interface SettingDoc {
  _id: string;
  value: unknown;
  version: number;
  updatedAt: Date;
  updatedBy: string | null;
}
interface HistoryDoc {
  /** `<key>:<version>`: a version is written once. */
  _id: string;
  key: string;
  version: number;
  value: unknown;
  previousValue: unknown;
  at: Date;
  by: string | null;
  reason: string | null;
}

const settingSchema = new Schema<SettingDoc>(
  {
    _id: { type: String, required: true },
    value: { type: Schema.Types.Mixed, required: true },
    version: { type: Number, required: true },
    updatedAt: { type: Date, required: true },
    updatedBy: { type: String, default: null },
  },
  { collection: 'settings', versionKey: false, minimize: false },
);
const historySchema = new Schema<HistoryDoc>(
  {
    _id: { type: String, required: true },
    key: { type: String, required: true },
    version: { type: Number, required: true },
    value: { type: Schema.Types.Mixed, required: true },
    previousValue: { type: Schema.Types.Mixed, required: true },
    at: { type: Date, required: true },
    by: { type: String, default: null },
    reason: { type: String, default: null },
  },
  { collection: 'settings_history', versionKey: false, minimize: false },
);

const settingModel = (conn: Connection): Model<SettingDoc> => (conn.models.Setting as Model<SettingDoc> | undefined) ?? conn.model<SettingDoc>('Setting', settingSchema);
const historyModel = (conn: Connection): Model<HistoryDoc> => (conn.models.SettingHistory as Model<HistoryDoc> | undefined) ?? conn.model<HistoryDoc>('SettingHistory', historySchema);

// Stored in JSON form, as SQL's jsonb holds it, so both stores read back the same value.
const json = (v: unknown): unknown => JSON.parse(JSON.stringify(v));
const isDuplicate = (err: unknown) => (err as { code?: number }).code === 11000;

const toStored = (d: SettingDoc): StoredSetting => ({ key: d._id, value: d.value, version: d.version, updatedAt: new Date(d.updatedAt), updatedBy: d.updatedBy ?? null });
const toChange = (d: HistoryDoc): SettingChange => ({
  key: d.key,
  value: d.value,
  previousValue: d.previousValue,
  version: d.version,
  updatedAt: new Date(d.at),
  updatedBy: d.by ?? null,
  reason: d.reason ?? null,
});

export class MongoSettingsRepository implements SettingsRepository {
  private readonly settings: Model<SettingDoc>;
  private readonly history_: Model<HistoryDoc>;
  constructor(conn: Connection) {
    this.settings = settingModel(conn);
    this.history_ = historyModel(conn);
  }

  async all(): Promise<StoredSetting[]> {
    const docs = await this.settings.find({}).sort({ _id: 1 }).lean<SettingDoc[]>().exec();
    return docs.map(toStored);
  }

  async find(key: string): Promise<StoredSetting | null> {
    const d = await this.settings.findById(str(key, 'key')).lean<SettingDoc>().exec();
    return d ? toStored(d) : null;
  }

  /** Called inside the caller's transaction, so the value and its history line commit together. */
  async apply(c: SettingChange): Promise<boolean> {
    const fields = { value: json(c.value), version: c.version, updatedAt: c.updatedAt, updatedBy: c.updatedBy };
    if (c.version === 1) {
      const inserted = await this.settings.create([{ _id: c.key, ...fields }]).then(() => true, (err: unknown) => {
        if (isDuplicate(err)) return false;
        throw err;
      });
      if (!inserted) return false;
    } else {
      const r = await this.settings.updateOne({ _id: str(c.key, 'key'), version: c.version - 1 }, { $set: fields }).exec();
      if (r.matchedCount !== 1) return false;
    }
    await this.history_.create([{ _id: `${c.key}:${c.version}`, key: c.key, version: c.version, value: json(c.value), previousValue: json(c.previousValue), at: c.updatedAt, by: c.updatedBy, reason: c.reason }]);
    return true;
  }

  async history(key: string, limit: number): Promise<SettingChange[]> {
    const docs = await this.history_.find({ key: str(key, 'key') }).sort({ version: -1 }).limit(limit).lean<HistoryDoc[]>().exec();
    return docs.map(toChange);
  }
}
