import type { Config } from './config.js';
import { createLogger } from './logger.js';
import { closeStore, type Store } from './db/store.js';
import { openHubStore } from './db/hub-store.js';
import { composeHubOnly, type HubComposed } from './container-hub.js';
import { bootProcess, describeStore, type RunningProcess } from './boot.js';

export type RunningHub = RunningProcess<HubComposed, 'hub'>;

/**
 * Boots a hub-only process (ROLE=hub, `npm run start:hub`): Redis, the store
 * (for delivery access, arrivals and courier eligibility), then the Socket.IO
 * hub with its probes. Nothing of the REST API, commerce or the queues loads.
 */
export function startHubSystem(config: Config, logger = createLogger(config.LOG_LEVEL)): Promise<RunningHub> {
  return bootProcess<Store, HubComposed, 'hub'>(config, 'hub', logger, { open: openHubStore, close: closeStore, describe: describeStore }, composeHubOnly);
}
