import { expect } from 'chai';
import type { Page } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { launchBrowser, openSignedIn, screenshot, type TestBrowser } from '../../helpers/browser.js';
import { PASSWORD, signUp, signUpAdmin, type Session } from '../../helpers/identity.js';
import { connect, deliveryFor, emitAck, nextEvent, verifiedCourier } from '../../helpers/hub.js';

const CENTRE = { lat: 33.5138, lng: 36.2765 };

/**
 * The couriers as the map's own couriers layer draws them: id → position, drawn state and selection,
 * decoded from the array the layer hands to WebGL (a custom layer, not a GeoJSON source).
 */
const markers = (page: Page) =>
  page.evaluate(() => {
    const fc = (globalThis as any).daraa.liveMap.map.getLayer('couriers').implementation.drawn() as { features: { properties: { courierId: string; state: string; selected: boolean }; geometry: { coordinates: [number, number] } }[] };
    return Object.fromEntries(fc.features.map((f) => [f.properties.courierId, { lng: f.geometry.coordinates[0], lat: f.geometry.coordinates[1], state: f.properties.state, selected: f.properties.selected }])) as Record<string, { lng: number; lat: number; state: string; selected: boolean }>;
  });

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, ms = 12_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`${what}: last ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('web: the ops board in chromium (markers from the hub, staleness, manual assignment, resync)', function () {
  this.timeout(120_000);
  let app: TestApp;
  let browser: TestBrowser;
  let admin: Session & { phone: string };
  const couriers: { session: Session; socket: Socket; lat: number; lng: number; ts: number }[] = [];
  const fix = async (i: number, dLng = 0) => {
    const c = couriers[i]!;
    c.lng += dLng;
    c.ts = Math.max(Date.now(), c.ts + 1);
    const ack = await emitAck(c.socket, 'location', { lat: c.lat, lng: c.lng, ts: c.ts, accuracy: 5 });
    expect(ack.ok, JSON.stringify(ack)).to.equal(true);
  };

  before(async () => {
    browser = await launchBrowser();
    // development: the page's own origin may open sockets; GEO_MAX_AGE_S at its floor so a courier goes stale in seconds.
    app = await startTestApp({ env: { NODE_ENV: 'development', GEO_MAX_AGE_S: '5', RATE_LIMIT_STRICT_PER_15MIN: '1000' } });
    admin = await signUpAdmin(app, 'super_admin');
    for (let i = 0; i < 3; i++) {
      const session = await verifiedCourier(app, admin);
      const socket = await connect(app.url, '/courier', session.accessToken);
      expect(await emitAck(socket, 'courier:online', { vehicle: 'motorbike', capacity: 2 })).to.deep.include({ ok: true });
      couriers.push({ session, socket, lat: CENTRE.lat + 0.004 * i, lng: CENTRE.lng - 0.004 * i, ts: 0 });
      await fix(i);
    }
  });
  after(async () => {
    couriers.forEach((c) => c.socket.close());
    await app?.stop();
    await browser?.close();
  });

  it('when three couriers stream fixes, then their markers move on the map, a silent one turns grey, a manual assignment reaches the courier, and a dropped connection resyncs without ghosts', async () => {
    const { ctx, page, problems } = await openSignedIn(browser, `${app.url}/ops`, admin.phone, PASSWORD);
    const ids = couriers.map((c) => c.session.accountId);
    await until(() => markers(page), (m) => ids.every((id) => m[id]), 'three markers');

    // Movement: courier 0 goes 0.01° east; its marker follows.
    const before = (await markers(page))[ids[0]!]!;
    await fix(0, 0.01);
    await until(() => markers(page), (m) => Math.abs(m[ids[0]!]!.lng - (before.lng + 0.01)) < 1e-6, 'the marker moved');

    // Staleness: 0 and 1 keep reporting, 2 falls silent past GEO_MAX_AGE_S.
    await until(
      async () => {
        await fix(0);
        await fix(1);
        return markers(page);
      },
      (m) => m[ids[2]!]?.state === 'stale' && m[ids[0]!]?.state === 'available',
      'courier 2 grey',
    );
    expect(await page.textContent('[data-testid=kpi-online]')).to.include('3');

    // Manual assignment from the board: the courier's own socket hears it.
    const owner = await signUp(app, 'store_owner');
    const customer = await signUp(app, 'customer');
    const { deliveryId } = await deliveryFor(app, { owner, customer, pickup: CENTRE });
    await page.waitForSelector(`[data-testid=unassigned] [data-testid="delivery-${deliveryId}"]`);
    await page.click(`[data-testid="delivery-${deliveryId}"] input[type=checkbox]`);
    await page.fill('[data-field=courier]', ids[1]!);
    await page.fill('[data-field=reason]', 'nearest to the store');
    const heard = nextEvent(couriers[1]!.socket, 'courier:deliveries', (p: any) => p.deliveries.some((d: any) => d.deliveryId === deliveryId), 10_000);
    await page.click('[data-action=assign]');
    await heard;
    await page.waitForSelector(`[data-testid="delivery-${deliveryId}"][data-status=assigned]`);
    // Selecting the delivery highlights its courier's marker (and only that one).
    await page.click(`[data-testid="delivery-${deliveryId}"] input[type=checkbox]`);
    const highlighted = await until(() => markers(page), (m) => m[ids[1]!]?.selected === true, 'the assigned courier highlighted');
    expect(ids.filter((id) => highlighted[id]?.selected)).to.deep.equal([ids[1]]);
    await screenshot(page, 'ops-desktop');
    await page.click(`[data-testid="delivery-${deliveryId}"] input[type=checkbox]`);

    // Resync: the board's connection drops; meanwhile courier 1 goes offline. Back, the board shows what the server holds.
    await page.evaluate(() => (globalThis as any).daraa.socket.io.engine.close());
    couriers[1]!.socket.close();
    await page.waitForSelector('[data-testid=live].on');
    const after = await until(() => markers(page), (m) => Boolean(m[ids[0]!]) && !m[ids[1]!], 'courier 1 gone after the resync');
    expect(Object.keys(after)).not.to.include(ids[1]!);

    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'ops-phone');
    expect(problems.filter((p) => !/WebGL|GPU stall/i.test(p))).to.deep.equal([]);
    await ctx.close();
  });
});
