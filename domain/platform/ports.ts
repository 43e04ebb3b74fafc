import type { Page, PageRequest } from '../shared/pagination.js';
import type { ClaimResult, IdempotencyRecord, StoredResponse } from './idempotency.js';
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

/**
 * Idempotency keys (domain/platform/idempotency.ts). Implementations:
 * SqlIdempotencyRepository and MongoIdempotencyRepository, both judged by
 * test/contract/idempotency-repository. Calls never join a UnitOfWork
 * transaction on purpose: a claim must survive the rollback of the work it guards.
 */
export interface IdempotencyRepository {
  /**
   * Claims (scope, key) for `record` (state in_flight): inserts it when the key is
   * new, or takes over an in-flight record whose lock expired before `now` when the
   * fingerprint is the same. Otherwise answers the record found, untouched.
   * Atomic: of concurrent claims of one key exactly one answers claimed.
   */
  claim(record: Omit<IdempotencyRecord, 'state' | 'response'>, now: Date): Promise<ClaimResult>;
  /** Stores the answer and marks the record completed, only while `claimToken` still holds it in flight. */
  complete(scope: string, key: string, claimToken: string, response: StoredResponse): Promise<boolean>;
  /** Deletes an in-flight record still held by `claimToken` (the work failed: a retry may run it again). */
  release(scope: string, key: string, claimToken: string): Promise<boolean>;
  find(scope: string, key: string): Promise<IdempotencyRecord | null>;
  /** Housekeeping: deletes records created before `before`; answers how many. */
  purgeBefore(before: Date): Promise<number>;
}
