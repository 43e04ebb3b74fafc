import { randomInt } from 'node:crypto';
import nodePath from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { haversineM } from '../geo/distance.js';
import { DEV_SMS_FILE, lastDevSmsCode } from '../infra/providers/sms-dev.js';
import type { Role } from '../domain/shared/principal.js';
import { ARRIVAL_STATUS, GEOFENCE_FOR, type DeliveryStatus } from '../domain/delivery/model.js';

/**
 * The courier half of the golden path, over HTTP and the hub as the apps would
 * do it: a courier registers for each order (SMS code, profile, a licence a
 * verifier approves) and goes online on /courier; the store assigns the order's
 * delivery; the customer watches both orders on /customer while each courier
 * streams fixes to the pickup (the geofence records at_pickup), picks up,
 * streams to the door (at_dropoff), collects cash if the order is paid so, and
 * delivers. The orders consumer then completes each order.
 */

export interface CourierLegOptions {
  url: string;
  mint: (role: Role, sub: string, perms?: string[]) => string;
  /** The verification code the app sent by SMS to `phone`. */
  smsCode: (phone: string) => Promise<string>;
  customerToken: string;
  paymentMethod: 'card' | 'cash';
  step: (line: string) => void;
}

export interface ReadyOrder {
  orderId: string;
  number: string;
  totalMinor: number;
  deliveryId: string;
  storeName: string;
  ownerToken: string;
}

export interface DeliveredOrder {
  orderId: string;
  deliveryId: string;
  courierId: string;
  /** Fixes the courier sent, pickup leg and dropoff leg. */
  fixesSent: number;
  /** The order as the customer reads it at the end. */
  status: string;
  timeline: Record<string, string>;
  deliveryStatus: string;
  paymentStatus: string;
  /** What the customer's /customer socket received for this order while it watched. */
  watched: { positions: number; deliveryStatuses: string[]; orderStatuses: string[] };
}

type Point = { lat: number; lng: number };
type Answer = { status: number; body: any };
export type Call = (url: string, what: string, expected: number[], init?: { method?: string; token?: string; json?: unknown; body?: Buffer; headers?: Record<string, string> }) => Promise<Answer>;

const PASSWORD = 'Str0ng!Passw0rd';
// The smallest image the document upload accepts: the courier's driving licence for the verifier.
const LICENCE_PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]);
/** Fix spacing: under the 200 m a jump may be without being called a teleport, and well inside the default fix rate (5/s). */
const STEP_M = 150;
const FIX_GAP_MS = 250;
/** Where each courier starts: this far beyond the pickup, away from the door. */
const START_BEYOND_PICKUP_M = 600;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function connect(url: string, nsp: '/courier' | '/customer', token: string): Promise<Socket> {
  const socket = io(`${url}${nsp}`, { transports: ['websocket'], reconnection: false, forceNew: true, timeout: 10_000, auth: { token } });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(new Error(`${nsp}: connect refused: ${err.message}`));
    });
  });
}

async function ack(socket: Socket, what: string, event: string, payload: unknown): Promise<any> {
  const answer = (await socket.timeout(10_000).emitWithAck(event, payload)) as { ok: boolean };
  if (!answer.ok) throw new Error(`${what}: ${event} answered ${JSON.stringify(answer).slice(0, 400)}`);
  return answer;
}

/** The next `event` satisfying `match`; listen before causing it. */
function next<T = any>(socket: Socket, event: string, match: (p: T) => boolean, what: string, ms = 15_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, on);
      reject(new Error(`timed out waiting for ${what}`));
    }, ms);
    const on = (p: T) => {
      if (!match(p)) return;
      clearTimeout(timer);
      socket.off(event, on);
      resolve(p);
    };
    socket.on(event, on);
  });
}

/** Points every STEP_M at most from `from` (excluded) to `to` (included). */
function path(from: Point, to: Point): Point[] {
  const n = Math.max(1, Math.ceil(haversineM(from.lat, from.lng, to.lat, to.lng) / STEP_M));
  return Array.from({ length: n }, (_, i) => ({ lat: from.lat + ((to.lat - from.lat) * (i + 1)) / n, lng: from.lng + ((to.lng - from.lng) * (i + 1)) / n }));
}

/** A point `m` metres beyond `b` on the line from `a` through `b`. */
function beyond(a: Point, b: Point, m: number): Point {
  const f = m / haversineM(a.lat, a.lng, b.lat, b.lng);
  return { lat: b.lat + (b.lat - a.lat) * f, lng: b.lng + (b.lng - a.lng) * f };
}

