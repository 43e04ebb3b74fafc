/**
 * One generator process of `npm run bench:hub`. It holds a slice of the fleet
 * (couriers on /courier, watchers on /customer, one WebSocket each), sends
 * fixes open-loop at the rate the parent asks for, and counts what comes back:
 * acks (accepted, dropped, ignored, rejected, errors), round trips, and the
 * positions watchers receive with their courier → watcher latency
 * (receive time − the fix's `ts`, which is the send time; one machine, one clock).
 *
 * argv[2]: JSON { fleetFile, index, of, urls }. Each socket connects to one of `urls` (the hub
 * processes), chosen by a hash of its token, the way a load balancer spreads connections: with
 * two hubs, about half the watchers sit on another process than their courier. The parent drives it over IPC:
 *   { cmd: 'connect', kind: 'watchers' | 'couriers' }  → { re, connected, failed, errors, ms }
 *   { cmd: 'rate', perCourierPerS }                    → { re }
 *   { cmd: 'window' }  (start a measurement window)    → { re }
 *   { cmd: 'collect' } (end it)                         → { re, ...WindowStats }
 *   { cmd: 'outstanding' } (fixes sent and not yet acked, all windows) → { re, n }
 *   { cmd: 'close' }                                    → exits
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import { LatencyHistogram } from './hub-stats.js';
import { loopPosition, type Fleet, type FleetCourier, type FleetWatcher } from './hub-fleet.js';

interface Args { fleetFile: string; index: number; of: number; urls: string[] }
const args = JSON.parse(process.argv[2] ?? '{}') as Args;
const fleet = JSON.parse(readFileSync(args.fleetFile, 'utf8')) as Fleet;
const mine = <T>(xs: T[]) => xs.filter((_, i) => i % args.of === args.index);
const couriers = mine(fleet.couriers);
const watchers = mine(fleet.watchers);

const CONNECT_CONCURRENCY = 64;
const TICK_MS = 5;
/** A generator that falls further behind than this skips the excess (counted as `shortfall`), so a stall never turns into a burst. */
const MAX_BACKLOG_S = 0.1;

interface LiveCourier { c: FleetCourier; socket: Socket; phase: number; lastTs: number }
const live: LiveCourier[] = [];
const watching: Socket[] = [];

function fresh() {
  return {
    startedAt: Date.now(),
    cpu: process.cpuUsage(),
    sent: 0,
    shortfall: 0,
    acked: 0,
    accepted: 0,
    dropped: 0,
    ignored: 0,
    rejected: 0,
    ackErrors: {} as Record<string, number>,
    delivered: 0,
    disconnects: 0,
    latency: new LatencyHistogram(),
    ackRtt: new LatencyHistogram(),
    /** Per second of send time (epoch s): positions received and how many later than LATE_MS. */
    bySecond: new Map<number, [positions: number, late: number]>(),
  };
}
/** A position later than this counts as late in the per-second timeline (the hub's p99 target at 5k). */
const LATE_MS = 50;
let w = fresh();
/** This process's own event-loop delay: when it is high, the generator (not the server) added latency. */
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
/** Fixes sent and not acknowledged yet, whatever the window: the parent waits for 0 before the next phase. */
let outstanding = 0;
const bump = (m: Record<string, number>, k: string) => void (m[k] = (m[k] ?? 0) + 1);

/** FNV-1a of the token: a stable, even spread of sockets over the servers. */
function serverFor(token: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < token.length; i++) h = Math.imul(h ^ token.charCodeAt(i), 0x01000193);
  return args.urls[(h >>> 0) % args.urls.length] as string;
}

function open(namespace: '/courier' | '/customer', auth: Record<string, string>): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = io(`${serverFor(auth.token ?? '')}${namespace}`, { transports: ['websocket'], auth, forceNew: true, reconnection: false, timeout: 60_000 });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err: Error & { data?: { code?: string } }) => {
      socket.close();
      reject(new Error(err.data?.code ?? err.message));
    });
  });
}

function ackOf<T>(socket: Socket, event: string, payload: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    socket.timeout(60_000).emit(event, payload, (err: Error | null, r: T) => (err ? reject(err) : resolve(r)));
  });
}

async function connectWatcher(x: FleetWatcher): Promise<void> {
  const socket = await open('/customer', { token: x.token });
  const r = await ackOf<{ ok: boolean; code?: string }>(socket, 'order:watch', { orderId: x.orderId });
  if (!r.ok) {
    socket.close();
    throw new Error(r.code ?? 'WATCH_FAILED');
  }
  socket.on('courier:position', (p: { ts: number }) => {
    w.delivered += 1;
    const ms = Date.now() - p.ts;
    w.latency.record(ms);
    const sec = Math.floor(p.ts / 1000);
    const b = w.bySecond.get(sec);
    if (b) {
      b[0] += 1;
      if (ms > LATE_MS) b[1] += 1;
    } else w.bySecond.set(sec, [1, ms > LATE_MS ? 1 : 0]);
  });
  socket.on('disconnect', (reason) => reason !== 'io client disconnect' && (w.disconnects += 1));
  watching.push(socket);
}

async function connectCourier(c: FleetCourier): Promise<void> {
  const socket = await open('/courier', { token: c.token, orderId: c.orderId });
  const r = await ackOf<{ ok: boolean; code?: string }>(socket, 'courier:online', { vehicle: 'motorbike', capacity: 20 });
  if (!r.ok) {
    socket.close();
    throw new Error(r.code ?? 'ONLINE_FAILED');
  }
  socket.on('disconnect', (reason) => reason !== 'io client disconnect' && (w.disconnects += 1));
  live.push({ c, socket, phase: (live.length * 2.399963) % (2 * Math.PI), lastTs: 0 });
}

