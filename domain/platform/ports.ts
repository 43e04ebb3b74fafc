import type { Page, PageRequest } from '../shared/pagination.js';
import type { AuditEntry, AuditFilter, SettingChange, StoredSetting } from './model.js';
import type { SettingKey, SettingValue } from './settings.js';

/**
 * The audit log store. Implementations: MongoAuditLogRepository (mongoose) and
 * SqlAuditLogRepository (PostgreSQL / PGlite). Both pass test/contract/audit-log.
 */
export interface AuditLogRepository {
  /** Appends once: a second append with the same id changes nothing and returns false. */
  append(entry: AuditEntry): Promise<boolean>;
  findById(id: string): Promise<AuditEntry | null>;
  /** Newest first (time, then id, descending). */
  search(filter: AuditFilter, page: PageRequest): Promise<Page<AuditEntry>>;
}

/**
 * Marketplace settings as stored. Implementations: SqlSettingsRepository and
 * MongoSettingsRepository, both judged by test/contract/settings-repository.
 * Calls join the caller's UnitOfWork transaction.
 */
export interface SettingsRepository {
  /** Every stored key (keys never changed are absent). */
  all(): Promise<StoredSetting[]>;
  find(key: string): Promise<StoredSetting | null>;
  /**
   * Writes `change` as the key's current value and appends it to the history,
   * only if the stored version is still `change.version - 1` (0: nothing
   * stored yet). Answers false, writing nothing, when another change won.
   */
  apply(change: SettingChange): Promise<boolean>;
  /** Newest first. */
  history(key: string, limit: number): Promise<SettingChange[]>;
}

/** Every process's in-memory view of the settings, kept fresh by LiveSettings in infra. */
export interface SettingsReader {
  /** The current value of `key` (its default until changed), synchronously. */
  get<K extends SettingKey>(key: K): SettingValue<K>;
}

/** Told after a setting change commits, so every running process reloads within moments instead of at its next poll. */
export interface SettingsChangeNotifier {
  changed(change: { key: string; version: number; value: unknown }): void;
}
