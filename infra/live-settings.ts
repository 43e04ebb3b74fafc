import { Gauge, type Registry } from 'prom-client';
import type { RedisClient } from './redis.js';
import type { Logger } from 'pino';
import type { SettingsChangeNotifier, SettingsReader, SettingsRepository } from '../domain/platform/ports.js';
import { defaultSettings, isSettingKey, SETTING_KEYS, SETTINGS, type SettingKey, type SettingValue, type SettingValues } from '../domain/platform/settings.js';
import { subscribeChannel } from './redis-channels.js';

/** `<prefix>settings:changed`: published after a setting change commits. */
export const settingsChannel = (keyPrefix: string) => `${keyPrefix}settings:changed`;

interface Notice {
  type: 'changed';
  key: string;
  version: number;
}

const parseNotice = (message: string): Notice | null => {
  try {
    const m = JSON.parse(message) as Partial<Notice>;
    return typeof m.key === 'string' && Number.isInteger(m.version) ? { type: 'changed', key: m.key, version: m.version! } : null;
  } catch {
    return null;
  }
};

const deepFreeze = <T>(v: T): T => {
  if (v !== null && typeof v === 'object') {
    for (const inner of Object.values(v)) deepFreeze(inner);
    Object.freeze(v);
  }
  return v;
};

export interface LiveSettingsDeps {
  settings: SettingsRepository;
  /** A connection for pub/sub only; LiveSettings owns it from `start` to `stop`. */
  subscriber: RedisClient;
  channel: string;
  /** The fallback: reload at least this often, so a lost notice costs at most this long. */
  refreshMs: number;
  logger: Logger;
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
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  /** When the last reload finished (ms since epoch); 0 before the first. */
  loadedAt = 0;

  constructor(private readonly deps: LiveSettingsDeps) {}

  get<K extends SettingKey>(key: K): SettingValue<K> {
    return this.values[key];
  }

  version(key: SettingKey): number {
    return this.versions.get(key) ?? 0;
  }

  /** Loads once, then follows changes. Resolves when the copy is loaded and the subscription confirmed. */
  async start(): Promise<void> {
    await this.refresh();
    await subscribeChannel(this.deps.subscriber, this.deps.channel, parseNotice, (n) => this.onNotice(n), this.deps.logger);
    this.timer = setInterval(() => void this.refresh().catch((err: unknown) => this.deps.logger.warn({ err }, 'settings poll failed; kept the last values')), this.deps.refreshMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    // The connection is ours alone: closing it is the unsubscribe, and it does not wait for a Redis that is away.
    this.deps.subscriber.disconnect();
    await this.running?.catch(() => undefined);
  }

  /**
   * Reloads every key. Calls while a reload runs share one more reload after
   * it, so a notice arriving mid-read is never answered by the older read.
   */
  refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.load();
        } while (this.again);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  /** The writing process applies its own change at once (read-your-writes), before the notice comes back. */
  apply(key: string, version: number, value: unknown): void {
    if (!isSettingKey(key) || version <= this.version(key)) return;
    const parsed = SETTINGS[key].schema.safeParse(value);
    if (!parsed.success) return;
    this.values = { ...this.values, [key]: deepFreeze(parsed.data) };
    this.versions.set(key, version);
  }

  private onNotice(n: Notice): void {
    if (isSettingKey(n.key) && n.version <= this.version(n.key)) return;
    void this.refresh().catch((err: unknown) => this.deps.logger.warn({ err, key: n.key }, 'settings reload after a change notice failed; the poll retries'));
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
    this.loadedAt = Date.now();
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
    this.deps.redis.publish(this.deps.channel, JSON.stringify({ key: change.key, version: change.version })).catch((err: unknown) => {
      this.deps.logger.warn({ err, key: change.key }, 'could not publish the settings change notice; other processes pick it up at their next poll');
    });
  }
}
