import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Config } from './config.js';
import { startSupervisedRedis, type SupervisedRedis } from './embedded-redis.js';
import { openStore, closeStore, type Store } from './db/index.js';
import { createRedisClient, connectRedis, parseClusterNodes, type RedisTarget } from './redis.js';
import { createLogger, type Logger } from './logger.js';
import { composeFor, type Composed, type ProcessRole } from './container.js';

export interface RunningSystem {
  role: ProcessRole;
  url: string;
  port: number;
  composed: Composed;
  logger: Logger;
  embeddedRedis?: SupervisedRedis;
  /**
   * Settles only if the process can no longer work: the embedded redis-server
   * died and could not be restarted. The entry point then exits non-zero.
   */
  fatal: Promise<Error>;
  stop(): Promise<void>;
}

export class StartupError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'StartupError';
  }
}

/**
 * Boots one process: Redis (REDIS_URL, or a private redis-server under DATA_DIR),
 * the store (MONGODB_URI, DATABASE_URL, or PGlite under DATA_DIR), then the role's
 * composition, listening on PORT (0 picks a free port).
 */
export async function startSystem(config: Config, role: ProcessRole = config.ROLE, logger = createLogger(config.LOG_LEVEL)): Promise<RunningSystem> {
  let embeddedRedis: SupervisedRedis | undefined;
  let store: Store | undefined;
  let fail: (err: Error) => void = () => undefined;
  const fatal = new Promise<Error>((resolve) => (fail = resolve));
  const redisTarget = await (async (): Promise<RedisTarget> => {
    if (config.REDIS_CLUSTER_NODES) return { nodes: parseClusterNodes(config.REDIS_CLUSTER_NODES) };
    if (config.REDIS_URL) return { url: config.REDIS_URL };
    try {
      embeddedRedis = await startSupervisedRedis({ dataDir: path.join(config.dataDir, 'redis'), logger, attempts: config.EMBEDDED_REDIS_RESTART_ATTEMPTS, onGiveUp: (err) => fail(err) });
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      throw new StartupError(
        missing
          ? 'redis-server is not installed: run `sudo apt-get install -y redis-server`, or set REDIS_URL'
          : `could not start the embedded redis-server: ${(err as Error).message}`,
        err,
      );
    }
    logger.info({ port: embeddedRedis.port, dir: path.join(config.dataDir, 'redis') }, 'embedded redis-server started');
    return { url: embeddedRedis.url };
  })();

  const cleanup = async () => {
    if (store) await closeStore(store).catch(() => undefined);
    await embeddedRedis?.stop();
  };

  const redis = createRedisClient(redisTarget, 'command', 'app');
  try {
    await connectRedis(redis);
  } catch (err) {
    await cleanup();
    throw new StartupError(`cannot reach Redis: ${(err as Error).message}`, err);
  }
  try {
    store = await openStore(config);
  } catch (err) {
    redis.disconnect();
    await cleanup();
    const which = config.MONGODB_URI ? 'MongoDB (MONGODB_URI)' : config.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `PGlite under ${config.dataDir}`;
    throw new StartupError(`cannot open the database, ${which}: ${(err as Error).message}`, err);
  }

  const composed = composeFor(role)({ config, logger, redisTarget, redis, store });
  await new Promise<void>((resolve, reject) => {
    composed.ready.then(resolve, reject);
  }).catch(async (err: Error) => {
    await composed.stop(1_000);
    redis.disconnect();
    await cleanup();
    throw new StartupError(`cannot start the hub: ${err.message}`, err);
  });
  await new Promise<void>((resolve, reject) => {
    composed.server.once('error', reject);
    composed.server.listen(config.PORT, config.HOST, () => resolve());
  }).catch(async (err: Error) => {
    await composed.stop(1_000);
    redis.disconnect();
    await cleanup();
    throw new StartupError(`cannot listen on ${config.HOST}:${config.PORT}: ${err.message}`, err);
  });
  const port = (composed.server.address() as AddressInfo).port;
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;

  let stopping: Promise<void> | undefined;
  return {
    role,
    url: `http://${host}:${port}`,
    port,
    composed,
    logger,
    ...(embeddedRedis ? { embeddedRedis } : {}),
    fatal,
    stop() {
      stopping ??= (async () => {
        await composed.stop(config.SHUTDOWN_TIMEOUT_MS);
        redis.disconnect();
        await cleanup();
      })();
      return stopping;
    },
  };
}
