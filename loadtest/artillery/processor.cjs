/**
 * Artillery processor for the hub scenarios (courier-stream.yml, customer-watch.yml).
 * Each function is async: Artillery keeps the virtual user alive until it resolves,
 * and counts it in vusers.failed when it throws.
 *
 * Artillery's built-in socketio engine cannot do what the hub needs: it has no
 * way to record a custom histogram from a received event (courier → watcher
 * latency) and it sends fixed payloads, while a fix's `ts` must be the send
 * time. So each virtual user drives one socket.io-client socket from a
 * function step: a courier connects to /courier with its token in
 * `handshake.auth.token` (WebSocket only), goes online and streams fixes; a
 * watcher connects to /customer, watches its order and times every
 * `courier:position` it receives (receive time − `ts`; one machine, one clock).
 *
 * Metrics (in Artillery's report):
 *   counters   courier.connected, courier.online, courier.fixes_sent, courier.fixes_accepted,
 *              courier.fixes_dropped (rate limit), courier.fixes_ignored, courier.fixes_rejected,
 *              courier.acks_missing, watcher.connected, watcher.watching, watcher.positions,
 *              watcher.status_events, errors.<side>.<code> (every failure, by ack or connect code)
 *   histograms courier_to_watcher_ms, courier.ack_ms
 * Knobs (environment): LOADTEST_FIX_RATE (fixes/s per courier, default 1),
 * LOADTEST_STREAM_S (how long a courier streams, default 60),
 * LOADTEST_WATCH_S (how long a watcher watches, default 90).
 */
const { setInterval, clearInterval, setTimeout } = require('node:timers');
const { performance } = require('node:perf_hooks');
const { io } = require('socket.io-client');

const FIX_RATE = Number(process.env.LOADTEST_FIX_RATE || 1);
const STREAM_S = Number(process.env.LOADTEST_STREAM_S || 60);
const WATCH_S = Number(process.env.LOADTEST_WATCH_S || 90);
const ACK_TIMEOUT_MS = 10_000;

// The loop a courier drives: the same as loadtest/hub-fleet.ts loopPosition (150 m radius, 8 m/s).
const LOOP_RADIUS_M = 150;
const SPEED_MPS = 8;
const M_PER_DEG_LAT = 111_320;
function loopPosition(lat0, lng0, phase, tS) {
  const theta = phase + (SPEED_MPS / LOOP_RADIUS_M) * tS;
  const mPerDegLng = M_PER_DEG_LAT * Math.cos((lat0 * Math.PI) / 180);
  const heading = (Math.atan2(Math.cos(theta), -Math.sin(theta)) * 180) / Math.PI;
  return {
    lat: Math.round((lat0 + (LOOP_RADIUS_M * Math.cos(theta)) / M_PER_DEG_LAT) * 1e6) / 1e6,
    lng: Math.round((lng0 + (LOOP_RADIUS_M * Math.sin(theta)) / mPerDegLng) * 1e6) / 1e6,
    heading: Math.round(((heading % 360) + 360) % 360),
    speed: SPEED_MPS,
  };
}

function connect(target, namespace, token) {
  return new Promise((resolve, reject) => {
    const socket = io(`${target}${namespace}`, { transports: ['websocket'], auth: { token }, forceNew: true, reconnection: false, timeout: 20_000 });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(Object.assign(new Error(err.message), { code: (err.data && err.data.code) || 'CONNECT_ERROR' }));
    });
  });
}

function call(socket, event, payload) {
  return new Promise((resolve, reject) => {
    socket.timeout(ACK_TIMEOUT_MS).emit(event, payload, (err, r) => (err ? reject(Object.assign(err, { code: 'ACK_TIMEOUT' })) : resolve(r)));
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const fail = (events, side, code) => events.emit('counter', `errors.${side}.${code}`, 1);

/** One courier: connect, go online, stream fixes at LOADTEST_FIX_RATE for LOADTEST_STREAM_S, go away. */
async function courierStream(context, events) {
  const v = context.vars;
  let socket;
  try {
    socket = await connect(v.target, '/courier', v.token);
    events.emit('counter', 'courier.connected', 1);
    const online = await call(socket, 'courier:online', { vehicle: 'motorbike', capacity: 20 });
    if (!online.ok) throw Object.assign(new Error(online.message), { code: online.code });
    events.emit('counter', 'courier.online', 1);
  } catch (err) {
    fail(events, 'courier', err.code || 'CONNECT_ERROR');
    if (socket) socket.close();
    throw err;
  }
  socket.on('disconnect', (reason) => reason !== 'io client disconnect' && fail(events, 'courier', `DISCONNECT_${reason.replace(/\s+/g, '_')}`));
  const lat0 = Number(v.lat);
  const lng0 = Number(v.lng);
  const phase = Math.random() * 2 * Math.PI;
  const t0 = Date.now();
  let lastTs = 0;
  let pending = 0;
  const timer = setInterval(() => {
    const now = Date.now();
    const ts = Math.max(now, lastTs + 1);
    lastTs = ts;
    const pos = loopPosition(lat0, lng0, phase, (now - t0) / 1000);
    const sentAt = performance.now();
    pending += 1;
    events.emit('counter', 'courier.fixes_sent', 1);
    socket.timeout(ACK_TIMEOUT_MS).emit('location', { ...pos, ts, accuracy: 8 }, (err, a) => {
      pending -= 1;
      if (err) return fail(events, 'courier', 'ACK_TIMEOUT');
      events.emit('histogram', 'courier.ack_ms', performance.now() - sentAt);
      if (!a.ok) return fail(events, 'courier', a.code);
      if (a.accepted) events.emit('counter', 'courier.fixes_accepted', a.accepted);
      if (a.dropped) events.emit('counter', 'courier.fixes_dropped', a.dropped);
      if (a.ignored) events.emit('counter', 'courier.fixes_ignored', a.ignored);
      if (a.rejected.length) fail(events, 'courier', 'FIX_REJECTED');
    });
  }, 1000 / FIX_RATE);
  await sleep(STREAM_S * 1000);
  clearInterval(timer);
  await sleep(1_000); // the last acks
  if (pending > 0) events.emit('counter', 'courier.acks_missing', pending);
  socket.close();
}

/** One watcher: connect, watch its order, time every position for LOADTEST_WATCH_S, go away. */
async function watchOrder(context, events) {
  const v = context.vars;
  let socket;
  try {
    socket = await connect(v.target, '/customer', v.token);
    events.emit('counter', 'watcher.connected', 1);
    socket.on('courier:position', (p) => {
      events.emit('counter', 'watcher.positions', 1);
      events.emit('histogram', 'courier_to_watcher_ms', Date.now() - p.ts);
    });
    socket.on('order:status', () => events.emit('counter', 'watcher.status_events', 1));
    const r = await call(socket, 'order:watch', { orderId: v.orderId });
    if (!r.ok) throw Object.assign(new Error(r.message), { code: r.code });
    events.emit('counter', 'watcher.watching', 1);
  } catch (err) {
    fail(events, 'watcher', err.code || 'CONNECT_ERROR');
    if (socket) socket.close();
    throw err;
  }
  socket.on('disconnect', (reason) => reason !== 'io client disconnect' && fail(events, 'watcher', `DISCONNECT_${reason.replace(/\s+/g, '_')}`));
  await sleep(WATCH_S * 1000);
  socket.close();
}

module.exports = { courierStream, watchOrder };
