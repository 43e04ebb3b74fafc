/**
 * Artillery processor for checkout.yml: one customer's browse → cart → checkout over the REST API,
 * timed step by step. A refusal is counted by its error code (a closed store or an emptied
 * shelf is the catalog's answer, not a failure of the run); a transport error fails the user.
 */
const { randomUUID } = require('node:crypto');
const { performance } = require('node:perf_hooks');

const LAT = Number(process.env.LOADTEST_LAT || 33.5138);
const LNG = Number(process.env.LOADTEST_LNG || 36.2765);
const QUERY = process.env.LOADTEST_QUERY || '';

async function call(target, token, method, path, body, headers = {}) {
  const res = await globalThis.fetch(`${target}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

async function timed(events, name, fn) {
  const t0 = performance.now();
  const r = await fn();
  events.emit('histogram', name, performance.now() - t0);
  return r;
}

/** The customer's cart emptied first: a seeded customer comes back in several virtual users, and a refused run leaves lines behind. */
async function emptyCart(target, token) {
  const cart = await call(target, token, 'GET', '/api/v1/cart');
  for (const g of cart.body?.data?.groups ?? []) for (const l of g.lines ?? []) await call(target, token, 'DELETE', `/api/v1/cart/lines/${l.variantId}`);
}

/**
 * A line that meets the store's minimum order: the priciest variants first (the fewest units), and the next
 * one when the shelf is empty. The cart's answer (201/200), or the last refusal.
 */
async function addLineOverMinimum(target, token, items, minimumOrder) {
  const variants = items.flatMap((i) => i.product.variants).sort((a, b) => b.price - a.price);
  let last = { status: 422, body: { error: { code: 'NO_PRODUCT' } } };
  for (const v of variants.slice(0, 6)) {
    const quantity = Math.max(1, Math.ceil(minimumOrder / v.price));
    if (quantity > 99) continue; // MAX_LINE_QUANTITY
    last = await call(target, token, 'POST', '/api/v1/cart/lines', { variantId: v.id, quantity });
    if (last.status < 300 || last.body?.error?.code !== 'INSUFFICIENT_STOCK') return last;
  }
  return last;
}

async function browseCartCheckout(context, events) {
  const { target } = context.vars;
  const token = context.vars.token;
  // Browse as the app does: the stores that deliver here and are open now, then one store's products in stock.
  const near = await timed(events, 'browse_ms', () => call(target, token, 'GET', `/api/v1/stores/near?lat=${LAT}&lng=${LNG}&limit=50`));
  const open = (near.body?.data?.items ?? []).filter((s) => s.openNow);
  if (open.length === 0) return void events.emit('counter', 'checkout.refused.NO_OPEN_STORE', 1);
  const store = open[Math.floor(Math.random() * open.length)].store;
  const found = await timed(events, 'browse_ms', () => call(target, token, 'GET', `/api/v1/products/search?storeId=${store.id}&lat=${LAT}&lng=${LNG}&inStock=true&limit=10${QUERY ? `&q=${encodeURIComponent(QUERY)}` : ''}`));
  const items = (found.body?.data?.items ?? []).filter((i) => i.product.variants.length > 0);
  if (items.length === 0) return void events.emit('counter', 'checkout.refused.NO_PRODUCT', 1);
  await emptyCart(target, token);
  const carted = await timed(events, 'cart_ms', async () => {
    const line = await addLineOverMinimum(target, token, items, store.minimumOrder);
    if (line.status >= 300) return line;
    const address = await call(target, token, 'POST', '/api/v1/addresses', { label: `Load ${randomUUID().slice(0, 6)}`, line: 'Load test street', point: { lat: LAT, lng: LNG } });
    if (address.status >= 300) return address;
    return call(target, token, 'PUT', '/api/v1/cart/destination', { addressId: address.body.data.id });
  });
  if (carted.status >= 300) return void events.emit('counter', `checkout.refused.${carted.body?.error?.code ?? carted.status}`, 1);
  const key = randomUUID();
  const body = { paymentMethod: 'cash' };
  const first = await timed(events, 'checkout_ms', () => call(target, token, 'POST', '/api/v1/checkout', body, { 'Idempotency-Key': key }));
  if (first.status !== 201) return void events.emit('counter', `checkout.refused.${first.body?.error?.code ?? first.status}`, 1);
  events.emit('counter', 'checkout.created', 1);
  const retry = await call(target, token, 'POST', '/api/v1/checkout', body, { 'Idempotency-Key': key });
  if (retry.headers.get('idempotent-replayed') === 'true' && retry.body?.data?.id === first.body.data.id) events.emit('counter', 'checkout.replayed', 1);
  else throw new Error(`a retried checkout was not replayed: ${retry.status}`);
}

module.exports = { browseCartCheckout };
