/**
 * The baselines of `npm run bench:hub`: a bare Socket.IO server that relays each `location` to the
 * order's room and acks it. Same transport settings as server/hub.ts (WebSocket only, same frame cap
 * and ping), same event names and payload shapes, and nothing else: no token check, no validation, no
 * index, no coalescing. The courier says which order it carries in `handshake.auth.orderId` (the real
 * hub ignores that field and looks it up).
 *
 * BARE_ADAPTER picks the adapter:
 *  - `memory` (side a): Socket.IO's default in-memory adapter, one process and nothing else;
 *  - `sharded` (side b): `createShardedAdapter` of @socket.io/redis-adapter on ioredis clients to
 *    REDIS_URL, with its defaults: what a team would build with stock Socket.IO to run several hubs.
 *    Every broadcast is an SPUBLISH that Redis echoes back to this process (it is subscribed to the
 *    rooms its watchers sit in), which decodes it and drops it as its own.
 *
 * Listens on PORT (127.0.0.1) and answers 200 on any plain HTTP request (the bench's readiness poll).
 * The bench's own requests (memory, GC, event-loop delay) are answered by loadtest/server-probe.ts,
 * preloaded in this process as in the hub's.
 */
import http from 'node:http';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { createShardedAdapter } from '@socket.io/redis-adapter';

interface Fix {
  lat: number;
  lng: number;
  ts: number;
  speed?: number;
  heading?: number;
}

const ACK = { ok: true, accepted: 1, dropped: 0, ignored: 0, rejected: [], flags: [] };

async function main(): Promise<void> {
  const httpServer = http.createServer((_req, res) => res.end('ok'));
  const sharded = process.env.BARE_ADAPTER === 'sharded';
  let clients: Redis[] = [];
  if (sharded) {
    const url = process.env.REDIS_URL;
    if (!url) throw new Error('BARE_ADAPTER=sharded needs REDIS_URL');
    clients = [new Redis(url), new Redis(url)];
    await Promise.all(clients.map((c) => new Promise<void>((resolve, reject) => c.once('ready', resolve).once('error', reject))));
  }
  const io = new Server(httpServer, {
    transports: ['websocket'],
    serveClient: false,
    maxHttpBufferSize: 64 * 1024,
    pingInterval: 20_000,
    pingTimeout: 20_000,
    ...(sharded ? { adapter: createShardedAdapter(clients[0] as Redis, clients[1] as Redis) } : {}),
  });
  const customers = io.of('/customer');

  customers.on('connection', (socket) => {
    socket.on('order:watch', (p: { orderId: string }, ack?: (r: unknown) => void) => {
      void socket.join(`order:${p.orderId}`);
      ack?.({ ok: true, data: { orderId: p.orderId } });
    });
  });

  io.of('/courier').on('connection', (socket) => {
    const orderId = String((socket.handshake.auth as { orderId?: unknown }).orderId ?? '');
    const room = `order:${orderId}`;
    socket.on('courier:online', (_p: unknown, ack?: (r: unknown) => void) => ack?.({ ok: true, data: { status: 'busy', deliveries: [] } }));
    socket.on('location', (f: Fix, ack?: (r: unknown) => void) => {
      customers.to(room).volatile.emit('courier:position', { orderId, lat: f.lat, lng: f.lng, heading: f.heading ?? null, speed: f.speed ?? null, ts: f.ts, etaSeconds: null, etaSource: null });
      ack?.(ACK);
    });
  });

  httpServer.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
  process.on('SIGTERM', () => {
    void io.close(() => {
      for (const c of clients) c.disconnect();
      process.exit(0);
    });
  });
}

main().catch((err: unknown) => {
  console.error('[bare-relay] start failed:', err);
  process.exit(1);
});
