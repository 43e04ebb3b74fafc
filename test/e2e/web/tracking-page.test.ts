import { expect } from 'chai';
import type { Page } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import { http, startTestApp, type TestApp } from '../../helpers/app.js';
import { launchBrowser, openSignedIn, screenshot, type TestBrowser } from '../../helpers/browser.js';
import { PASSWORD, signUp, type Session } from '../../helpers/identity.js';
import { checkoutOf } from '../../helpers/orders.js';
import { connect, emitAck, verifiedCourier } from '../../helpers/hub.js';

const STORE = { lat: 33.5106, lng: 36.3156 };

/** The courier's dot as the map's own GeoJSON source holds it. */
const courierDot = (page: Page) =>
  page.evaluate(async () => {
    const fc = (await (globalThis as any).daraa.liveMap.map.getSource('courier').getData()) as { features: { geometry: { coordinates: [number, number] } }[] };
    const c = fc.features[0]?.geometry.coordinates;
    return c ? { lng: c[0], lat: c[1] } : null;
  });

describe('web: the tracking page in chromium (a customer watches the courier come)', function () {
  this.timeout(90_000);
  let app: TestApp;
  let browser: TestBrowser;
  let owner: Session, customer: Session & { phone: string }, courier: Session;
  let courierSocket: Socket;
  let orderId: string;
  const api = (path: string) => `${app.url}/api/v1${path}`;

  before(async () => {
    browser = await launchBrowser();
    // development: the pages' own origin (127.0.0.1 on the port picked) may open sockets, as after npm start.
    app = await startTestApp({ env: { NODE_ENV: 'development', RATE_LIMIT_STRICT_PER_15MIN: '1000' } });
    [owner, customer, courier] = await Promise.all([signUp(app, 'store_owner'), signUp(app, 'customer'), verifiedCourier(app)]);
    const storeId = (await http(api('/stores'), { method: 'POST', token: owner.accessToken, json: { name: 'Bab Sharqi Bakery', address: '9 Straight Street', location: STORE } })).body.data.id;
    const [order] = await app.system.composed.container.cradle.placeOrders.execute(checkoutOf(customer.accountId, [storeId]));
    orderId = order!.id;
    for (const step of ['confirm', 'preparing', 'ready']) expect((await http(api(`/orders/${orderId}/${step}`), { method: 'POST', token: owner.accessToken, json: {} })).status).to.equal(200);
    const delivery = (await app.system.composed.container.cradle.deliveries.findByOrderId(orderId))!;
    expect((await http(api(`/deliveries/${delivery.id}/assign`), { method: 'POST', token: owner.accessToken, json: { courierId: courier.accountId } })).status).to.equal(200);
    courierSocket = await connect(app.url, '/courier', courier.accessToken);
    expect(await emitAck(courierSocket, 'courier:online', { vehicle: 'motorbike', capacity: 1 })).to.deep.include({ ok: true });
  });
  after(async () => {
    courierSocket?.close();
    await app?.stop();
    await browser?.close();
  });

  it('when the courier streams fixes toward the store, then the dot glides along them, the ETA falls and the status turns at_pickup', async () => {
    const { ctx, page, problems } = await openSignedIn(browser, `${app.url}/track/${orderId}`, customer.phone, PASSWORD);
    expect(page.url()).to.equal(`${app.url}/track/${orderId}`);
    await page.waitForSelector('[data-testid=status][data-status=assigned]');
    expect(await page.evaluate(() => Object.keys((globalThis as any).sessionStorage))).to.deep.equal(['daraa.session']);

    // From about 2.2 km east of the store, walking in, one fix every 300 ms.
    const path = Array.from({ length: 12 }, (_, i) => ({ lat: STORE.lat, lng: STORE.lng + 0.024 * (1 - i / 11) }));
    const seen: { lng: number; eta: number | null }[] = [];
    let ts = Date.now();
    for (const p of path) {
      ts += 300;
      const ack = await emitAck(courierSocket, 'location', { ...p, ts, accuracy: 5, speed: 8 });
      expect(ack.ok, JSON.stringify(ack)).to.equal(true);
      await new Promise((r) => setTimeout(r, 300));
      const dot = await courierDot(page);
      const eta = await page.getAttribute('[data-testid=eta]', 'data-seconds');
      if (dot) seen.push({ lng: dot.lng, eta: eta ? Number(eta) : null });
    }
    await page.waitForSelector('[data-testid=status][data-status=at_pickup]', { timeout: 10_000 });
    // The dot moved west with the fixes, through places between them (a glide, not jumps).
    expect(seen.length).to.be.greaterThan(5);
    expect(seen.at(-1)!.lng).to.be.lessThan(seen[0]!.lng);
    // The dot reaches the last fix once its glide ends (900 ms of frames after the fix; at_pickup can come sooner).
    let final = await courierDot(page);
    for (const end = Date.now() + 5_000; Date.now() < end && Math.abs(final!.lng - STORE.lng) > 0.002; ) {
      await new Promise((r) => setTimeout(r, 100));
      final = await courierDot(page);
    }
    expect(final!.lng).to.be.closeTo(STORE.lng, 0.002);
    const etas = seen.map((s) => s.eta).filter((e): e is number => e !== null);
    expect(etas.length).to.be.greaterThan(2);
    expect(etas.at(-1)!).to.be.lessThan(etas[0]!);
    expect(await page.textContent('[data-testid=status]')).to.match(/store/i);
    await screenshot(page, 'track-desktop');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    await screenshot(page, 'track-phone');
    // Phone width: nothing wider than the screen.
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth as number)).to.be.at.most(390);
    expect(problems).to.deep.equal([]);
    await ctx.close();
  });

  it('when the page reloads after the fixes, then order:trail brings back the courier\'s path without a new fix', async () => {
    const { ctx, page } = await openSignedIn(browser, `${app.url}/track/${orderId}`, customer.phone, PASSWORD);
    await page.waitForFunction(() => ((globalThis as any).daraa?.trail?.() ?? []).length >= 10, undefined, { timeout: 10_000 });
    expect(await page.getAttribute('[data-testid=status]', 'data-status')).to.equal('at_pickup');
    await ctx.close();
  });
});
