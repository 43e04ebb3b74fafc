import { expect } from 'chai';
import { startTestApp, http, type TestApp } from '../helpers/app.js';
import { registerAndVerify, signUp, PASSWORD, type Session } from '../helpers/identity.js';
import { shopWithStock, type Shop } from '../helpers/cart-fixtures.js';

const HERE = { lat: 33.51, lng: 36.28 };

describe('cart merge: a guest cart joins the customer\'s cart at login (or on request), once', function () {
  this.timeout(180_000);
  let app: TestApp;
  let owner: Session;
  let shop: Shop;
  const call = (path: string, init: Parameters<typeof http>[1] = {}) => http(`${app.url}${path}`, init);
  const guest = async () => (await call('/api/v1/cart/guest', { method: 'POST' })).body.data.cartToken as string;
  const guestAdd = (token: string, variantId: string, quantity: number) => call('/api/v1/cart/lines', { method: 'POST', json: { variantId, quantity }, headers: { 'x-cart-token': token } });
  const login = (phone: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) => call('/api/v1/auth/login', { method: 'POST', json: { identifier: phone, password: PASSWORD, ...extra }, headers });
  const cartOf = async (token: string) => (await call('/api/v1/cart', { token })).body.data;
  const lineOf = (cart: any, variantId: string) => cart.groups.flatMap((g: any) => g.lines).find((l: any) => l.variantId === variantId);

  before(async () => {
    app = await startTestApp({ env: { RATE_LIMIT_STRICT_PER_15MIN: '1000' } });
    owner = await signUp(app, 'store_owner');
    // v0: 4 in stock; v1: plenty; v2: plenty; v3: backordered
    shop = await shopWithStock(app, owner.accessToken, { location: HERE, variants: [{ price: 500, stock: 4 }, { price: 200, stock: 50 }, { price: 900, stock: 50 }, { price: 100, stock: 0, backorder: true }] });
  });
  after(async () => {
    await app?.stop();
  });

  it('when a customer logs in with a guest cart token, then the same variant adds up capped by stock, new lines come over, the guest point is taken and the guest cart is closed', async () => {
    const { phone } = await registerAndVerify(app, 'customer');
    const first = await login(phone);
    const me = first.body.data.accessToken as string;
    await call('/api/v1/cart/lines', { method: 'POST', token: me, json: { variantId: shop.variantIds[0], quantity: 3 } });
    await call('/api/v1/cart/lines', { method: 'POST', token: me, json: { variantId: shop.variantIds[2], quantity: 1 } });

    const token = await guest();
    await guestAdd(token, shop.variantIds[0]!, 2);
    await guestAdd(token, shop.variantIds[1]!, 5);
    await guestAdd(token, shop.variantIds[3]!, 30);
    await call('/api/v1/cart/destination', { method: 'PUT', json: { point: { lat: 33.519, lng: 36.28 } }, headers: { 'x-cart-token': token } });
    const merged = await login(phone, { cartToken: token });
    expect(merged.status, JSON.stringify(merged.body)).to.equal(200);
    expect(merged.body.data.cartMerge).to.deep.include({ merged: true });
    expect(merged.body.data.cartMerge.notes).to.deep.equal([{ variantId: shop.variantIds[0], reason: 'capped' }]);

    const cart = await cartOf(merged.body.data.accessToken);
    expect(cart.id).to.equal(merged.body.data.cartMerge.cartId);
    expect(lineOf(cart, shop.variantIds[0]!).quantity, '3 + 2 capped by the 4 in stock').to.equal(4);
    expect(lineOf(cart, shop.variantIds[1]!).quantity).to.equal(5);
    expect(lineOf(cart, shop.variantIds[2]!).quantity, 'the customer\'s own line stays').to.equal(1);
    expect(lineOf(cart, shop.variantIds[3]!).quantity, 'backordered: not capped by stock').to.equal(30);
    expect(cart.destination, 'the guest\'s point, as the customer had none').to.deep.equal({ addressId: null, point: { lat: 33.519, lng: 36.28 } });

    const closed = await call('/api/v1/cart', { headers: { 'x-cart-token': token } });
    expect(closed.body.data.status).to.equal('merged');
    const late = await guestAdd(token, shop.variantIds[1]!, 1);
    expect([late.status, late.body.error.details[0].reason]).to.deep.equal([409, 'cart_closed']);
  });

  it('when the merge is retried (a second login, or the merge route, with the same token), then nothing changes', async () => {
    const { phone } = await registerAndVerify(app, 'customer');
    const token = await guest();
    await guestAdd(token, shop.variantIds[1]!, 2);
    const first = await login(phone, {}, { 'x-cart-token': token });
    expect(first.body.data.cartMerge).to.deep.include({ merged: true });
    const before = await cartOf(first.body.data.accessToken);

    const again = await login(phone, { cartToken: token });
    expect(again.body.data.cartMerge).to.deep.equal({ merged: false, cartId: before.id, notes: [] });
    const viaRoute = await call('/api/v1/cart/merge', { method: 'POST', token: again.body.data.accessToken, json: {}, headers: { 'x-cart-token': token } });
    expect(viaRoute.status, JSON.stringify(viaRoute.body)).to.equal(200);
    expect(viaRoute.body.data.merged).to.equal(false);
    const after = await cartOf(again.body.data.accessToken);
    expect(after.version).to.equal(before.version);
    expect(lineOf(after, shop.variantIds[1]!).quantity).to.equal(2);
  });

  it('when another customer presents a token already merged, then they are told it does not exist and their login still succeeds', async () => {
    const token = await guest();
    await guestAdd(token, shop.variantIds[1]!, 1);
    const a = await registerAndVerify(app, 'customer');
    expect((await login(a.phone, { cartToken: token })).body.data.cartMerge.merged).to.equal(true);
    const b = await registerAndVerify(app, 'customer');
    const r = await login(b.phone, { cartToken: token });
    expect(r.status).to.equal(200);
    expect(r.body.data.cartMerge).to.deep.equal({ merged: false, error: 'NOT_FOUND' });
    expect((await cartOf(r.body.data.accessToken)).id).to.equal(null);
    const malformed = await login(b.phone, { cartToken: 'nope' });
    expect([malformed.status, malformed.body.data.cartMerge.error]).to.deep.equal([200, 'VALIDATION_ERROR']);
  });

  it('when a courier or store owner logs in with a cart token, then it is ignored; the merge route refuses them (403)', async () => {
    const token = await guest();
    const courier = await registerAndVerify(app, 'courier');
    const r = await login(courier.phone, { cartToken: token });
    expect(r.status).to.equal(200);
    expect(r.body.data).to.not.have.property('cartMerge');
    const merge = await call('/api/v1/cart/merge', { method: 'POST', token: r.body.data.accessToken, json: { cartToken: token } });
    expect(merge.status).to.equal(403);
    expect((await call('/api/v1/cart', { headers: { 'x-cart-token': token } })).body.data.status, 'the guest cart is untouched').to.equal('active');
  });

  it('when the guest\'s product stopped being for sale, then that line is dropped and reported, the rest merges', async () => {
    const other = await shopWithStock(app, owner.accessToken, { location: HERE, variants: [{ price: 100, stock: 10 }] });
    const token = await guest();
    await guestAdd(token, other.variantIds[0]!, 2);
    await guestAdd(token, shop.variantIds[2]!, 1);
    await call(`/api/v1/products/${other.productId}`, { method: 'PATCH', token: owner.accessToken, json: { status: 'archived' } });
    const { phone } = await registerAndVerify(app, 'customer');
    const r = await login(phone, { cartToken: token });
    expect(r.body.data.cartMerge.notes).to.deep.equal([{ variantId: other.variantIds[0], reason: 'unavailable' }]);
    const cart = await cartOf(r.body.data.accessToken);
    expect(cart.groups.flatMap((g: any) => g.lines).map((l: any) => l.variantId)).to.deep.equal([shop.variantIds[2]]);
  });
});
