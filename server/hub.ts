import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import { Adapter, MessageType, type BroadcastOptions } from 'socket.io-adapter';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface HubDeps {
  httpServer: HttpServer;
  pubClient: Redis;
  subClient: Redis;
  corsOrigins: string[];
  logger: Logger;
  /** Cap on one incoming frame; a larger one disconnects that socket only. */
  maxFrameBytes?: number;
}

/**
 * The Socket.IO hub on the API's HTTP server: WebSocket transport only, and the
 * sharded Redis adapter (SPUBLISH, Redis 7) so any hub process reaches watchers
 * connected to any other. Namespaces are added by server/namespaces/*.
 */
export function createHub(deps: HubDeps): Server {
  const allowed = new Set(deps.corsOrigins);
  const io = new Server(deps.httpServer, {
    transports: ['websocket'],
    // Served at /socket.io/socket.io.esm.min.js so a page (or the browser console) of an allowed origin can load the client.
    serveClient: true,
    maxHttpBufferSize: deps.maxFrameBytes ?? 64 * 1024,
    pingInterval: 20_000,
    pingTimeout: 20_000,
    cors: { origin: [...allowed], credentials: false },
    // Browsers always send Origin; a handshake from an origin outside the allowlist is refused.
    // Native apps send none and authenticate with their token.
    allowRequest: (req, cb) => {
      const origin = req.headers.origin;
      cb(null, !origin || allowed.has(origin));
    },
    adapter: hubAdapter(createShardedAdapter(deps.pubClient, deps.subClient, { subscriptionMode: 'dynamic' })),
  });
  io.engine.on('connection_error', (err: { code: number; message: string }) => deps.logger.debug({ code: err.code, message: err.message }, 'socket connection error'));
  return io;
}

type AdapterFactory = ReturnType<typeof createShardedAdapter>;
type Packet = Parameters<Adapter['broadcast']>[0];
interface ClusterAdapterInternals {
  uid: string;
  nsp: { name: string; server: { opts: { connectionStateRecovery?: unknown } } };
  onRawMessage(raw: Buffer, channel: Buffer | string): void;
  broadcast(packet: Packet, opts: BroadcastOptions): unknown;
  publish(message: { type: MessageType; data: unknown }): void;
}

/**
 * The sharded Redis adapter with two changes on the broadcast path, both for
 * the position stream (thousands of room broadcasts a second):
 * - local sockets get a broadcast at once (`deliveringLocallyFirst`);
 * - this process drops its own broadcasts coming back from Redis before
 *   decoding them (`skippingOwnEcho`).
 * Everything else (acks, fetchSockets, serverSideEmit, ...) is the adapter's own.
 */
export function hubAdapter(factory: AdapterFactory): AdapterFactory {
  // socket.io calls it with `new`: a function (not an arrow) that returns the adapter object.
  return function (nsp: Parameters<AdapterFactory>[0]) {
    const adapter = factory(nsp) as unknown as ClusterAdapterInternals;
    skippingOwnEcho(adapter);
    deliveringLocallyFirst(adapter);
    return adapter as unknown as ReturnType<AdapterFactory>;
  };
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
export function skippingOwnEcho(adapter: ClusterAdapterInternals): void {
  const tail = Buffer.from(`,"uid":${JSON.stringify(adapter.uid)},"nsp":${JSON.stringify(adapter.nsp.name)}}`);
  const decode = adapter.onRawMessage.bind(adapter);
  adapter.onRawMessage = (raw, channel) => {
    if (Buffer.isBuffer(raw) && raw[0] === 0x7b && raw.length > tail.length && tail.equals(raw.subarray(raw.length - tail.length))) return;
    decode(raw, channel);
  };
}

/**
 * The cluster adapter sends a broadcast to this process's own sockets only
 * once Redis has answered the publish, so a courier's position waited for a
 * Redis round trip (behind the index's script calls) before reaching a
 * watcher on the same process. Here the publish goes out first, without
 * waiting, and local sockets get the packet at once. Order holds per room on
 * both sides: local deliveries are synchronous, and publishes share one
 * connection. Kept as the adapter does it when connection-state recovery is
 * on (the publish's offset is then added to the packet) and for local-only
 * broadcasts.
 */
export function deliveringLocallyFirst(adapter: ClusterAdapterInternals): void {
  const clusterBroadcast = adapter.broadcast.bind(adapter);
  const localBroadcast = Adapter.prototype.broadcast;
  adapter.broadcast = (packet, opts) => {
    if (opts.flags?.local || adapter.nsp.server.opts.connectionStateRecovery) return clusterBroadcast(packet, opts);
    // The adapter's own message shape (ClusterAdapter.broadcast); publish logs and swallows a failure, as it does there.
    adapter.publish({ type: MessageType.BROADCAST, data: { packet, opts: { rooms: [...opts.rooms], except: opts.except ? [...opts.except] : [], flags: opts.flags } } });
    localBroadcast.call(adapter as unknown as Adapter, packet, opts);
  };
}
