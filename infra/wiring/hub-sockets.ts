import type http from 'node:http';
import type { Server as IoServer } from 'socket.io';
import { createHub } from '../../server/hub.js';
import { originPolicy } from '../origins.js';
import { connectRedis, createRedisClient, type RedisClient } from '../redis.js';
import { startRealtime, type HubParts } from './realtime.js';

export interface HubSockets {
  io: IoServer;
  /** Resolves when the hub can publish and its subscriptions (events, positions) are confirmed. */
  ready: Promise<void>;
  /** Namespaces and subscriptions first, then Socket.IO, then the hub's own Redis connections. */
  close(): Promise<void>;
}

/**
 * The Socket.IO hub on a process's HTTP server, for the hub and all-in-one
 * roles: the sharded adapter's publisher and subscriber, the position
 * channel's subscriber (publishing shares the adapter's fail-fast client),
 * and the namespaces. On a Redis Cluster both subscribers keep one connection
 * per node (sharded channels live on their slot's node).
 */
export function attachHubSockets(server: http.Server, c: HubParts): HubSockets {
  const pubClient = createRedisClient(c.redisTarget, 'publisher', 'io-pub');
  const subClient = createRedisClient(c.redisTarget, 'sharded-subscriber', 'io-sub');
  const positionSubscriber = createRedisClient(c.redisTarget, 'sharded-subscriber', 'hub-positions');
  const clients: RedisClient[] = [pubClient, subClient, positionSubscriber];
  void positionSubscriber.connect().catch(() => undefined);
  // Publishing fails fast while disconnected, so the hub is ready only once it can publish.
  const pubReady = connectRedis(pubClient);
  pubReady.catch(() => undefined);
  void subClient.connect().catch(() => undefined);
  const io = createHub({ httpServer: server, pubClient, subClient, originAllowed: originPolicy(c.config), logger: c.logger, maxFrameBytes: c.config.SOCKET_MAX_FRAME_KB * 1024 });
  const realtime = startRealtime(io, c, { publisher: pubClient, subscriber: positionSubscriber });
  // Never an unhandled rejection: the process start awaits `ready` and reports the failure.
  realtime.catch(() => undefined);
  return {
    io,
    ready: Promise.all([realtime, pubReady]).then(() => undefined),
    async close() {
      await realtime.then((r) => r.close(), () => undefined);
      await new Promise<void>((resolve) => io.close(() => resolve()));
      for (const client of clients) client.disconnect();
    },
  };
}
