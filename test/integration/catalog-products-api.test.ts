import { expect } from 'chai';
import sharp from 'sharp';
import { startTestApp, http, type TestApp } from '../helpers/app.js';
import { signUp, signUpAdmin, type Session } from '../helpers/identity.js';

const rnd = () => Math.random().toString(36).slice(2, 10);

describe('catalog over HTTP: categories, products, pictures and stock (bad input changes nothing)', function () {
  this.timeout(120_000);
  let app: TestApp;
  let owner: Session;
  let admin: Session;
  let storeId: string;
  const call = (path: string, init: Parameters<typeof http>[1] = {}, who: Session = owner) => http(`${app.url}${path}`, { token: who.accessToken, ...init });
  const newProduct = (variants: unknown[], extra: Record<string, unknown> = {}) => call(`/api/v1/stores/${storeId}/products`, { method: 'POST', json: { name: { ar: 'قهوة', en: 'Coffee' }, variants, ...extra } });

  before(async () => {
    app = await startTestApp();
    owner = await signUp(app, 'store_owner');
    admin = await signUpAdmin(app, 'super_admin');
    storeId = (await call('/api/v1/stores', { method: 'POST', json: { name: 'Roastery', address: '5 Souq St', location: { lat: 33.51, lng: 36.28 } } })).body.data.id;
  });
  after(async () => {
    await app?.stop();
  });

  it('when prices are negative, fractional or absurd, then 400 names the field and no product is stored', async () => {
    for (const price of [-1, 10.5, 1e12]) {
      const r = await newProduct([{ sku: `S-${rnd()}`, price }]);
      expect(r.status, String(price)).to.equal(400);
      expect(r.body.error.code).to.equal('VALIDATION_ERROR');
      expect(JSON.stringify(r.body.error.details)).to.include('variants.0.price');
    }
    const below = await newProduct([{ sku: `S-${rnd()}`, price: 500, compareAtPrice: 400 }]);
    expect(below.status).to.equal(400);
    expect((await call(`/api/v1/stores/${storeId}/products`)).body.data.pagination.total).to.equal(0);
  });

  it('when a SKU is already used in the store, then 409 and the first product stays as it was', async () => {
    const sku = `DUP-${rnd()}`;
    const first = await newProduct([{ sku, price: 1200 }]);
    expect(first.status).to.equal(201);
    const second = await newProduct([{ sku: `OK-${rnd()}`, price: 100 }, { sku, price: 100 }]);
    expect(second.status).to.equal(409);
    expect(second.body.error.details[0]).to.deep.include({ field: 'variants.1.sku', reason: 'duplicate_sku' });
    const other = await newProduct([{ sku: `P-${rnd()}`, price: 100 }]);
    const patched = await call(`/api/v1/products/${other.body.data.id}`, { method: 'PATCH', json: { variants: [{ sku, price: 1 }] } });
    expect(patched.status).to.equal(409);
    expect((await call(`/api/v1/products/${other.body.data.id}`)).body.data.variants[0].price).to.equal(100);
    expect((await call(`/api/v1/stores/${storeId}/products`)).body.data.pagination.total).to.equal(2);
  });

  it('when a picture is uploaded, then its sizes are served with immutable cache headers; text is 415, a huge body 413', async () => {
    const p = (await newProduct([{ sku: `IMG-${rnd()}`, price: 900 }])).body.data;
    const png = await sharp({ create: { width: 2000, height: 1000, channels: 4, background: { r: 200, g: 30, b: 30, alpha: 0.5 } } }).png().toBuffer();
    const up = await call(`/api/v1/products/${p.id}/images?alt=cup`, { method: 'POST', body: png, headers: { 'content-type': 'application/octet-stream' } });
    expect(up.status).to.equal(201);
    const sizes = up.body.data.images[0].sizes;
    expect(sizes.thumb).to.deep.include({ width: 160, height: 80 });
    expect(sizes.large).to.deep.include({ width: 1600, height: 800 });
    const served = await fetch(`${app.url}${sizes.thumb.url}`);
    expect(served.status).to.equal(200);
    expect(served.headers.get('content-type')).to.equal('image/jpeg');
    expect(served.headers.get('cache-control')).to.equal('public, max-age=31536000, immutable');
    expect((await sharp(Buffer.from(await served.arrayBuffer())).metadata()).format).to.equal('jpeg');
    expect((await fetch(`${app.url}${sizes.thumb.url.replace(/-[0-9a-f]{16}\.jpg$/, '-0000000000000000.jpg')}`)).status, 'a stale hash').to.equal(404);

    const text = await call(`/api/v1/products/${p.id}/images`, { method: 'POST', body: Buffer.from('<?php echo 1; ?>'.repeat(20)), headers: { 'content-type': 'image/png' } });
    expect(text.status).to.equal(415);
    expect(text.body.error.code).to.equal('UNSUPPORTED_MEDIA_TYPE');
    const huge = await call(`/api/v1/products/${p.id}/images`, { method: 'POST', body: Buffer.alloc(9 * 1024 * 1024, 1), headers: { 'content-type': 'image/png' } });
    expect(huge.status).to.equal(413);
    expect((await call(`/api/v1/products/${p.id}`)).body.data.images).to.have.length(1);
  });

  it('when a category moves under its own descendant, then CATEGORY_CYCLE; deleting a non-empty one is CATEGORY_NOT_EMPTY unless reparent', async () => {
    const mk = async (slug: string, parentId: string | null) => (await call('/api/v1/categories', { method: 'POST', json: { slug, parentId, name: { ar: slug, en: slug } } }, admin)).body.data;
    const s = rnd();
    const food = await mk(`food-${s}`, null);
    const bakery = await mk(`bakery-${s}`, food.id);
    const bread = await mk(`bread-${s}`, bakery.id);
    expect(bread.ancestorIds).to.deep.equal([food.id, bakery.id]);
    const cycle = await call(`/api/v1/categories/${food.id}`, { method: 'PATCH', json: { parentId: bread.id } }, admin);
    expect(cycle.status).to.equal(422);
    expect(cycle.body.error.code).to.equal('CATEGORY_CYCLE');
    expect((await call(`/api/v1/categories/${food.id}`)).body.data.parentId).to.equal(null);
    const dup = await call('/api/v1/categories', { method: 'POST', json: { slug: `food-${s}`, name: { ar: 'x', en: 'x' } } }, admin);
    expect(dup.status).to.equal(409);

    const product = (await newProduct([{ sku: `CAT-${rnd()}`, price: 300 }], { categoryId: bakery.id })).body.data;
    const refused = await call(`/api/v1/categories/${bakery.id}`, { method: 'DELETE' }, admin);
    expect(refused.status).to.equal(409);
    expect(refused.body.error.code).to.equal('CATEGORY_NOT_EMPTY');
    const done = await call(`/api/v1/categories/${bakery.id}?reparent=true`, { method: 'DELETE' }, admin);
    expect(done.body.data).to.deep.equal({ deleted: true, movedChildren: 1, movedProducts: 1 });
    expect((await call(`/api/v1/categories/${bread.id}`)).body.data).to.deep.include({ parentId: food.id, ancestorIds: [food.id] });
    expect((await call(`/api/v1/products/${product.id}`)).body.data.categoryId).to.equal(food.id);
    expect((await call('/api/v1/categories', { method: 'POST', json: { slug: `x-${s}`, name: { ar: 'x', en: 'x' } } })).status, 'a store owner').to.equal(403);
  });

  it('when an adjustment would take stock below 0, then INSUFFICIENT_STOCK and nothing changes; a repeated key records once', async () => {
    const variantId = (await newProduct([{ sku: `STK-${rnd()}`, price: 700 }])).body.data.variants[0].id;
    const move = (kind: string, quantity: number, key = `k-${rnd()}-${rnd()}`) => call(`/api/v1/variants/${variantId}/stock/movements`, { method: 'POST', json: { kind, quantity, key } });
    const key = `receipt-${rnd()}`;
    expect((await move('receipt', 5, key)).body.data).to.deep.include({ onHand: 5, available: 5 });
    expect((await move('receipt', 5, key)).body.data.onHand, 'the retry').to.equal(5);
    const below = await move('adjustment', -6);
    expect(below.status).to.equal(409);
    expect(below.body.error.code).to.equal('INSUFFICIENT_STOCK');
    expect((await move('receipt', -2)).status).to.equal(400);
    expect((await move('adjustment', 1.5)).status).to.equal(400);
    expect((await call(`/api/v1/variants/${variantId}/stock`)).body.data).to.deep.include({ onHand: 5, reserved: 0, available: 5 });
    expect((await call(`/api/v1/variants/${variantId}/stock/movements`)).body.data.pagination.total).to.equal(1);
  });
});
