import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { TaskCancelledError, TimeoutStrategy, timeout } from 'cockatiel';
import { serviceUnavailable } from '../domain/shared/errors.js';

/**
 * Connection purposes, after BullMQ's production guidance:
 * - `command`: app commands fail fast while Redis is down (no offline queue) and reconnect forever;
 * - `producer`: same, for BullMQ Queue (adding a job fails fast instead of hanging);
 * - `worker`: BullMQ Worker needs maxRetriesPerRequest null (blocking commands wait for reconnect);
 * - `subscriber`: pub/sub subscriptions (event buses, outbox nudges);
 * - `sharded-subscriber`: SSUBSCRIBE (the Socket.IO adapter, the position channel). On a Cluster
 *   a sharded channel lives on the node owning its slot, so ioredis keeps one subscriber per node;
 * - `publisher`: the Socket.IO adapter's publishing client: fails fast while Redis is down (the adapter
 *   still delivers to this process's sockets and drops the cross-process copy instead of queueing it).
 *   No auto-pipelining: server/publish-batcher.ts already sends a loop turn's publishes as one call, and
 *   auto-pipelining would hold that call back for one more turn.
 */
export type RedisPurpose = 'command' | 'producer' | 'worker' | 'subscriber' | 'sharded-subscriber' | 'publisher';

/** Where this deployment's Redis is: one server (REDIS_URL) or the seed nodes of a Redis Cluster (REDIS_CLUSTER_NODES). */
export type RedisTarget = { url: string } | { nodes: { host: string; port: number }[] };

/** Every part that only sends commands takes either; ioredis gives both the same command API. */
export type RedisClient = Redis | Cluster;

export const isCluster = (c: RedisClient): c is Cluster => (c as { isCluster?: boolean }).isCluster === true;

/** `host:port,host:port` (REDIS_CLUSTER_NODES) as cluster seed nodes. */
export function parseClusterNodes(list: readonly string[]): { host: string; port: number }[] {
  return list.map((entry) => {
    const m = /^(.+):(\d{1,5})$/.exec(entry.trim());
    if (!m) throw new Error(`"${entry}" is not host:port`);
    return { host: m[1]!, port: Number(m[2]) };
  });
}

export const describeTarget = (t: RedisTarget): string => ('url' in t ? t.url.replace(/\/\/[^@]*@/, '//***@') : `cluster ${t.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`);

const retryStrategy = (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 2_000);

export function redisOptions(purpose: RedisPurpose): RedisOptions {
  const base: RedisOptions = { connectTimeout: 5_000, retryStrategy, lazyConnect: true };
  switch (purpose) {
    case 'command':
    case 'producer':
    case 'publisher':
      return { ...base, enableOfflineQueue: false, maxRetriesPerRequest: 1 };
    case 'worker':
    case 'subscriber':
    case 'sharded-subscriber':
      return { ...base, maxRetriesPerRequest: null, enableOfflineQueue: true };
  }
}

/**
 * Cluster options per purpose. Fail-fast purposes refuse while the cluster is
 * not ready, and a command meeting CLUSTERDOWN (a master lost, no replica) is
 * retried 3 times 100 ms apart, then fails: a request answers 503 within about
 * half a second instead of waiting out ioredis's default 16 redirections.
 * Node connections reconnect on their own (clusterNodeRetryStrategy), so a
 * restarted master is used again as soon as it answers, without waiting for a
 * MOVED to trigger a slots refresh.
 */
export function clusterOptions(purpose: RedisPurpose, name: string): ClusterOptions {
  const failFast = purpose === 'command' || purpose === 'producer' || purpose === 'publisher';
  const { lazyConnect: _lazy, retryStrategy: _retry, enableOfflineQueue: _offline, ...node } = redisOptions(purpose);
  return {
    lazyConnect: true,
    enableOfflineQueue: !failFast,
    clusterRetryStrategy: retryStrategy,
    clusterNodeRetryStrategy: (times: number) => Math.min(100 * times, 1_000),
    retryDelayOnClusterDown: 100,
    retryDelayOnFailover: 100,
    maxRedirections: failFast ? 3 : 16,
    slotsRefreshTimeout: 2_000,
    slotsRefreshInterval: 5_000,
    shardedSubscribers: purpose === 'sharded-subscriber',
    redisOptions: { ...node, connectionName: `daraa:${name}` },
  };
}

/**
 * The one factory of Redis connections: a standalone client for `{ url }`, an
 * ioredis Cluster for `{ nodes }`, configured for its purpose. Lazy: call
 * `connect()` (or `connectRedis`) when needed. Errors surface through commands
 * and /ready; an unhandled 'error' event must not crash the process.
 */
export function createRedisClient(target: { url: string }, purpose: RedisPurpose, name?: string): Redis;
export function createRedisClient(target: RedisTarget, purpose: RedisPurpose, name?: string): RedisClient;
export function createRedisClient(target: RedisTarget, purpose: RedisPurpose, name: string = purpose): RedisClient {
  const client = 'url' in target ? new Redis(target.url, { ...redisOptions(purpose), connectionName: `daraa:${name}` }) : new Cluster(target.nodes, clusterOptions(purpose, name));
  client.on('error', () => undefined);
  targets.set(client, target);
  return client;
}

const targets = new WeakMap<RedisClient, RedisTarget>();

/** Connects, or throws SERVICE_UNAVAILABLE with the address after `timeoutMs`. */
export async function connectRedis<C extends RedisClient>(client: C, timeoutMs = 5_000): Promise<C> {
  if (client.status === 'ready') return client;
  try {
    await timeout(timeoutMs, TimeoutStrategy.Aggressive).execute(() => client.connect());
    return client;
  } catch (err) {
    client.disconnect();
    const target = targets.get(client);
    const where = isCluster(client) ? `Redis (${target ? describeTarget(target) : 'cluster'})` : `Redis at ${client.options.host}:${client.options.port}`;
    const why = err instanceof TaskCancelledError ? 'timeout' : (err as Error).message;
    throw serviceUnavailable(`${where} is not reachable (${why})`, err);
  }
}

/** Resolves when Redis answers PING within `timeoutMs`; a TaskCancelledError otherwise. On a Cluster every master must answer. */
export async function pingRedis(client: RedisClient, timeoutMs = 1_000): Promise<void> {
  await timeout(timeoutMs, TimeoutStrategy.Aggressive).execute(async () => {
    if (isCluster(client)) {
      if (client.status !== 'ready') throw new Error(`cluster ${client.status}`);
      await Promise.all(client.nodes('master').map((n) => n.ping()));
    } else await client.ping();
  });
}
