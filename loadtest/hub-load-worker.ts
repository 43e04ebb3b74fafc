/**
 * One generator process of `npm run bench:hub`. It holds a slice of the fleet on every side (couriers
 * on /courier, watchers on /customer, one WebSocket each, the same tokens and orders on each server),
 * sends fixes open-loop to one side at a time at the rate the parent asks for, and counts what comes
 * back: acks (accepted, dropped, ignored, rejected, errors), round trips, and the positions watchers
 * receive with their courier → watcher latency (receive time − the fix's `ts`, which is the send
 * time; one machine, one clock). Its own event-loop delay and schedule shortfall say whether it kept
 * up itself (a window where it did not is invalid: loadtest/bench-windows.ts).
 *
 * argv[2]: JSON { fleetFile, index, of }. The parent drives it over IPC:
 *   { cmd: 'connect', id, side, url, kind: 'watchers' | 'couriers' } → { re: id, connected, failed, errors, ms }
 *   { cmd: 'rate', side, perCourierPerS }  (only that side's couriers send) → { re }
 *   { cmd: 'window' }  (start a measurement window)    → { re }
 *   { cmd: 'collect' } (end it)                         → { re, ...WorkerWindow }
 *   { cmd: 'acks' } (the acks of that window's fixes, after a drain) → { re, ...WorkerAcks }
 *   { cmd: 'outstanding' } (fixes sent and not yet acked, all windows) → { re, n }
 *   { cmd: 'close' }                                    → exits
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import { LatencyHistogram } from './hub-stats.js';
import { loopPosition, type Fleet, type FleetCourier, type FleetWatcher } from './hub-fleet.js';

interface Args { fleetFile: string; index: number; of: number }
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
/** Sockets per side (server): couriers that send when their side is the active one, and watchers. */
const sides = new Map<string, { couriers: LiveCourier[]; watchers: Socket[] }>();
const sideOf = (name: string) => {
  let s = sides.get(name);
  if (!s) sides.set(name, (s = { couriers: [], watchers: [] }));
  return s;
};
/** The couriers of the side being driven. */
let live: LiveCourier[] = [];

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
  };
}
let w = fresh();
/** This process's own event-loop delay: when it is high, the generator (not the server) added latency. */
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
/** Fixes sent and not acknowledged yet, whatever the window: the parent waits for 0 before the next phase. */
let outstanding = 0;
const bump = (m: Record<string, number>, k: string) => void (m[k] = (m[k] ?? 0) + 1);

function open(url: string, namespace: '/courier' | '/customer', auth: Record<string, string>): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = io(`${url}${namespace}`, { transports: ['websocket'], auth, forceNew: true, reconnection: false, timeout: 60_000 });
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

async function connectWatcher(side: string, url: string, x: FleetWatcher): Promise<void> {
  const socket = await open(url, '/customer', { token: x.token });
  const r = await ackOf<{ ok: boolean; code?: string }>(socket, 'order:watch', { orderId: x.orderId });
  if (!r.ok) {
    socket.close();
    throw new Error(r.code ?? 'WATCH_FAILED');
  }
  socket.on('courier:position', (p: { ts: number }) => {
    w.delivered += 1;
    w.latency.record(Date.now() - p.ts);
  });
  socket.on('disconnect', (reason) => reason !== 'io client disconnect' && (w.disconnects += 1));
  sideOf(side).watchers.push(socket);
}

async function connectCourier(side: string, url: string, c: FleetCourier): Promise<void> {
  const socket = await onlineSocket(url, c);
  const mine = sideOf(side).couriers;
  const l: LiveCourier = { c, socket, phase: (mine.length * 2.399963) % (2 * Math.PI), lastTs: 0 };
  watchCourier(url, l);
  mine.push(l);
}

async function onlineSocket(url: string, c: FleetCourier): Promise<Socket> {
  const socket = await open(url, '/courier', { token: c.token, orderId: c.orderId });
  const r = await ackOf<{ ok: boolean; code?: string }>(socket, 'courier:online', { vehicle: 'motorbike', capacity: 20 });
  if (!r.ok) {
    socket.close();
    throw new Error(r.code ?? 'ONLINE_FAILED');
  }
  return socket;
}

/** Why courier sockets dropped since the start (socket.io's reason), and reconnections that failed. */
const dropReasons: Record<string, number> = {};

/**
 * As a courier app does: a dropped socket (a stall of the box outlasting the ping timeout) connects again
 * and says it is online (the hub took the courier offline on the disconnect), after a pause of 1–3 s.
 */