/** Reads SMS codes from the dev outbox file a development app keeps under its DATA_DIR. */
export function devSmsCodes(dataDir: string): (phone: string) => Promise<string> {
  const file = nodePath.join(dataDir, DEV_SMS_FILE);
  return async (phone) => {
    let code: string | null = null;
    await until(`the SMS code to ${phone} in ${file} (is the app running in development with this DATA_DIR?)`, () => (code = lastDevSmsCode(file, phone)) !== null, 10_000);
    return code!;
  };
}

const money = (minor: number) => (minor / 100).toFixed(2);

/** A courier who may go online: registered with the SMS code, profile complete, licence approved by a verifier. */
async function signUpCourier(o: CourierLegOptions, call: Call, name: string): Promise<{ courierId: string; token: string; phone: string }> {
  const api = `${o.url}/api/v1`;
  const phone = `+96393${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
  await call(`${api}/auth/register`, `courier ${name}: register`, [202], { method: 'POST', json: { phone, password: PASSWORD, role: 'courier' } });
  const code = await o.smsCode(phone);
  await call(`${api}/auth/otp/verify`, `courier ${name}: SMS code`, [200], { method: 'POST', json: { phone, code } });
  const login = await call(`${api}/auth/login`, `courier ${name}: log in`, [200], { method: 'POST', json: { identifier: phone, password: PASSWORD } });
  const token = login.body.data.accessToken as string;
  const courierId = login.body.data.account.id as string;
  await call(`${api}/accounts/${courierId}/profile`, `courier ${name}: profile`, [200], { method: 'PATCH', token, json: { name, vehicleType: 'motorbike', capacityKg: 25 } });
  await call(`${api}/accounts/${courierId}/documents?kind=driving_license`, `courier ${name}: licence`, [201], { method: 'POST', token, body: LICENCE_PNG, headers: { 'content-type': 'image/png' } });
  const verifier = o.mint('admin', `demo-verifier-${courierId}`, ['verification:decide']);
  await call(`${api}/admin/accounts/${courierId}/verification`, `courier ${name}: approval`, [200], { method: 'POST', token: verifier, json: { decision: 'approve', reason: 'licence checked' } });
  o.step(`courier ${name} (${phone}) registered with the SMS code, profile complete, licence approved: ${courierId}`);
  return { courierId, token, phone };
}

/** Every ready order delivered by its own courier while the customer watches them all on /customer. */
export async function deliverOrders(o: CourierLegOptions, call: Call, orders: ReadyOrder[]): Promise<DeliveredOrder[]> {
  const names = ['Sami', 'Lina', 'Omar', 'Rana'];
  const couriers: { courierId: string; token: string; phone: string }[] = [];
  for (const [i] of orders.entries()) couriers.push(await signUpCourier(o, call, names[i % names.length]!));

  const watcher = await connect(o.url, '/customer', o.customerToken);
  const sockets: Socket[] = [watcher];
  const watched = new Map(orders.map((ord) => [ord.orderId, { positions: 0, deliveryStatuses: [] as string[], orderStatuses: [] as string[] }]));
  watcher.on('courier:position', (p: { orderId: string }) => void (watched.get(p.orderId) && watched.get(p.orderId)!.positions++));
  watcher.on('order:status', (p: { orderId: string; status: string }) => void watched.get(p.orderId)?.deliveryStatuses.push(p.status));
  watcher.on('order:updated', (p: { orderId: string; status: string }) => void watched.get(p.orderId)?.orderStatuses.push(p.status));
  try {
    for (const ord of orders) {
      const snap = await ack(watcher, `customer: watch ${ord.number}`, 'order:watch', { orderId: ord.orderId });
      o.step(`customer watching ${ord.number} live on /customer: its delivery is ${snap.data.status}`);
    }
    // One order after the other: the hub sends positions to watchers as volatile packets, and a socket drops
    // the second of two sent in the same tick, so one customer socket watching two moving couriers at once
    // loses positions of one of them (seen here: 1 of 9 arrived).
    const delivered: DeliveredOrder[] = [];
    for (const [i, ord] of orders.entries()) {
      const courier = couriers[i]!;
      const socket = await connect(o.url, '/courier', courier.token);
      sockets.push(socket);
      delivered.push(await deliverOne(o, call, ord, courier, socket, watched.get(ord.orderId)!));
    }
    return delivered;
  } finally {
    for (const s of sockets) s.close();
  }
}

async function deliverOne(
  o: CourierLegOptions,
  call: Call,
  ord: ReadyOrder,
  courier: { courierId: string; token: string },
  socket: Socket,
  watched: DeliveredOrder['watched'],
): Promise<DeliveredOrder> {
  const api = `${o.url}/api/v1`;
  const read = async () => (await call(`${api}/deliveries/${ord.deliveryId}`, `courier: read ${ord.number}'s delivery`, [200], { token: courier.token })).body.data as { status: string; pickup: Point; dropoff: Point };
  let fixesSent = 0;
  const drive = async (from: Point, to: Point) => {
    for (const p of path(from, to)) {
      const a = await ack(socket, `courier of ${ord.number}: fix`, 'location', { ...p, ts: Date.now(), speed: 9, accuracy: 8 });
      if (a.accepted !== 1) throw new Error(`courier of ${ord.number}: fix not applied: ${JSON.stringify(a)}`);
      fixesSent++;
      await sleep(FIX_GAP_MS);
    }
  };

  await ack(socket, `courier of ${ord.number}: online`, 'courier:online', { vehicle: 'motorbike', capacity: 1 });
  const listed = next<{ deliveries: { deliveryId: string; status: string; pickup: Point; dropoff: Point }[] }>(socket, 'courier:deliveries', (p) => p.deliveries.some((d) => d.deliveryId === ord.deliveryId), `${ord.number} on the courier's list`);
  await call(`${api}/deliveries/${ord.deliveryId}/assign`, `${ord.storeName}: assign`, [200], { method: 'POST', token: ord.ownerToken, json: { courierId: courier.courierId } });
  const { pickup, dropoff } = (await listed).deliveries.find((d) => d.deliveryId === ord.deliveryId)!;
  const start = beyond(dropoff, pickup, START_BEYOND_PICKUP_M);
  await ack(socket, `courier of ${ord.number}: first fix`, 'location', { ...start, ts: Date.now(), speed: 0, accuracy: 8 });
  fixesSent++;
  o.step(`${ord.storeName} assigned ${ord.number}'s delivery to courier ${courier.courierId}, online on /courier ${Math.round(START_BEYOND_PICKUP_M)} m from the store`);

  await drive(start, pickup);
  await until(`${ord.number} at_pickup (geofence)`, async () => (await read()).status === ARRIVAL_STATUS.pickup);
  const swapped = next<{ deliveries: { deliveryId: string; status: string }[] }>(socket, 'courier:deliveries', (p) => p.deliveries.some((d) => d.deliveryId === ord.deliveryId && GEOFENCE_FOR[d.status as DeliveryStatus] === 'dropoff'), `${ord.number} picked_up on the courier's list`);
  await call(`${api}/deliveries/${ord.deliveryId}/status`, `courier: picked_up ${ord.number}`, [200], { method: 'POST', token: courier.token, json: { status: 'picked_up' } });
  await swapped; // the hub has moved the geofence from the store to the door
  o.step(`courier of ${ord.number} streamed ${fixesSent} fixes to ${ord.storeName}: at_pickup by the geofence, then picked up`);

  const before = fixesSent;
  await drive(pickup, dropoff);
  await until(`${ord.number} at_dropoff (geofence)`, async () => (await read()).status === ARRIVAL_STATUS.dropoff);
  let paymentStatus = '';
  if (o.paymentMethod === 'cash') {
    const paid = await call(`${api}/orders/${ord.orderId}/payment/cash-collected`, `courier: cash for ${ord.number}`, [200], { method: 'POST', token: courier.token, json: {} });
    paymentStatus = paid.body.data.status as string;
  }
  const delivered = await call(`${api}/deliveries/${ord.deliveryId}/status`, `courier: delivered ${ord.number}`, [200], { method: 'POST', token: courier.token, json: { status: 'delivered' } });
  o.step(`courier of ${ord.number} streamed ${fixesSent - before} fixes to the door: at_dropoff by the geofence${o.paymentMethod === 'cash' ? `, collected ${money(ord.totalMinor)} in cash` : ''}, ${delivered.body.data.status}`);

  const readOrder = async () => (await call(`${api}/orders/${ord.orderId}`, 'customer: read order', [200], { token: o.customerToken })).body.data as { status: string; timeline: Record<string, string> };
  await until(`${ord.number} completed`, async () => (await readOrder()).status === 'completed');
  await until(`${ord.number} completed on the customer's socket`, () => watched.orderStatuses.includes('completed'), 10_000);
  const order = await readOrder();
  if (!paymentStatus) paymentStatus = (await call(`${api}/orders/${ord.orderId}/payment`, 'customer: payment', [200], { token: o.customerToken })).body.data.status as string;
  o.step(`${ord.number} ${order.status}; the customer saw ${watched.positions} positions live, delivery ${watched.deliveryStatuses.join(' → ')}, order ${watched.orderStatuses.join(' → ')}`);
  return { orderId: ord.orderId, deliveryId: ord.deliveryId, courierId: courier.courierId, fixesSent, status: order.status, timeline: order.timeline, deliveryStatus: delivered.body.data.status as string, paymentStatus, watched };
}
