import { loadConfig, ConfigError } from './config.js';
import { createLogger } from './logger.js';
import { StartupError } from './startup-error.js';
import type { RunningProcess, ProcessParts } from './boot.js';
import { auditEntryEvent } from '../domain/platform/events.js';

/**
 * Process entry: `npm start` (all-in-one on embedded defaults) and, built, every
 * pm2 / container role (ROLE=api|hub|worker).
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`[daraa] ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.LOG_LEVEL);
  let system: RunningProcess<ProcessParts>;
  try {
    // Required by role, so a hub process never loads the REST API, commerce or the queues
    // (a dynamic import() would not resolve our .ts sources under tsx's require hook).
    if (config.ROLE === 'hub') {
      const { startHubSystem } = require('./hub-system.js') as typeof import('./hub-system.js');
      system = await startHubSystem(config, logger);
    } else {
      const { startSystem } = require('./system.js') as typeof import('./system.js');
      system = await startSystem(config, config.ROLE, logger);
    }
  } catch (err) {
    const message = err instanceof StartupError ? err.message : (err as Error).message;
    logger.fatal({ err }, message);
    console.error(`[daraa] start failed: ${message}`);
    process.exit(1);
  }

  const startedAt = new Date();
  const started = auditEntryEvent({ id: `system.started:${process.pid}:${startedAt.toISOString()}`, actor: { id: null, role: 'system' }, action: 'system.started', resource: { type: 'process', id: system.role }, metadata: { pid: process.pid, version: process.env.npm_package_version ?? null } }, startedAt);
  await system.composed.container.cradle.outbox.add([started]).catch((err: unknown) => logger.warn({ err }, 'could not record the start-up audit entry'));

  const lines = [`Daraa (${system.role}) is up`];
  if (system.role !== 'hub') lines.push(`  API      ${system.url}/api/v1`, `  Docs     ${system.url}/docs`, `  OpenAPI  ${system.url}/openapi.json`);
  lines.push(`  Health   ${system.url}/health   Ready ${system.url}/ready   Metrics ${system.url}/metrics`);
  if (system.composed.io) lines.push(`  Sockets  ${system.url.replace(/^http/, 'ws')} (Socket.IO, WebSocket transport)`);
  console.log(lines.join('\n'));
  logger.info({ url: system.url, role: system.role }, 'listening');

  let signalled = false;
  const shutdown = (signal: string, exitCode = 0) => {
    if (signalled) return;
    signalled = true;
    logger.info({ signal }, 'shutting down');
    const hard = setTimeout(() => {
      logger.error('shutdown exceeded its bound; exiting');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS + 5_000);
    hard.unref();
    system
      .stop()
      .then(() => {
        logger.info('stopped');
        process.exit(exitCode);
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      });
  };
  // Without its Redis the process cannot work: exit non-zero so pm2 or systemd start it afresh.
  void system.fatal.then((err) => {
    logger.fatal({ err }, err.message);
    console.error(`[daraa] ${err.message}; exiting`);
    shutdown('fatal', 1);
  });
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
}

void main();
