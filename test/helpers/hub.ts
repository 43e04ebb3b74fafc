import { io as ioClient, type Socket } from 'socket.io-client';
import type { Principal } from '../../domain/shared/principal.js';
import { http, type TestApp } from './app.js';
import { signUp, signUpAdmin, type Session } from './identity.js';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]);

/** Connects to a namespace with a token; rejects with the connect_error (its `data.code`) when refused. */
export function connect(url: string, nsp: '/courier' | '/customer' | '/ops', token: string | undefined, opts: { origin?: string } = {}): Promise<Socket> {
  const socket = ioClient(`${url}${nsp}`, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: 5_000,
    ...(token === undefined ? {} : { auth: { token } }),
    ...(opts.origin ? { extraHeaders: { origin: opts.origin } } : {}),
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

/** Emits and waits for the ack. */
export function emitAck<T = any>(socket: Socket, event: string, ...args: unknown[]): Promise<T> {
  return socket.timeout(5_000).emitWithAck(event, ...args) as Promise<T>;
}

/** The next `event` on the socket that satisfies `match`. */
export function nextEvent<T = any>(socket: Socket, event: string, match: (payload: T) => boolean = () => true, timeoutMs = 5_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, on);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (payload: T) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      socket.off(event, on);
      resolve(payload);
    };
    socket.on(event, on);
  });
}

/** Collects every `event` payload the socket receives. */
export function record<T = any>(socket: Socket, event: string): T[] {
  const seen: T[] = [];
  socket.on(event, (p: T) => seen.push(p));
  return seen;
}

export const disconnected = (socket: Socket): Promise<string> =>
  new Promise((resolve) => (socket.disconnected ? resolve('already') : socket.once('disconnect', (reason) => resolve(reason))));

/** A courier who may go online: verified phone, complete profile, approved documents. */
export async function verifiedCourier(app: TestApp, admin?: Session): Promise<Session> {
  const courier = await signUp(app, 'courier');
  const api = (p: string) => `${app.url}/api/v1${p}`;
  const profile = await http(api(`/accounts/${courier.accountId}/profile`), { method: 'PATCH', token: courier.accessToken, json: { name: 'Sami', vehicleType: 'motorbike', capacityKg: 25 } });
  if (profile.status !== 200) throw new Error(`profile ${profile.status}`);
  const up = await http(api(`/accounts/${courier.accountId}/documents?kind=driving_license`), { method: 'POST', token: courier.accessToken, headers: { 'content-type': 'image/png' }, body: PNG });
  if (up.status !== 201) throw new Error(`upload ${up.status}`);
  const verifier = admin ?? (await signUpAdmin(app, 'verifier'));
  const ok = await http(api(`/admin/accounts/${courier.accountId}/verification`), { method: 'POST', token: verifier.accessToken, json: { decision: 'approve', reason: 'licence checked' } });
  if (ok.status !== 200) throw new Error(`approve ${ok.status}`);
  return courier;
}

export const principalOf = (app: TestApp, session: Session): Promise<Principal> =>
  Promise.resolve(app.system.composed.container.cradle.accessTokens.verify(session.accessToken));

let orderSeq = 0;

/** A store of `owner` and one delivery of `customer` from it, assigned to `courier` when given (through the real use cases). */
export async function deliveryFor(
  app: TestApp,
  parts: { owner: Session; customer: Session; courier?: Session; pickup?: { lat: number; lng: number }; dropoff?: { lat: number; lng: number } },
): Promise<{ storeId: string; deliveryId: string; orderId: string }> {
  const c = app.system.composed.container.cradle;
  const owner = await principalOf(app, parts.owner);
  const pickup = parts.pickup ?? { lat: 33.5138, lng: 36.2765 };
  const store = await c.createStore.execute(owner, { name: 'Corner shop', address: '1 Straight St', location: pickup });
  const orderId = `ord-${process.pid}-${++orderSeq}-${Date.now()}`;
  const delivery = await c.createDelivery.execute(owner, { orderId, storeId: store.id, customerId: parts.customer.accountId, pickup, dropoff: parts.dropoff ?? { lat: 33.52, lng: 36.29 } });
  if (parts.courier) await c.assignCourier.execute(owner, delivery.id, parts.courier.accountId);
  return { storeId: store.id, deliveryId: delivery.id, orderId };
}

/** Polls `check` until it holds, or throws after `ms`. */
export async function waitUntil(check: () => Promise<boolean> | boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('condition not met in time');
}