function watchCourier(url: string, l: LiveCourier): void {
  l.socket.on('disconnect', (reason) => {
    if (reason === 'io client disconnect') return;
    w.disconnects += 1;
    bump(dropReasons, reason);
    const retry = (attempt: number) =>
      setTimeout(() => {
        onlineSocket(url, l.c).then(
          (socket) => {
            l.socket = socket;
            watchCourier(url, l);
          },
          (err: Error) => (attempt < 5 ? retry(attempt + 1) : bump(dropReasons, `reconnect failed: ${err.message}`)),
        );
      }, 1_000 + Math.random() * 2_000 * attempt);
    retry(1);
  });
}

/** A socket the server refused (e.g. SERVICE_UNAVAILABLE while it is busy connecting thousands) is tried again, as an app would. */
const CONNECT_ATTEMPTS = 3;

async function connectAll<T>(items: T[], one: (x: T) => Promise<void>) {
  const t0 = Date.now();
  let next = 0;
  let connected = 0;
  let retried = 0;
  const errors: Record<string, number> = {};
  await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, async () => {
    while (next < items.length) {
      const x = items[next++] as T;
      for (let attempt = 1; ; attempt++) {
        try {
          await one(x);
          connected += 1;
          break;
        } catch (err) {
          if (attempt >= CONNECT_ATTEMPTS) {
            bump(errors, (err as Error).message);
            break;
          }
          retried += 1;
          await new Promise((r) => setTimeout(r, 500 * attempt));
        }
      }
    }
  }));
  return { connected, failed: items.length - connected, retried, errors, ms: Date.now() - t0 };
}

// ---- open-loop sender -----------------------------------------------------------

let perCourierPerS = 0;
let phaseStart = 0;
let due0 = 0; // fixes "owed" at phaseStart
let sentInPhase = 0;
let cursor = 0;
const t0 = Date.now();

type Ack = { ok: true; accepted?: number; dropped?: number; ignored?: number; rejected?: unknown[] } | { ok: false; code: string };

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
    // Counted in the window the fix was sent in, even when the ack comes after that window ended: a
    // short window would otherwise lose its last round trip's acks, and a slow ack its place in the p99.
    window.acked += 1;
    window.ackRtt.record(performance.now() - sentAt);
    if (a.ok) {
      // An ack without counts (a constant `{ ok: true }`) is one fix accepted.
      window.accepted += a.accepted ?? 1;
      window.dropped += a.dropped ?? 0;
      window.ignored += a.ignored ?? 0;
      window.rejected += a.rejected?.length ?? 0;
    } else {
      bump(window.ackErrors, a.code);
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

function setRate(side: string, r: number): void {
  live = sideOf(side).couriers;
  cursor = 0;
  perCourierPerS = r;
  phaseStart = Date.now();
  due0 = 0;
  sentInPhase = 0;
}

/** The window that `collect` ended: its fixes' acks keep arriving until the parent has drained them. */
let closed = w;

/** Ends the window: what happened in it, but the acks (`acks`, once drained). Later sends go to a throwaway window. */
function collect() {
  const ms = Date.now() - w.startedAt;
  const cpu = process.cpuUsage(w.cpu);
  const out = {
    ms,
    couriers: live.length,
    sent: w.sent,
    shortfall: w.shortfall,
    delivered: w.delivered,
    disconnects: w.disconnects,
    latency: w.latency.toPairs(),
    cpuUs: cpu.user + cpu.system,
    loopDelayP99Ms: Math.round(loopDelay.percentile(99) / 1e5) / 10,
    loopDelayMaxMs: Math.round(loopDelay.max / 1e5) / 10,
    dropReasons: { ...dropReasons },
  };
  closed = w;
  w = fresh();
  return out;
}
export type WorkerWindow = ReturnType<typeof collect>;

/** The acks of the fixes the last collected window sent, whenever they came. */
function acks() {
  const c = closed;
  return { acked: c.acked, accepted: c.accepted, dropped: c.dropped, ignored: c.ignored, rejected: c.rejected, ackErrors: c.ackErrors, ackRtt: c.ackRtt.toPairs() };
}
export type WorkerAcks = ReturnType<typeof acks>;

process.on('message', (m: { cmd: string; id?: string; kind?: string; side?: string; url?: string; perCourierPerS?: number }) => {
  const reply = (x: object) => process.send?.({ re: m.id ?? m.cmd, ...x });
  switch (m.cmd) {
    case 'connect': {
      const side = m.side ?? '';
      const url = m.url ?? '';
      void (m.kind === 'watchers' ? connectAll(watchers, (x) => connectWatcher(side, url, x)) : connectAll(couriers, (c) => connectCourier(side, url, c))).then(reply);
      break;
    }
    case 'rate':
      setRate(m.side ?? '', m.perCourierPerS ?? 0);
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
    case 'acks':
      reply(acks());
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
      for (const s of sides.values()) for (const socket of [...s.couriers.map((l) => l.socket), ...s.watchers]) socket.close();
      setTimeout(() => process.exit(0), 200);
      break;
  }
});
process.on('disconnect', () => process.exit(0));
process.send?.({ re: 'ready' });
