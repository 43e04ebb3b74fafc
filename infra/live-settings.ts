import { Gauge, type Registry } from 'prom-client';
import type { RedisClient } from './redis.js';
import type { Logger } from 'pino';
import type { SettingsChangeNotifier, SettingsReader, SettingsRepository } from '../domain/platform/ports.js';
import { defaultSettings, isSettingKey, SETTING_KEYS, SETTINGS, type SettingKey, type SettingValue, type SettingValues } from '../domain/platform/settings.js';
import { changeChannel, LiveCopyRefresher, publishChange, type LiveCopyDeps } from './live-copy.js';

/** `<prefix>settings:changed`: published after a setting change commits. */
export const settingsChannel = (keyPrefix: string) => changeChannel(keyPrefix, 'settings');

const deepFreeze = <T>(v: T): T => {
  if (v !== null && typeof v === 'object') {
    for (const inner of Object.values(v)) deepFreeze(inner);
    Object.freeze(v);
  }
  return v;
};

export interface LiveSettingsDeps extends LiveCopyDeps {
  settings: SettingsRepository;
}

/**
 * Every process's copy of the marketplace settings. `get` is synchronous and
 * never touches the database: the copy is reloaded when a change notice
 * arrives on Redis pub/sub (within milliseconds of the commit) and by a poll
 * every `refreshMs`, which covers a notice lost while Redis was away.
 * A stored value the key's schema no longer accepts is logged and the last
 * good value kept, so a bad row never takes a process down.
 */
export class LiveSettings implements SettingsReader {
  private values: SettingValues = deepFreeze(defaultSettings());
  private readonly versions = new Map<SettingKey, number>();
  private readonly refresher: LiveCopyRefresher;

  constructor(private readonly deps: LiveSettingsDeps) {
    this.refresher = new LiveCopyRefresher(deps, {
      idField: 'key',
      what: 'settings',
      load: () => this.load(),
      holds: (n) => isSettingKey(n.id) && n.version <= this.version(n.id),
    });
  }

  /** When the last reload finished (ms since epoch); 0 before the first. */
  get loadedAt(): number {
    return this.refresher.loadedAt;
  }

  get<K extends SettingKey>(key: K): SettingValue<K> {
    return this.values[key];
  }

  version(key: SettingKey): number {
    return this.versions.get(key) ?? 0;
  }

  /** Loads once, then follows changes. Resolves when the copy is loaded and the subscription confirmed. */
  start(): Promise<void> {
    return this.refresher.start();
  }

  stop(): Promise<void> {
    return this.refresher.stop();
  }

  /** Reloads every key (see LiveCopyRefresher: concurrent calls share one more reload). */
  refresh(): Promise<void> {
    return this.refresher.refresh();
  }

  /** The writing process applies its own change at once (read-your-writes), before the notice comes back. */
  apply(key: string, version: number, value: unknown): void {
    if (!isSettingKey(key) || version <= this.version(key)) return;
    const parsed = SETTINGS[key].schema.safeParse(value);
    if (!parsed.success) return;
    this.values = { ...this.values, [key]: deepFreeze(parsed.data) };
    this.versions.set(key, version);
  }

  private async load(): Promise<void> {
    const stored = await this.deps.settings.all();
    const next: Record<string, unknown> = { ...this.values };
    for (const s of stored) {
      if (!isSettingKey(s.key) || s.version <= this.version(s.key)) continue;
      const parsed = SETTINGS[s.key].schema.safeParse(s.value);
      if (!parsed.success) {
        this.deps.logger.error({ key: s.key, version: s.version, issues: parsed.error.issues }, 'a stored setting fails its schema; kept the last good value');
        continue;
      }
      next[s.key] = deepFreeze(parsed.data);
      this.versions.set(s.key, s.version);
    }
    this.values = next as SettingValues;
  }
}

/**
 * Per process: the version of each key it serves and the age of its last reload. Scraped
 * from every process, a key whose version differs between processes is one that has not arrived.
 */
export function settingsMetrics(live: LiveSettings, registry: Registry): void {
  new Gauge({
    name: 'settings_version',
    help: 'Version of each marketplace setting this process serves (0: the default)',
    labelNames: ['key'],
    registers: [registry],
    collect() {
      for (const key of SETTING_KEYS) this.set({ key }, live.version(key));
    },
  });
  new Gauge({
    name: 'settings_reload_age_seconds',
    help: 'Seconds since this process last reloaded the marketplace settings',
    registers: [registry],
    collect() {
      this.set(live.loadedAt ? (Date.now() - live.loadedAt) / 1000 : -1);
    },
  });
}

/** After a change commits: apply it here at once, and tell every other process on Redis (fire and forget; their poll covers a loss). */
export class RedisSettingsNotifier implements SettingsChangeNotifier {
  constructor(private readonly deps: { live: LiveSettings; redis: RedisClient; channel: string; logger: Logger }) {}

  changed(change: { key: string; version: number; value: unknown }): void {
    this.deps.live.apply(change.key, change.version, change.value);
    publishChange(this.deps, 'key', change.key, change.version, 'settings');
  }
}
