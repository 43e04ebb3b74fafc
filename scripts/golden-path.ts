import { randomUUID } from 'node:crypto';
import type { Role } from '../domain/shared/principal.js';
import { deliverOrders, type DeliveredOrder } from './golden-path-couriers.js';

/**
 * The golden path over HTTP, as its users would walk it: two store owners open
 * approved, stocked stores with a zone; a customer adds an address, finds the
 * stores that deliver there, fills a cart from both and checks out with an
 * Idempotency-Key; both stores confirm, prepare and mark ready; given a way to
 * read SMS codes, a courier per order is assigned, streams fixes through the hub
 * while the customer watches, and delivers (scripts/golden-path-couriers.ts). Shared by `npm run demo` (against a running `npm start`) and
 * the end-to-end test (which asserts on what this returns), so both walk the
 * same flow. Any unexpected answer throws with the step's name and the body.
 */

export interface GoldenPathOptions {
  url: string;
  /** Access tokens for the store owners and the verifier: the app's own signing (the way `npm run token` does). */
  mint: (role: Role, sub: string, perms?: string[]) => string;
  customerToken: string;
  paymentMethod: 'card' | 'cash';
  /** Have both stores confirm, prepare and mark the orders ready (default true). */
  prepare?: boolean;
  /**
   * The verification code the app sent by SMS to `phone`. Given it (and `prepare`), each ready order gets a
   * courier who registers, is assigned, streams fixes to the pickup and the door and delivers, while the customer watches.
   */
  smsCode?: (phone: string) => Promise<string>;
  /** Called once per finished step with one readable line. */
  step: (line: string) => void;
}

export interface GoldenPathStore {
  storeId: string;
  name: string;
  ownerToken: string;
  variantIds: string[];
}

export interface GoldenPathResult {
  stores: GoldenPathStore[];
  addressId: string;
  nearStoreIds: string[];
  idempotencyKey: string;
  checkout: {
    id: string;
    orders: { orderId: string; number: string; storeId: string; subtotalMinor: number; deliveryFeeMinor: number; vatMinor: number; totalMinor: number }[];
    totals: { subtotalMinor: number; deliveryFeesMinor: number; vatMinor: number; totalMinor: number };
  };
  replayed: boolean;
  /** Per order, after its store confirmed and marked it ready: its status and its delivery. */
  prepared: { orderId: string; status: string; timeline: Record<string, string>; deliveryId: string; deliveryStatus: string }[];
  /** Per order, after its courier delivered it (only with `smsCode`). */
  delivered: DeliveredOrder[];
}

export const DAMASCUS = { lat: 33.5138, lng: 36.2765 };
const ALWAYS_OPEN = { timeZone: 'UTC', weekly: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => ({ day, opens: '00:00', closes: '24:00' })) };
// The smallest document the upload accepts as a PDF: the store's licence for the verifier.
const LICENCE_PDF = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(200, 0x20), Buffer.from('\n%%EOF')]);

type Answer = { status: number; body: any };

