import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { Server, type Namespace, type Socket } from 'socket.io';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import { batchingPublisher } from './publish-batcher.js';

export interface HubDeps {
  httpServer: HttpServer;
  pubClient: Redis | Cluster;
  /** On a Redis Cluster, built with `shardedSubscribers: true` (a room's channel lives on its slot's node). */
  subClient: Redis | Cluster;
  /** Browser origins allowed to open a socket (CORS_ORIGINS, plus the app's own URL in development). */
  originAllowed(origin: string, req: IncomingMessage): boolean;
  logger: Logger;
  /** Cap on one incoming frame; a larger one disconnects that socket only. */
  maxFrameBytes?: number;
}

/**
 * The Socket.IO hub on the API's HTTP server: WebSocket transport only, and the
 * sharded Redis adapter (SPUBLISH, Redis 7) so any hub process reaches sockets
 * connected to any other. Courier positions, the one high-rate broadcast, take
 * their own path (server/position-channel.ts). Namespaces are added by
 * server/namespaces/*.
 */
export function createHub(deps: HubDeps): Server {
  const io = new Server(deps.httpServer, {
    transports: ['websocket'],
    // Served at /socket.io/socket.io.esm.min.js so a page (or the browser console) of an allowed origin can load the client.
    serveClient: true,
    maxHttpBufferSize: deps.maxFrameBytes ?? 64 * 1024,
    pingInterval: 20_000,
    pingTimeout: 20_000,
    // A turn's publishes leave in one script call (server/publish-batcher.ts) instead of one SPUBLISH each.
    // Not on a Cluster: a script runs on one node, and the rooms' channels hash to every node.
    adapter: skippingOwnEcho(createShardedAdapter(isCluster(deps.pubClient) ? deps.pubClient : batchingPublisher(deps.pubClient), deps.subClient, { subscriptionMode: 'dynamic' })),
  });
  // Browsers always send Origin; a handshake from an origin outside the allowlist is refused at the
  // namespace, not at the HTTP upgrade: a refused upgrade is a bare 400 a browser cannot read, while a
  // namespace refusal reaches the page's connect_error with a message and a code. Nothing of the app
  // runs before it (it is the first middleware of every namespace). Native apps send no Origin.
  const originGuard = (socket: Socket, next: (err?: Error) => void) => {
    const origin = socket.handshake.headers.origin;
    if (origin === undefined || deps.originAllowed(origin, socket.request)) return next();
    next(Object.assign(new Error(`origin ${origin} is not allowed: add it to CORS_ORIGINS`), { data: { code: 'ORIGIN_NOT_ALLOWED' } }));
  };
  io.use(originGuard);
  io.on('new_namespace', (nsp: Namespace) => nsp.use(originGuard));
  io.engine.on('connection_error', (err: { code: number; message: string }) => deps.logger.debug({ code: err.code, message: err.message }, 'socket connection error'));
  return io;
}

const isCluster = (c: Redis | Cluster): c is Cluster => (c as { isCluster?: boolean }).isCluster === true;

type AdapterFactory = ReturnType<typeof createShardedAdapter>;
interface RawMessageAdapter {
  uid: string;
  onRawMessage(raw: Buffer, channel: Buffer | string): void;
}

/**
 * The sharded adapter publishes every broadcast to the room's channel, and
 * this process is subscribed to that channel whenever one of its own sockets
 * is in the room, so each broadcast comes back to its sender, which decodes
 * it and then drops it because the uid is its own. Every JSON message of a
 * process ends with `,"uid":"<its uid>","nsp":"<namespace>"}` (the adapter
 * adds those two fields last), so that tail identifies our own messages
 * before any decoding. Anything else (other processes, binary packets) goes
 * to the adapter unchanged.
 */
export function skippingOwnEcho(factory: AdapterFactory): AdapterFactory {
  // socket.io calls it with `new`: a function (not an arrow) that returns the adapter object.
  return function (nsp: Parameters<AdapterFactory>[0]) {
    const adapter = factory(nsp) as unknown as RawMessageAdapter;
    const tail = Buffer.from(`,"uid":${JSON.stringify(adapter.uid)},"nsp":${JSON.stringify(nsp.name)}}`);
    const decode = adapter.onRawMessage.bind(adapter);
    adapter.onRawMessage = (raw, channel) => {
      if (Buffer.isBuffer(raw) && raw[0] === 0x7b && raw.length > tail.length && tail.equals(raw.subarray(raw.length - tail.length))) return;
      decode(raw, channel);
    };
    return adapter as unknown as ReturnType<AdapterFactory>;
  };
}
