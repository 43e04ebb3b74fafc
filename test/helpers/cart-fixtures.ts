import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { http, type TestApp } from './app.js';
import { approveStore, giveZone } from './stores.js';

/** Open every day, all day (a store without hours is never open now). */
export const ALWAYS_OPEN = { timeZone: 'UTC', weekly: (['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const).map((day) => ({ day, opens: '00:00', closes: '24:00' })) };

export interface Shop {
  storeId: string;
  productId: string;
  /** One per `variants` entry, in order. */
  variantIds: string[];
}

/**
 * A listed store (approved, open all day, with a radius zone) selling one
 * active product whose variants have the given prices and stock, all over
 * HTTP as its owner would do it (the approval through the repository).
 */
export async function shopWithStock(app: TestApp, ownerToken: string, opts: {
  location: { lat: number; lng: number };
  zoneRadiusM?: number;
  minimumOrder?: number;
  variants: { price: number; stock: number; backorder?: boolean }[];
}): Promise<Shop> {
  const call = (path: string, init: Parameters<typeof http>[1] = {}) => http(`${app.url}${path}`, { token: ownerToken, ...init });
  const store = await call('/api/v1/stores', { method: 'POST', json: { name: `Shop ${randomUUID().slice(0, 6)}`, address: '1 Straight St', location: opts.location, hours: ALWAYS_OPEN, minimumOrder: opts.minimumOrder ?? 0 } });
  expect(store.status, JSON.stringify(store.body)).to.equal(201);
  const storeId = store.body.data.id as string;
  await approveStore(app, storeId);
  await giveZone(app, ownerToken, storeId, opts.location, opts.zoneRadiusM ?? 3_000);
  const product = await call(`/api/v1/stores/${storeId}/products`, {
    method: 'POST',
    json: { name: { ar: 'خبز', en: 'Bread' }, status: 'active', variants: opts.variants.map((v, i) => ({ sku: `V${i}-${randomUUID().slice(0, 8)}`, price: v.price })) },
  });
  expect(product.status, JSON.stringify(product.body)).to.equal(201);
  const variantIds = (product.body.data.variants as { id: string }[]).map((v) => v.id);
  for (const [i, v] of opts.variants.entries()) {
    if (v.stock > 0) {
      const r = await call(`/api/v1/variants/${variantIds[i]}/stock/movements`, { method: 'POST', json: { kind: 'receipt', quantity: v.stock, key: `fixture-${randomUUID()}` } });
      expect(r.status, JSON.stringify(r.body)).to.equal(201);
    }
    if (v.backorder) expect((await call(`/api/v1/variants/${variantIds[i]}/stock`, { method: 'PATCH', json: { allowBackorder: true } })).status).to.equal(200);
  }
  return { storeId, productId: product.body.data.id, variantIds };
}
