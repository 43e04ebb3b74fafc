import { hasPermission, type Principal } from '../../shared/principal.js';
import { AppError } from '../../shared/errors.js';
import type { SettingChangeView, SettingView, StoredSetting } from '../model.js';
import type { SettingsReader, SettingsRepository } from '../ports.js';
import { PUBLIC_SETTING_KEYS, SETTING_KEYS, SETTINGS, settingDefinition, type SettingKey } from '../settings.js';

export const SETTINGS_READ = 'settings:read';
const HISTORY_LIMIT = 50;

export function settingView(key: SettingKey, stored: StoredSetting | null): SettingView {
  const def = SETTINGS[key];
  return {
    key,
    value: stored ? stored.value : def.default,
    version: stored?.version ?? 0,
    default: def.default,
    public: def.public,
    description: def.description,
    updatedAt: stored ? stored.updatedAt.toISOString() : null,
    updatedBy: stored?.updatedBy ?? null,
  };
}

/**
 * Read side of the settings. Admin reads go to the store (they show the exact
 * version to change against); the public read is served from the process's
 * live view, which never touches the database per request.
 */
export class SettingsQueries {
  constructor(private readonly deps: { settings: SettingsRepository; liveSettings: SettingsReader }) {}

  /** The keys a client may read without signing in, key → value. */
  publicValues(): Record<string, unknown> {
    return Object.fromEntries(PUBLIC_SETTING_KEYS.map((k) => [k, this.deps.liveSettings.get(k)]));
  }

  async list(admin: Principal): Promise<SettingView[]> {
    assertMayReadSettings(admin);
    const stored = new Map((await this.deps.settings.all()).map((s) => [s.key, s]));
    return SETTING_KEYS.map((k) => settingView(k, stored.get(k) ?? null));
  }

  async get(admin: Principal, key: string): Promise<SettingView & { history: SettingChangeView[] }> {
    assertMayReadSettings(admin);
    const def = settingDefinition(key);
    const [stored, history] = await Promise.all([this.deps.settings.find(def.key), this.deps.settings.history(def.key, HISTORY_LIMIT)]);
    return {
      ...settingView(def.key, stored),
      history: history.map((h) => ({ version: h.version, value: h.value, previousValue: h.previousValue, at: h.updatedAt.toISOString(), by: h.updatedBy, reason: h.reason })),
    };
  }
}

function assertMayReadSettings(admin: Principal): void {
  if (!hasPermission(admin, SETTINGS_READ)) throw new AppError('FORBIDDEN', `Missing permission ${SETTINGS_READ}`);
}
