import path from 'node:path';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server as IoServer } from 'socket.io';
import type { Config } from './config.js';
import { startSupervisedRedis, type SupervisedRedis } from './embedded-redis.js';
import { createRedisClient, connectRedis, parseClusterNodes, type RedisClient, type RedisTarget } from './redis.js';
import type { Logger } from './logger.js';
import type { OutboxStore } from '../domain/shared/events.js';
import { StartupError } from './startup-error.js';

/** What every role's composition gives back, whatever it composed. */
export interface ProcessParts {
  /** The container, for the start-up audit entry (and tests). */
  container: { cradle: { outbox: Pick<OutboxStore, 'add'> } };
  server: http.Server;
  io?: IoServer;
  /** Resolves when the role's background parts are ready (the hub's subscriptions). */
  ready: Promise<void>;
  /** Stop in order: stop accepting, drain, close sockets, queues, container. */
  stop(timeoutMs: number): Promise<void>;
}

/** What a composition receives: the configuration, and Redis and the store already open. */
export interface ProcessInfrastructure<S> {
  config: Config;
  logger: Logger;
  redisTarget: RedisTarget;
  /** A connected command client; the composition owns it from here on. */
  redis: RedisClient;
  store: S;
}

export interface RunningProcess<C extends ProcessParts, R extends string = string> {
  role: R;
  url: string;
  port: number;
  composed: C;
  logger: Logger;
  embeddedRedis?: SupervisedRedis;
  /**
   * Settles only if the process can no longer work: the embedded redis-server
   * died and could not be restarted. The entry point then exits non-zero.
   */
  fatal: Promise<Error>;
  stop(): Promise<void>;
}

export interface StoreOpener<S> {
  open(config: Config): Promise<S>;
  close(store: S): Promise<void>;
  describe(config: Config): string;
}

/**
 * Boots one process: Redis (REDIS_CLUSTER_NODES, REDIS_URL, or a private
 * redis-server under DATA_DIR), the store, then the role's composition,
 * listening on PORT (0 picks a free port). Each failure is a StartupError that
 * names the dependency.
 */
export async function bootProcess<S, C extends ProcessParts, R extends string>(config: Config, role: R, logger: Logger, stores: StoreOpener<S>, compose: (infra: ProcessInfrastructure<S>) => C): Promise<RunningProcess<C, R>> {
  let embeddedRedis: SupervisedRedis | undefined;
  let store: S | undefined;
  let fail: (err: Error) => void = () => undefined;
  const fatal = new Promise<Error>((resolve) => (fail = resolve));
  const redisTarget = await (async (): Promise<RedisTarget> => {
    if (config.REDIS_CLUSTER_NODES) return { nodes: parseClusterNodes(config.REDIS_CLUSTER_NODES) };
    if (config.REDIS_URL) return { url: config.REDIS_URL };
    try {
      embeddedRedis = await startSupervisedRedis({ dataDir: path.join(config.dataDir, 'redis'), logger, attempts: config.EMBEDDED_REDIS_RESTART_ATTEMPTS, restartDelayMs: config.EMBEDDED_REDIS_RESTART_DELAY_MS, onGiveUp: (err) => fail(err) });
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
    if (store !== undefined) await stores.close(store).catch(() => undefined);
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
    store = await stores.open(config);
  } catch (err) {
    redis.disconnect();
    await cleanup();
    throw new StartupError(`cannot open the database, ${stores.describe(config)}: ${(err as Error).message}`, err);
  }

  const composed = compose({ config, logger, redisTarget, redis, store });
  await composed.ready.catch(async (err: Error) => {
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

export const describeStore = (config: Config) => (config.MONGODB_URI ? 'MongoDB (MONGODB_URI)' : config.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `PGlite under ${config.dataDir}`);
