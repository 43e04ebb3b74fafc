import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { http, type TestApp } from './app.js';
import { openStore, giveZone } from './stores.js';

/**
 * A marketplace to check out from, built over HTTP as its users would: stores open
 * around the clock with a zone and stocked products, customers with an address and a
 * cart. Shared by the checkout tests, the benchmark and the demo.
 */
export const DAMASCUS = { lat: 33.5138, lng: 36.2765 };
const ALWAYS_OPEN = { timeZone: 'UTC', weekly: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => ({ day, opens: '00:00', closes: '24:00' })) };

export interface SeededStore {
  storeId: string;
  ownerToken: string;
  variants: { variantId: string; productId: string; price: number }[];
}

export interface StoreSpec {
  location?: { lat: number; lng: number };
  zoneRadiusM?: number;
  minimumOrder?: number;
  /** One product per entry: its price (minor units) and units in stock. */
  products: { price: number; stock: number }[];
  open?: boolean;
}

export async function seedStore(app: TestApp, spec: StoreSpec): Promise<SeededStore> {
  const ownerToken = app.token('store_owner', `owner-${randomUUID()}`);
  const location = spec.location ?? DAMASCUS;
  const storeId = await openStore(app, ownerToken, location);
  const patch = await http(`${app.url}/api/v1/stores/${storeId}`, { method: 'PATCH', token: ownerToken, json: { hours: spec.open === false ? { timeZone: 'UTC', weekly: [] } : ALWAYS_OPEN, minimumOrder: spec.minimumOrder ?? 0 } });
  expect(patch.status, JSON.stringify(patch.body)).to.equal(200);
  await giveZone(app, ownerToken, storeId, location, spec.zoneRadiusM ?? 5_000);
  const variants: SeededStore['variants'] = [];
  for (const p of spec.products) {
    const r = await http(`${app.url}/api/v1/stores/${storeId}/products`, { method: 'POST', token: ownerToken, json: { name: { ar: 'منتج', en: `Item ${randomUUID().slice(0, 6)}` }, status: 'active', variants: [{ sku: `SKU-${randomUUID().slice(0, 8)}`, price: p.price }] } });
    expect(r.status, JSON.stringify(r.body)).to.equal(201);
    const variantId = r.body.data.variants[0].id as string;
    if (p.stock > 0) {
      const s = await http(`${app.url}/api/v1/variants/${variantId}/stock/movements`, { method: 'POST', token: ownerToken, json: { kind: 'receipt', quantity: p.stock, key: `seed-${randomUUID()}` } });
      expect(s.status, JSON.stringify(s.body)).to.equal(201);
    }
    variants.push({ variantId, productId: r.body.data.id, price: p.price });
  }
  return { storeId, ownerToken, variants };
}

export interface SeededCustomer {
  token: string;
  customerId: string;
  addressId: string;
}

/** A customer with one address at `point`, chosen on their cart when the cart gets its first line. */
export async function seedCustomer(app: TestApp, point = DAMASCUS): Promise<SeededCustomer> {
  const customerId = `cust-${randomUUID()}`;
  const token = app.token('customer', customerId);
  const a = await http(`${app.url}/api/v1/addresses`, { method: 'POST', token, json: { label: 'Home', line: '12 Baghdad St, Damascus', point } });
  expect(a.status, JSON.stringify(a.body)).to.equal(201);
  return { token, customerId, addressId: a.body.data.id };
}

/** Fills the customer's cart over the cart API and points it at their address. */
export async function fillCart(app: TestApp, c: SeededCustomer, lines: { variantId: string; quantity: number }[]): Promise<void> {
  for (const l of lines) {
    const r = await http(`${app.url}/api/v1/cart/lines`, { method: 'POST', token: c.token, json: l });
    expect(r.status, JSON.stringify(r.body)).to.be.oneOf([200, 201]);
  }
  const d = await http(`${app.url}/api/v1/cart/destination`, { method: 'PUT', token: c.token, json: { addressId: c.addressId } });
  expect(d.status, JSON.stringify(d.body)).to.equal(200);
}

export function checkout(app: TestApp, c: SeededCustomer, body: Record<string, unknown>, key: string | null = randomUUID()) {
  return http(`${app.url}/api/v1/checkout`, { method: 'POST', token: c.token, json: body, headers: key === null ? {} : { 'Idempotency-Key': key } });
}

export async function stockOf(app: TestApp, store: SeededStore, variantId: string): Promise<{ onHand: number; reserved: number; available: number }> {
  const r = await http(`${app.url}/api/v1/variants/${variantId}/stock`, { token: store.ownerToken });
  expect(r.status, JSON.stringify(r.body)).to.equal(200);
  return r.body.data;
}
