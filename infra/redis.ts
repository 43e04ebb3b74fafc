import { Redis, type RedisOptions } from 'ioredis';
import { TaskCancelledError, TimeoutStrategy, timeout } from 'cockatiel';
import { serviceUnavailable } from '../domain/shared/errors.js';

/**
 * Connection flavours, after BullMQ's production guidance:
 * - `command`: app commands fail fast while Redis is down (no offline queue) and reconnect forever;
 * - `producer`: same, for BullMQ Queue (adding a job fails fast instead of hanging);
 * - `worker`: BullMQ Worker needs maxRetriesPerRequest null (blocking commands wait for reconnect);
 * - `subscriber`: pub/sub subscriptions (Socket.IO adapter, event buses);
 * - `publisher`: the Socket.IO adapter's publishing client: fails fast while Redis is down (the adapter
 *   still delivers to this process's sockets and drops the cross-process copy instead of queueing it).
 *   No auto-pipelining: server/publish-batcher.ts already sends a loop turn's publishes as one call, and
 *   auto-pipelining would hold that call back for one more turn.
 */
export type RedisFlavour = 'command' | 'producer' | 'worker' | 'subscriber' | 'publisher';

const retryStrategy = (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 2_000);

export function redisOptions(flavour: RedisFlavour): RedisOptions {
  const base: RedisOptions = { connectTimeout: 5_000, retryStrategy, lazyConnect: true };
  switch (flavour) {
    case 'command':
    case 'producer':
      return { ...base, enableOfflineQueue: false, maxRetriesPerRequest: 1 };
    case 'worker':
      return { ...base, maxRetriesPerRequest: null, enableOfflineQueue: true };
    case 'subscriber':
      return { ...base, maxRetriesPerRequest: null, enableOfflineQueue: true };
    case 'publisher':
      return { ...base, enableOfflineQueue: false, maxRetriesPerRequest: 1 };
  }
}

export function createRedis(url: string, flavour: RedisFlavour, name: string = flavour): Redis {
  const client = new Redis(url, { ...redisOptions(flavour), connectionName: `daraa:${name}` });
  // Errors surface through commands and /ready; an unhandled 'error' event must not crash the process.
  client.on('error', () => undefined);
  return client;
}

/** Connects, or throws SERVICE_UNAVAILABLE with the address after `timeoutMs`. */
export async function connectRedis(client: Redis, timeoutMs = 5_000): Promise<Redis> {
  if (client.status === 'ready') return client;
  try {
    await timeout(timeoutMs, TimeoutStrategy.Aggressive).execute(() => client.connect());
    return client;
  } catch (err) {
    client.disconnect();
    const { host, port } = client.options;
    const why = err instanceof TaskCancelledError ? 'timeout' : (err as Error).message;
    throw serviceUnavailable(`Redis at ${host}:${port} is not reachable (${why})`, err);
  }
}

/** Resolves when Redis answers PING within `timeoutMs`; a TaskCancelledError otherwise. */
export async function pingRedis(client: Redis, timeoutMs = 1_000): Promise<void> {
  await timeout(timeoutMs, TimeoutStrategy.Aggressive).execute(() => client.ping());
}
