import { expect } from 'chai';
import { startTestApp, http, type TestApp } from '../helpers/app.js';
import { signUp, signUpAdmin, type Session } from '../helpers/identity.js';
import { shopWithStock, type Shop } from '../helpers/cart-fixtures.js';
import { MAX_LINE_QUANTITY } from '../../domain/ordering/cart.js';

const HERE = { lat: 33.51, lng: 36.28 };
/** About 1 km north of HERE: inside a 3 km zone, in the first fee band (≤ 2 km). */
const NEAR = { lat: 33.519, lng: 36.28 };
/** About 5.5 km north: outside a 3 km zone. */
const FAR = { lat: 33.56, lng: 36.28 };

describe('cart over HTTP: lines checked against stock, product and store; grouped by store with fees and shortfall', function () {
  this.timeout(180_000);
  let app: TestApp;
  let owner: Session;
  let customer: Session;
  let bakery: Shop;
  let grocer: Shop;
  const call = (path: string, init: Parameters<typeof http>[1] = {}, who: Session | null = customer) => http(`${app.url}${path}`, { ...(who ? { token: who.accessToken } : {}), ...init });
  const add = (variantId: string, quantity: number, who: Session | null = customer, headers: Record<string, string> = {}) =>
    call('/api/v1/cart/lines', { method: 'POST', json: { variantId, quantity }, headers }, who);
  const asOwner = (path: string, init: Parameters<typeof http>[1] = {}) => call(path, init, owner);

  before(async () => {
    app = await startTestApp();
    owner = await signUp(app, 'store_owner');
    customer = await signUp(app, 'customer');
    bakery = await shopWithStock(app, owner.accessToken, { location: HERE, minimumOrder: 2_000, variants: [{ price: 500, stock: 5 }, { price: 1_200, stock: 0, backorder: true }, { price: 300, stock: 0 }] });
    grocer = await shopWithStock(app, owner.accessToken, { location: { lat: 33.515, lng: 36.28 }, variants: Array.from({ length: 10 }, (_, i) => ({ price: 100 + i, stock: 50 })) });
  });
  after(async () => {
    await app?.stop();
  });

  it('when a customer adds lines from two stores, then the cart groups them by store with subtotals at today\'s prices and the shortfall under the store minimum', async () => {
    const who = await signUp(app, 'customer');
    expect((await call('/api/v1/cart', {}, who)).body.data).to.deep.include({ id: null, kind: 'customer', groups: [] });
    expect((await add(bakery.variantIds[0]!, 2, who)).status).to.equal(200);
    const r = await add(grocer.variantIds[0]!, 3, who);
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    const cart = r.body.data;
    expect(cart.kind).to.equal('customer');
    const [b, g] = [cart.groups.find((x: any) => x.store.id === bakery.storeId), cart.groups.find((x: any) => x.store.id === grocer.storeId)];
    expect(b).to.deep.include({ subtotalMinor: 1_000, minimumOrderMinor: 2_000, shortfallMinor: 1_000, openNow: true, delivery: null });
    expect(g).to.deep.include({ subtotalMinor: 300, shortfallMinor: 0 });
    expect(b.lines[0]).to.deep.include({ variantId: bakery.variantIds[0], quantity: 2, priceAtAddMinor: 500, unitPriceMinor: 500, lineTotalMinor: 1_000, priceChanged: false, problem: null });
    expect(cart).to.deep.include({ itemsSubtotalMinor: 1_300, deliveryFeesMinor: 0, totalMinor: 1_300, checkoutReady: false });
    const again = await add(bakery.variantIds[0]!, 1, who);
    expect(again.body.data.groups.find((x: any) => x.store.id === bakery.storeId).lines[0].quantity, 'adding again adds up').to.equal(3);
  });

  it('when the customer chooses a saved address, then each store shows its fee band and whether it delivers there; a point outside the zone says outside_zone', async () => {
    const who = await signUp(app, 'customer');
    await add(bakery.variantIds[0]!, 4, who);
    const address = await call('/api/v1/addresses', { method: 'POST', json: { label: 'Home', line: '3 Curve St', point: NEAR } }, who);
    const chosen = await call('/api/v1/cart/destination', { method: 'PUT', json: { addressId: address.body.data.id } }, who);
    expect(chosen.status, JSON.stringify(chosen.body)).to.equal(200);
    expect(chosen.body.data.destination).to.deep.equal({ addressId: address.body.data.id, point: NEAR });
    const group = chosen.body.data.groups[0];
    expect(group.delivery).to.deep.include({ deliversHere: true, feeMinor: 50_000, reason: null });
    expect(group.delivery.distanceM).to.be.within(950, 1_050);
    expect(chosen.body.data).to.deep.include({ deliveryFeesMinor: 50_000, totalMinor: 52_000, checkoutReady: true });

    const far = await call('/api/v1/cart/destination', { method: 'PUT', json: { point: FAR } }, who);
    expect(far.body.data.groups[0].delivery).to.deep.include({ deliversHere: false, feeMinor: null, reason: 'outside_zone' });
    expect(far.body.data.checkoutReady).to.equal(false);

    const other = await signUp(app, 'customer');
    const theirs = await call('/api/v1/addresses', { method: 'POST', json: { label: 'Theirs', line: '9 Curve St', point: NEAR } }, other);
    const foreign = await call('/api/v1/cart/destination', { method: 'PUT', json: { addressId: theirs.body.data.id } }, who);
    expect(foreign.status, 'another customer\'s address').to.equal(404);
    expect((await call('/api/v1/cart', {}, who)).body.data.destination.point).to.deep.equal(FAR);
  });

  it('when a line is refused (unknown variant, draft product, closed store, more than the stock, bad quantity), then the coded error names it and the cart is unchanged', async () => {
    const who = await signUp(app, 'customer');
    await add(bakery.variantIds[0]!, 1, who);
    const before = (await call('/api/v1/cart', {}, who)).body.data;

    const tooMany = await add(bakery.variantIds[0]!, 5, who);
    expect(tooMany.status).to.equal(409);
    expect(tooMany.body.error.code).to.equal('INSUFFICIENT_STOCK');
    expect(tooMany.body.error.details[0]).to.deep.include({ reason: 'insufficient_stock', requested: 6, available: 5 });
    expect((await add(bakery.variantIds[2]!, 1, who)).body.error.code, 'no stock at all').to.equal('INSUFFICIENT_STOCK');
    expect((await add('no-such-variant', 1, who)).status).to.equal(404);
    for (const quantity of [0, -1, 1.5, MAX_LINE_QUANTITY + 1]) {
      const r = await add(bakery.variantIds[0]!, quantity, who);
      expect(r.status, String(quantity)).to.equal(400);
      expect(r.body.error.code).to.equal('VALIDATION_ERROR');
    }

    const draft = await shopWithStock(app, owner.accessToken, { location: HERE, variants: [{ price: 100, stock: 10 }] });
    expect((await asOwner(`/api/v1/products/${draft.productId}`, { method: 'PATCH', json: { status: 'draft' } })).status).to.equal(200);
    const unavailable = await add(draft.variantIds[0]!, 1, who);
    expect([unavailable.status, unavailable.body.error.code, unavailable.body.error.details[0].reason]).to.deep.equal([422, 'PRODUCT_UNAVAILABLE', 'product_draft']);

    const shut = await shopWithStock(app, owner.accessToken, { location: HERE, variants: [{ price: 100, stock: 10 }] });
    expect((await asOwner(`/api/v1/stores/${shut.storeId}`, { method: 'PATCH', json: { status: 'closed' } })).status).to.equal(200);
    const closed = await add(shut.variantIds[0]!, 1, who);
    expect([closed.status, closed.body.error.code, closed.body.error.details[0].reason]).to.deep.equal([422, 'STORE_CLOSED', 'store_not_listed']);

    const nightly = await shopWithStock(app, owner.accessToken, { location: HERE, variants: [{ price: 100, stock: 10 }] });
    const shutNow = await asOwner(`/api/v1/stores/${nightly.storeId}`, { method: 'PATCH', json: { temporaryClosure: { until: new Date(Date.now() + 3_600_000).toISOString(), reason: 'Inventory' } } });
    expect(shutNow.status, JSON.stringify(shutNow.body)).to.equal(200);
    const outOfHours = await add(nightly.variantIds[0]!, 1, who);
    expect([outOfHours.status, outOfHours.body.error.code, outOfHours.body.error.details[0].reason]).to.deep.equal([422, 'STORE_CLOSED', 'store_closed_now']);
    expect(outOfHours.body.error.details[0].nextOpeningAt).to.be.a('string');

    const after = (await call('/api/v1/cart', {}, who)).body.data;
    expect(after.version).to.equal(before.version);
    expect(after.groups).to.deep.equal(before.groups);
  });

  it('when a variant takes backorders, then more than the stock may be added; a line is lowered even once its store closed', async () => {
    const who = await signUp(app, 'customer');
    expect((await add(bakery.variantIds[1]!, 7, who)).status).to.equal(200);
    const shop = await shopWithStock(app, owner.accessToken, { location: HERE, variants: [{ price: 100, stock: 10 }] });
    await add(shop.variantIds[0]!, 4, who);
    await asOwner(`/api/v1/stores/${shop.storeId}`, { method: 'PATCH', json: { status: 'closed' } });
    const lower = await call(`/api/v1/cart/lines/${shop.variantIds[0]}`, { method: 'PATCH', json: { quantity: 2 } }, who);
    expect(lower.status, JSON.stringify(lower.body)).to.equal(200);
    const line = lower.body.data.groups.find((g: any) => g.store.id === shop.storeId).lines[0];
    expect(line).to.deep.include({ quantity: 2, problem: 'store_closed' });
    const raise = await call(`/api/v1/cart/lines/${shop.variantIds[0]}`, { method: 'PATCH', json: { quantity: 3 } }, who);
    expect(raise.body.error.code).to.equal('STORE_CLOSED');
    const removed = await call(`/api/v1/cart/lines/${shop.variantIds[0]}`, { method: 'DELETE' }, who);
    expect(removed.body.data.groups.map((g: any) => g.store.id)).to.deep.equal([bakery.storeId]);
    expect((await call(`/api/v1/cart/lines/${shop.variantIds[0]}`, { method: 'DELETE' }, who)).status, 'removing twice').to.equal(200);
    expect((await call('/api/v1/cart/lines/not-in-cart', { method: 'PATCH', json: { quantity: 1 } }, who)).status).to.equal(404);
  });

  it('when the owner changes a price after the line was added, then the line says so and the subtotal uses today\'s price', async () => {
    const who = await signUp(app, 'customer');
    const shop = await shopWithStock(app, owner.accessToken, { location: HERE, variants: [{ price: 1_000, stock: 10 }] });
    await add(shop.variantIds[0]!, 2, who);
    const product = (await asOwner(`/api/v1/products/${shop.productId}`)).body.data;
    const patched = await asOwner(`/api/v1/products/${shop.productId}`, { method: 'PATCH', json: { variants: [{ id: product.variants[0].id, sku: product.variants[0].sku, price: 1_250 }] } });
    expect(patched.status, JSON.stringify(patched.body)).to.equal(200);
    const line = (await call('/api/v1/cart', {}, who)).body.data.groups[0].lines[0];
    expect(line).to.deep.include({ priceAtAddMinor: 1_000, unitPriceMinor: 1_250, lineTotalMinor: 2_500, priceChanged: true });
  });

  it('when 10 adds of different variants arrive at once, then the cart holds all 10 lines', async () => {
    const who = await signUp(app, 'customer');
    const results = await Promise.all(grocer.variantIds.map((v) => add(v, 2, who)));
    expect(results.map((r) => r.status)).to.deep.equal(grocer.variantIds.map(() => 200));
    const cart = (await call('/api/v1/cart', {}, who)).body.data;
    expect(cart.groups[0].lines.map((l: any) => l.variantId).sort()).to.deep.equal([...grocer.variantIds].sort());
    expect(cart.groups[0].lines.every((l: any) => l.quantity === 2)).to.equal(true);
  });

  it('when a guest starts a cart, then only its token reaches it; none is 401, a malformed one 400, an unknown one 404', async () => {
    const started = await call('/api/v1/cart/guest', { method: 'POST' }, null);
    expect(started.status).to.equal(201);
    const token = started.body.data.cartToken as string;
    expect(token).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(started.body.data.cart).to.deep.include({ kind: 'guest', status: 'active', groups: [] });
    const r = await add(bakery.variantIds[0]!, 1, null, { 'x-cart-token': token });
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect((await call('/api/v1/cart', { headers: { 'x-cart-token': token } }, null)).body.data.groups[0].lines[0].quantity).to.equal(1);
    expect((await call('/api/v1/cart', {}, null)).status).to.equal(401);
    expect((await call('/api/v1/cart', { headers: { 'x-cart-token': 'short' } }, null)).status).to.equal(400);
    expect((await call('/api/v1/cart', { headers: { 'x-cart-token': 'A'.repeat(43) } }, null)).status).to.equal(404);
    const guestAddress = await call('/api/v1/cart/destination', { method: 'PUT', json: { addressId: 'x' }, headers: { 'x-cart-token': token } }, null);
    expect(guestAddress.status, 'guests choose a point').to.equal(400);
    expect((await call('/api/v1/cart/destination', { method: 'PUT', json: { point: NEAR }, headers: { 'x-cart-token': token } }, null)).status).to.equal(200);
    expect((await call('/api/v1/cart/guest', { method: 'POST' })).status, 'a signed-in customer has their own cart').to.equal(403);
  });

  it('when /openapi.json is read, then every route that reaches a cart by the guest token declares the X-Cart-Token header (optional), and the guest cart creation does not', async () => {
    const doc = (await http(`${app.url}/openapi.json`)).body;
    const headerOf = (path: string, method: string) => (doc.paths[path]?.[method]?.parameters ?? []).find((p: { in: string; name: string }) => p.in === 'header' && p.name.toLowerCase() === 'x-cart-token');
    for (const [path, method] of [['/api/v1/cart', 'get'], ['/api/v1/cart/lines', 'post'], ['/api/v1/cart/lines/{variantId}', 'patch'], ['/api/v1/cart/lines/{variantId}', 'delete'], ['/api/v1/cart/destination', 'put'], ['/api/v1/cart/merge', 'post']] as const) {
      const h = headerOf(path, method);
      expect(h, `${method} ${path}`).to.deep.include({ name: 'X-Cart-Token', required: false });
      expect(h.description).to.match(/guest/i);
    }
    expect(headerOf('/api/v1/cart/guest', 'post')).to.equal(undefined);
  });

  it('when a courier, a store owner or an admin asks for a cart, then 403', async () => {
    const courier = await signUp(app, 'courier');
    const admin = await signUpAdmin(app);
    for (const who of [courier, owner, admin]) {
      expect((await call('/api/v1/cart', {}, who)).status).to.equal(403);
      expect((await add(bakery.variantIds[0]!, 1, who)).status).to.equal(403);
    }
  });
});
