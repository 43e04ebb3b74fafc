import type { Config } from './config.js';
import { openStore, closeStore, type Store } from './db/index.js';
import { createLogger } from './logger.js';
import { composeFor, type Composed, type ContainerRole } from './container.js';
import { bootProcess, describeStore, type RunningProcess } from './boot.js';

export { StartupError } from './startup-error.js';

export type RunningSystem = RunningProcess<Composed, ContainerRole>;

/**
 * Boots an api, worker or all-in-one process (the hub-only role boots through
 * hub-system.ts): Redis, the store (MONGODB_URI, DATABASE_URL, or PGlite under
 * DATA_DIR, migrated), then the role's composition.
 */
export async function startSystem(config: Config, role: ContainerRole = config.ROLE as ContainerRole, logger = createLogger(config.LOG_LEVEL)): Promise<RunningSystem> {
  if ((role as string) === 'hub') throw new Error('ROLE=hub boots through startHubSystem (infra/hub-system.ts)');
  return bootProcess<Store, Composed, ContainerRole>(config, role, logger, { open: openStore, close: closeStore, describe: describeStore }, composeFor(role));
}
