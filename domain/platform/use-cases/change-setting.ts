import { AppError } from '../../shared/errors.js';
import type { Outbox, UnitOfWork } from '../../shared/events.js';
import type { Clock } from '../../shared/ids.js';
import { hasPermission, type Principal } from '../../shared/principal.js';
import type { AuditOrigin, SettingChange, SettingView, StoredSetting } from '../model.js';
import type { SettingsChangeNotifier, SettingsRepository } from '../ports.js';
import { parseSettingValue, sameSettingValue, settingDefinition, type SettingKey } from '../settings.js';
import { settingChangedEvent } from '../setting-events.js';
import type { RecordAuditEntryInput } from './record-audit-entry.js';
import { settingView } from './settings-queries.js';

export const SETTINGS_WRITE = 'settings:write';

export interface ChangeSettingInput {
  value: unknown;
  /** The version the admin read (0 for a key still at its default). */
  expectedVersion: number;
  reason?: string;
}

export interface ChangeSettingDeps {
  settings: SettingsRepository;
  recordAuditEntry: { execute(input: RecordAuditEntryInput): Promise<unknown> };
  outbox: Outbox;
  unitOfWork: UnitOfWork;
  settingsNotifier: SettingsChangeNotifier;
  clock: Clock;
}

/**
 * An admin with `settings:write` changes one setting. The new value, its
 * history line, the audit entry and `platform.setting.changed` commit in one
 * transaction; running processes are told after the commit.
 *
 * Idempotent by value: asking for the value the key already holds changes
 * nothing and answers the current version, whatever `expectedVersion` says,
 * so a retry of a change that did commit gets its answer instead of a conflict.
 */
export class ChangeSetting {
  constructor(private readonly deps: ChangeSettingDeps) {}

  async execute(admin: Principal, key: string, input: ChangeSettingInput, origin: Partial<AuditOrigin> = {}): Promise<SettingView & { changed: boolean }> {
    assertMaySetSettings(admin);
    const def = settingDefinition(key);
    const value = parseSettingValue(def.key, input.value);
    const result = await this.deps.unitOfWork.transaction(async () => {
      const current = await this.deps.settings.find(def.key);
      if (sameSettingValue(current ? current.value : def.default, value)) return { stored: current, change: null };
      assertExpectedVersion(def.key, current, input.expectedVersion);
      const change = this.changeOf(admin, def.key, current, value, input.reason);
      if (!(await this.deps.settings.apply(change))) throw versionConflict(def.key, input.expectedVersion, null);
      await this.recordAudit(admin, change, origin);
      await this.deps.outbox.add([settingChangedEvent(change)]);
      return { stored: change, change };
    });
    if (result.change) this.deps.settingsNotifier.changed(result.change);
    return { ...settingView(def.key, result.stored), changed: result.change !== null };
  }

  private changeOf(admin: Principal, key: SettingKey, current: StoredSetting | null, value: unknown, reason: string | undefined): SettingChange {
    return {
      key,
      value,
      previousValue: current ? current.value : settingDefinition(key).default,
      version: (current?.version ?? 0) + 1,
      updatedAt: this.deps.clock.now(),
      updatedBy: admin.accountId,
      reason: reason ?? null,
    };
  }

  private recordAudit(admin: Principal, change: SettingChange, origin: Partial<AuditOrigin>): Promise<unknown> {
    return this.deps.recordAuditEntry.execute({
      // One entry per version: a transaction retried by the store writes it once.
      id: `setting.changed:${change.key}:${change.version}`,
      actor: { id: admin.accountId, role: admin.role },
      action: 'setting.changed',
      resource: { type: 'setting', id: change.key },
      origin,
      metadata: { version: change.version, value: change.value, previousValue: change.previousValue, reason: change.reason },
    });
  }
}

function assertMaySetSettings(admin: Principal): void {
  if (!hasPermission(admin, SETTINGS_WRITE)) throw new AppError('FORBIDDEN', `Missing permission ${SETTINGS_WRITE}`);
}

function assertExpectedVersion(key: string, current: StoredSetting | null, expected: number): void {
  const actual = current?.version ?? 0;
  if (actual !== expected) throw versionConflict(key, expected, actual);
}

function versionConflict(key: string, expected: number, actual: number | null): AppError {
  return new AppError('SETTING_VERSION_CONFLICT', `Setting ${key} changed meanwhile; read it again and retry with its current version`, {
    details: [{ field: 'expectedVersion', reason: 'stale_version', message: 'is not the current version', expected, ...(actual === null ? {} : { current: actual }) }],
  });
}
