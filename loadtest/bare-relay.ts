/**
 * The baseline of `npm run bench:hub`: a bare Socket.IO server that relays
 * each `location` to the order's room and acks it. Same transport settings as
 * server/hub.ts (WebSocket only, same frame cap and ping), same event names and
 * payload shapes, and nothing else: no token check, no validation, no index,
 * no coalescing, in-memory adapter. The courier says which order it carries in
 * `handshake.auth.orderId` (the real hub ignores that field and looks it up).
 *
 * Run as a forked child: it sends `{ ready, port }` once listening, answers
 * `{ cmd: 'gc' }` (with --expose-gc), `{ cmd: 'loop' }` (event-loop delay) and `{ cmd: 'profile' }` (CPU profile), and exits on `stop` or when the parent goes away.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { serveLoopDelay, serveProfiler } from './bench-procs.js';

interface Fix {
  lat: number;
  lng: number;
  ts: number;
  speed?: number;
  heading?: number;
}

const ACK = { ok: true, accepted: 1, dropped: 0, ignored: 0, rejected: [], flags: [] };

function main(): void {
  const httpServer = http.createServer();
  const io = new Server(httpServer, { transports: ['websocket'], serveClient: false, maxHttpBufferSize: 64 * 1024, pingInterval: 20_000, pingTimeout: 20_000 });
  const customers = io.of('/customer');
  serveLoopDelay();
  serveProfiler();

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

  httpServer.listen(0, '127.0.0.1', () => {
    process.send?.({ ready: true, port: (httpServer.address() as AddressInfo).port, pid: process.pid });
  });
  const stop = () => void io.close(() => process.exit(0));
  process.on('message', (m: unknown) => {
    if (m === 'stop') stop();
    if (typeof m === 'object' && m !== null && (m as { cmd?: string }).cmd === 'gc') {
      (globalThis as { gc?: () => void }).gc?.();
      process.send?.({ re: 'gc' });
    }
  });
  process.on('disconnect', () => process.exit(0));
}

main();