async function call(url: string, what: string, expected: number[], init: { method?: string; token?: string; json?: unknown; body?: Buffer; headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  if (init.json !== undefined) headers.set('content-type', 'application/json');
  const res = await fetch(url, { method: init.method ?? 'GET', headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: shown as text below */
  }
  if (!expected.includes(res.status)) throw new Error(`${what}: ${init.method ?? 'GET'} ${url} answered ${res.status}, expected ${expected.join('|')}: ${JSON.stringify(body).slice(0, 600)}`);
  return { status: res.status, body };
}

async function until(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const money = (minor: number) => (minor / 100).toFixed(2);

async function openApprovedStore(o: GoldenPathOptions, name: string, at: { lat: number; lng: number }, prices: number[]): Promise<GoldenPathStore> {
  const api = `${o.url}/api/v1`;
  const ownerToken = o.mint('store_owner', `demo-owner-${randomUUID()}`);
  const verifier = o.mint('admin', `demo-verifier-${randomUUID()}`, ['verification:decide']);
  const created = await call(`${api}/stores`, `${name}: open the store`, [201], { method: 'POST', token: ownerToken, json: { name, address: '1 Straight St, Damascus', location: at } });
  const storeId = created.body.data.id as string;
  await call(`${api}/stores/${storeId}`, `${name}: hours`, [200], { method: 'PATCH', token: ownerToken, json: { hours: ALWAYS_OPEN, minimumOrder: 0 } });
  await call(`${api}/stores/${storeId}/zone`, `${name}: zone`, [200], { method: 'PUT', token: ownerToken, json: { kind: 'radius', center: at, radiusM: 5_000 } });
  await call(`${api}/stores/${storeId}/documents?kind=business_license`, `${name}: licence`, [201], { method: 'POST', token: ownerToken, body: LICENCE_PDF, headers: { 'content-type': 'application/pdf' } });
  await call(`${api}/admin/stores/${storeId}/verification`, `${name}: approval`, [200], { method: 'POST', token: verifier, json: { decision: 'approve', reason: 'licence checked' } });
  const variantIds: string[] = [];
  for (const [i, price] of prices.entries()) {
    const p = await call(`${api}/stores/${storeId}/products`, `${name}: product`, [201], { method: 'POST', token: ownerToken, json: { name: { ar: 'منتج', en: `${name} item ${i + 1}` }, status: 'active', variants: [{ sku: `SKU-${randomUUID().slice(0, 8)}`, price }] } });
    const variantId = p.body.data.variants[0].id as string;
    await call(`${api}/variants/${variantId}/stock/movements`, `${name}: stock`, [201], { method: 'POST', token: ownerToken, json: { kind: 'receipt', quantity: 20, key: `demo-${randomUUID()}` } });
    variantIds.push(variantId);
  }
  o.step(`store "${name}" open: approved, zone 5 km, ${prices.length} products (${prices.map(money).join(', ')}), 20 of each in stock`);
  return { storeId, name, ownerToken, variantIds };
}

export async function walkGoldenPath(o: GoldenPathOptions): Promise<GoldenPathResult> {
  const api = `${o.url}/api/v1`;
  const tag = randomUUID().slice(0, 4);
  const bakery = await openApprovedStore(o, `Bakery ${tag}`, { lat: DAMASCUS.lat + 0.004, lng: DAMASCUS.lng }, [12_500, 3_000]);
  const grocer = await openApprovedStore(o, `Grocer ${tag}`, { lat: DAMASCUS.lat, lng: DAMASCUS.lng + 0.005 }, [7_000]);

  const address = await call(`${api}/addresses`, 'customer: address', [201], { method: 'POST', token: o.customerToken, json: { label: 'Home', line: '12 Baghdad St, Damascus', point: DAMASCUS } });
  const addressId = address.body.data.id as string;
  o.step(`customer address added: ${DAMASCUS.lat}, ${DAMASCUS.lng}`);

  const near = await call(`${api}/stores/near?addressId=${addressId}&limit=100`, 'customer: stores near', [200], { token: o.customerToken });
  const nearStoreIds = (near.body.data.items as { store: { id: string } }[]).map((s) => s.store.id);
  for (const s of [bakery, grocer]) if (!nearStoreIds.includes(s.storeId)) throw new Error(`stores near: ${s.name} does not deliver to the address`);
  o.step(`stores near the address: ${nearStoreIds.length} deliver there, both new stores among them`);

  const lines = [
    { variantId: bakery.variantIds[0]!, quantity: 2 },
    { variantId: bakery.variantIds[1]!, quantity: 1 },
    { variantId: grocer.variantIds[0]!, quantity: 3 },
  ];
  for (const l of lines) await call(`${api}/cart/lines`, 'customer: cart line', [200, 201], { method: 'POST', token: o.customerToken, json: l });
  await call(`${api}/cart/destination`, 'customer: cart destination', [200], { method: 'PUT', token: o.customerToken, json: { addressId } });
  o.step(`cart filled from 2 stores: ${lines.length} lines, ${lines.reduce((s, l) => s + l.quantity, 0)} units, delivered to the address`);

  const idempotencyKey = randomUUID();
  const body = o.paymentMethod === 'card' ? { paymentMethod: 'card', paymentMethodToken: 'pm_card_visa' } : { paymentMethod: 'cash' };
  const placed = await call(`${api}/checkout`, 'customer: checkout', [201], { method: 'POST', token: o.customerToken, json: body, headers: { 'Idempotency-Key': idempotencyKey } });
  const checkout = placed.body.data as GoldenPathResult['checkout'];
  for (const ord of checkout.orders) {
    const store = [bakery, grocer].find((s) => s.storeId === ord.storeId);
    o.step(`order ${ord.number} (${store?.name ?? ord.storeId}): ${money(ord.subtotalMinor)} + delivery ${money(ord.deliveryFeeMinor)} + VAT ${money(ord.vatMinor)} = ${money(ord.totalMinor)}`);
  }
  o.step(`checkout ${checkout.id} placed by ${o.paymentMethod}${o.paymentMethod === 'card' ? ' (one hold per order)' : ''}: total ${money(checkout.totals.totalMinor)}`);

  const again = await fetch(`${api}/checkout`, { method: 'POST', headers: { authorization: `Bearer ${o.customerToken}`, 'content-type': 'application/json', 'Idempotency-Key': idempotencyKey }, body: JSON.stringify(body) });
  const replayBody = (await again.json()) as { data?: { id?: string } };
  const replayed = again.headers.get('idempotent-replayed') === 'true' && replayBody.data?.id === checkout.id;
  if (!replayed) throw new Error(`checkout retry with the same Idempotency-Key answered ${again.status} without replaying: ${JSON.stringify(replayBody).slice(0, 300)}`);
  o.step(`checkout retried with the same Idempotency-Key: the first answer replayed, nothing placed twice`);

  const prepared: GoldenPathResult['prepared'] = [];
  const readyOrders: Parameters<typeof deliverOrders>[2] = [];
  for (const ord of o.prepare === false ? [] : checkout.orders) {
    const store = [bakery, grocer].find((s) => s.storeId === ord.storeId)!;
    // A card order is the store's to accept once its hold is recorded (placed → awaiting_payment, through the outbox).
    const ready = o.paymentMethod === 'card' ? 'awaiting_payment' : 'placed';
    await until(`${ord.number} ${ready}`, async () => (await call(`${api}/orders/${ord.orderId}`, 'customer: read order', [200], { token: o.customerToken })).body.data.status === ready);
    for (const move of ['confirm', 'preparing', 'ready']) await call(`${api}/orders/${ord.orderId}/${move}`, `${store.name}: ${move}`, [200], { method: 'POST', token: store.ownerToken, json: {} });
    const order = (await call(`${api}/orders/${ord.orderId}`, 'customer: read order', [200], { token: o.customerToken })).body.data as { status: string; timeline: Record<string, string> };
    const list = await call(`${api}/deliveries?storeId=${store.storeId}&limit=100`, `${store.name}: deliveries`, [200], { token: store.ownerToken });
    const delivery = (list.body.data.items as { id: string; orderId: string; status: string }[]).find((d) => d.orderId === ord.orderId);
    if (!delivery) throw new Error(`${ord.number}: no delivery after the store confirmed`);
    prepared.push({ orderId: ord.orderId, status: order.status, timeline: order.timeline, deliveryId: delivery.id, deliveryStatus: delivery.status });
    readyOrders.push({ orderId: ord.orderId, number: ord.number, totalMinor: ord.totalMinor, deliveryId: delivery.id, storeName: store.name, ownerToken: store.ownerToken });
    o.step(`${store.name} confirmed${o.paymentMethod === 'card' ? ' (card captured)' : ''}, prepared and marked ${ord.number} ${order.status}; its delivery ${delivery.id} is ${delivery.status}`);
  }

  const delivered = o.smsCode && readyOrders.length > 0
    ? await deliverOrders({ url: o.url, mint: o.mint, smsCode: o.smsCode, customerToken: o.customerToken, paymentMethod: o.paymentMethod, step: o.step }, call, readyOrders)
    : [];

  return { stores: [bakery, grocer], addressId, nearStoreIds, idempotencyKey, checkout, replayed, prepared, delivered };
}
