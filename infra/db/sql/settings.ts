import type { SettingChange, StoredSetting } from '../../../domain/platform/model.js';
import type { SettingsRepository } from '../../../domain/platform/ports.js';
import type { SqlExecutor } from './client.js';

interface Row {
  key: string;
  value: unknown;
  version: number;
  updated_at: Date | string;
  updated_by: string | null;
}
interface HistoryRow {
  key: string;
  version: number;
  value: unknown;
  previous_value: unknown;
  at: Date | string;
  by: string | null;
  reason: string | null;
}

const toStored = (r: Row): StoredSetting => ({ key: r.key, value: r.value, version: Number(r.version), updatedAt: new Date(r.updated_at), updatedBy: r.updated_by });
const toChange = (r: HistoryRow): SettingChange => ({
  key: r.key,
  value: r.value,
  previousValue: r.previous_value,
  version: Number(r.version),
  updatedAt: new Date(r.at),
  updatedBy: r.by,
  reason: r.reason,
});

export class SqlSettingsRepository implements SettingsRepository {
  constructor(private readonly db: SqlExecutor) {}

  async all(): Promise<StoredSetting[]> {
    const r = await this.db.query<Row>('select * from settings order by key');
    return r.rows.map(toStored);
  }

  async find(key: string): Promise<StoredSetting | null> {
    const r = await this.db.query<Row>('select * from settings where key = $1', [key]);
    return r.rows[0] ? toStored(r.rows[0]) : null;
  }

  /**
   * One statement: the compare-and-set on `settings` and the history insert that
   * runs only when it wrote, so a lost race writes neither. The first version
   * inserts (a concurrent first insert loses on the primary key); later ones
   * update only from the version before.
   */
  async apply(c: SettingChange): Promise<boolean> {
    const write =
      c.version === 1
        ? `insert into settings (key, value, version, updated_at, updated_by) values ($1, $2::jsonb, $3, $4, $5) on conflict (key) do nothing returning key`
        : `update settings set value = $2::jsonb, version = $3, updated_at = $4, updated_by = $5 where key = $1 and version = $3 - 1 returning key`;
    const r = await this.db.query(
      `with written as (${write})
       insert into settings_history (key, version, value, previous_value, at, by, reason)
       select $1, $3, $2::jsonb, $6::jsonb, $4, $5, $7 from written`,
      [c.key, JSON.stringify(c.value), c.version, c.updatedAt.toISOString(), c.updatedBy, JSON.stringify(c.previousValue), c.reason],
    );
    return r.rowCount === 1;
  }

  async history(key: string, limit: number): Promise<SettingChange[]> {
    const r = await this.db.query<HistoryRow>(`select * from settings_history where key = $1 order by version desc limit $2`, [key, limit]);
    return r.rows.map(toChange);
  }
}
