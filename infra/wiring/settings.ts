import { asClass, asFunction, type AwilixContainer } from 'awilix';
import type { Logger } from 'pino';
import type { RouteSpec } from '../../api/route-kit.js';
import { settingsRoutes, type SettingsRouteDeps } from '../../api/routes/settings.js';
import type { SettingsChangeNotifier, SettingsRepository } from '../../domain/platform/ports.js';
import { ChangeSetting } from '../../domain/platform/use-cases/change-setting.js';
import { SettingsQueries } from '../../domain/platform/use-cases/settings-queries.js';
import type { Config } from '../config.js';
import type { Repositories } from '../db/index.js';
import { LiveSettings, RedisSettingsNotifier, settingsChannel, settingsMetrics } from '../live-settings.js';
import type { Metrics } from '../metrics.js';
import { liveCopyDeps } from '../live-copy.js';
import type { RedisClient, RedisTarget } from '../redis.js';

/**
 * Marketplace settings. `liveSettings` is what other contexts read
 * (`liveSettings.get('delivery.feeBands')`): every role starts it, so every
 * process follows changes without a restart.
 */
export interface SettingsCradle extends SettingsRouteDeps {
  settings: SettingsRepository;
  liveSettings: LiveSettings;
  settingsNotifier: SettingsChangeNotifier;
}

interface Needs {
  repositories: Repositories;
  config: Config;
  redis: RedisClient;
  redisTarget: RedisTarget;
  keyPrefix: string;
  logger: Logger;
  metrics: Metrics;
}

export function registerSettings(container: AwilixContainer<SettingsCradle & Needs>): void {
  container.register({
    settings: asFunction(({ repositories }: Needs) => repositories.settings).singleton(),
    liveSettings: asFunction((c: SettingsCradle & Needs) => {
      const live = new LiveSettings({ settings: c.settings, ...liveCopyDeps(c, 'settings', c.config.SETTINGS_REFRESH_MS) });
      settingsMetrics(live, c.metrics.registry);
      return live;
    })
      .singleton()
      .disposer((l) => l.stop()),
    settingsNotifier: asFunction(({ liveSettings, redis, keyPrefix, logger }: SettingsCradle & Needs) => new RedisSettingsNotifier({ live: liveSettings, redis, channel: settingsChannel(keyPrefix), logger })).singleton(),
    changeSetting: asClass(ChangeSetting).singleton(),
    settingsQueries: asClass(SettingsQueries).singleton(),
  });
}

export const settingsRoutesOf = (c: SettingsCradle): RouteSpec[] => settingsRoutes(c);

/** Every role: load the settings and follow changes. Resolves once loaded and subscribed. */
export const startSettings = (c: SettingsCradle): Promise<void> => c.liveSettings.start();