async function connectAll<T>(items: T[], one: (x: T) => Promise<void>) {
  const t0 = Date.now();
  let next = 0;
  let connected = 0;
  const errors: Record<string, number> = {};
  await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, async () => {
    while (next < items.length) {
      const x = items[next++] as T;
      try {
        await one(x);
        connected += 1;
      } catch (err) {
        bump(errors, (err as Error).message);
      }
    }
  }));
  return { connected, failed: items.length - connected, errors, ms: Date.now() - t0 };
}

// ---- open-loop sender -----------------------------------------------------------

let perCourierPerS = 0;
let phaseStart = 0;
let due0 = 0; // fixes "owed" at phaseStart
let sentInPhase = 0;
let cursor = 0;
const t0 = Date.now();

type Ack = { ok: true; accepted: number; dropped: number; ignored: number; rejected: unknown[] } | { ok: false; code: string };

function sendOne(lc: LiveCourier): void {
  const now = Date.now();
  const ts = Math.max(now, lc.lastTs + 1); // strictly increasing per courier, or the hub would ignore it as a duplicate
  lc.lastTs = ts;
  const pos = loopPosition(lc.c, lc.phase, (now - t0) / 1000);
  const sentAt = performance.now();
  const window = w;
  window.sent += 1;
  outstanding += 1;
  lc.socket.emit('location', { lat: pos.lat, lng: pos.lng, ts, speed: pos.speed, heading: pos.heading, accuracy: 8 }, (a: Ack) => {
    outstanding -= 1;
    if (window !== w) return; // an ack of the previous window
    w.acked += 1;
    w.ackRtt.record(performance.now() - sentAt);
    if (a.ok) {
      w.accepted += a.accepted;
      w.dropped += a.dropped;
      w.ignored += a.ignored;
      w.rejected += a.rejected.length;
    } else {
      bump(w.ackErrors, a.code);
    }
  });
}

function tick(): void {
  if (perCourierPerS <= 0 || live.length === 0) return;
  const rate = perCourierPerS * live.length;
  const owed = Math.floor(due0 + (rate * (Date.now() - phaseStart)) / 1000) - sentInPhase;
  let n = owed;
  const cap = Math.ceil(rate * MAX_BACKLOG_S);
  if (n > cap) {
    w.shortfall += n - cap;
    sentInPhase += n - cap;
    n = cap;
  }
  for (let i = 0; i < n; i++) {
    sendOne(live[cursor] as LiveCourier);
    cursor = (cursor + 1) % live.length;
  }
  sentInPhase += n;
}
setInterval(tick, TICK_MS);

function setRate(r: number): void {
  perCourierPerS = r;
  phaseStart = Date.now();
  due0 = 0;
  sentInPhase = 0;
}

function collect() {
  const ms = Date.now() - w.startedAt;
  const cpu = process.cpuUsage(w.cpu);
  return {
    ms,
    couriers: live.length,
    watchers: watching.length,
    sent: w.sent,
    shortfall: w.shortfall,
    acked: w.acked,
    accepted: w.accepted,
    dropped: w.dropped,
    ignored: w.ignored,
    rejected: w.rejected,
    ackErrors: w.ackErrors,
    delivered: w.delivered,
    disconnects: w.disconnects,
    latency: w.latency.toPairs(),
    ackRtt: w.ackRtt.toPairs(),
    lateMs: LATE_MS,
    bySecond: [...w.bySecond].map(([sec, [n, late]]) => [sec, n, late] as const),
    cpuUs: cpu.user + cpu.system,
    loopDelayP99Ms: Math.round(loopDelay.percentile(99) / 1e5) / 10,
    loopDelayMaxMs: Math.round(loopDelay.max / 1e5) / 10,
  };
}
export type WorkerWindow = ReturnType<typeof collect>;

process.on('message', (m: { cmd: string; kind?: string; perCourierPerS?: number }) => {
  const reply = (x: object) => process.send?.({ re: m.cmd, ...x });
  switch (m.cmd) {
    case 'connect':
      void (m.kind === 'watchers' ? connectAll(watchers, connectWatcher) : connectAll(couriers, connectCourier)).then(reply);
      break;
    case 'rate':
      setRate(m.perCourierPerS ?? 0);
      reply({});
      break;
    case 'window':
      w = fresh();
      loopDelay.reset();
      reply({});
      break;
    case 'collect':
      reply(collect());
      break;
    case 'outstanding': {
      // Where unacknowledged fixes wait on this side: socket.io-client's buffer, engine.io's write buffer, ws bytes not yet handed to the kernel.
      let engineWriteBuffer = 0;
      let wsBufferedBytes = 0;
      for (const l of live) {
        const engine = (l.socket.io as unknown as { engine?: { writeBuffer?: unknown[]; transport?: { ws?: { bufferedAmount?: number } } } }).engine;
        engineWriteBuffer += engine?.writeBuffer?.length ?? 0;
        wsBufferedBytes += engine?.transport?.ws?.bufferedAmount ?? 0;
      }
      reply({ n: outstanding, engineWriteBuffer, wsBufferedBytes });
      break;
    }
    case 'close':
      perCourierPerS = 0;
      for (const s of [...live.map((l) => l.socket), ...watching]) s.close();
      setTimeout(() => process.exit(0), 200);
      break;
  }
});
process.on('disconnect', () => process.exit(0));
process.send?.({ re: 'ready' });
