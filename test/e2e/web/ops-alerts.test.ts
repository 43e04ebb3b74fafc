import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import { http, startTestApp, type TestApp } from '../../helpers/app.js';
import { launchBrowser, openSignedIn, screenshot, type TestBrowser } from '../../helpers/browser.js';
import { controlledClock, PASSWORD, signUp, signUpAdmin, type Session } from '../../helpers/identity.js';
import { connect, deliveryFor, emitAck, verifiedCourier } from '../../helpers/hub.js';
import { newOffer } from '../../../domain/dispatch/model.js';
import { giveZone, openStore } from '../../helpers/stores.js';

const CENTRE = { lat: 33.5138, lng: 36.2765 };
const NEAR = { lat: 33.5178, lng: 36.2795 }; // ~500 m from the centre: a few minutes at the board's nominal speed

/** The alerts list as the page shows it: kind → the ids (delivery or courier) it names. */
const alerts = (page: Page) =>
  page.$$eval('[data-testid=alerts] li[data-alert]', (lis) => lis.map((li) => ({ kind: li.getAttribute('data-alert')!, id: li.getAttribute('data-id')! })));

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`${what}: last ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('web: the ops board alerts in chromium (late, offer expiring, over the cash limit, stale) and zones', function () {
  this.timeout(120_000);
  let app: TestApp;
  let browser: TestBrowser;
  let admin: Session & { phone: string };
  const sockets: Socket[] = [];

  before(async () => {
    browser = await launchBrowser();
    app = await startTestApp({ env: { NODE_ENV: 'development', GEO_MAX_AGE_S: '5', RATE_LIMIT_STRICT_PER_15MIN: '1000' } });
    admin = await signUpAdmin(app, 'super_admin');
  });
  after(async () => {
    sockets.forEach((s) => s.close());
    await app?.stop();
    await browser?.close();
  });

  it('when a delivery cannot make its promised time, a courier holds cash at their limit and another falls silent, then each shows in the alerts (and only those), the late one selects its delivery, and an offer about to expire shows until it ends', async () => {
    const owner = await signUp(app, 'store_owner');
    const customer = await signUp(app, 'customer');
    const cashy = await verifiedCourier(app, admin);
    const silent = await verifiedCourier(app, admin);
    const fine = await verifiedCourier(app, admin);

    // Late: created 50 minutes ago (promised 45 minutes after), still unassigned. On time: created now, as near.
    const clock = controlledClock(app);
    clock.advance(-50 * 60_000);
    const late = await deliveryFor(app, { owner, customer, pickup: CENTRE, dropoff: NEAR });
    clock.restore();
    const onTime = await deliveryFor(app, { owner, customer, pickup: CENTRE, dropoff: NEAR });
    // Two couriers on active deliveries; only `cashy` has a cash limit (of zero: any cash in hand reaches it).
    const cashJob = await deliveryFor(app, { owner, customer, courier: cashy, pickup: CENTRE, dropoff: NEAR });
    await deliveryFor(app, { owner, customer, courier: fine, pickup: CENTRE, dropoff: NEAR });
    const put = await http(`${app.url}/api/v1/admin/settings/finance.courierCashLimits`, { method: 'PUT', token: admin.accessToken, json: { value: { [cashy.accountId]: 0 }, expectedVersion: 0, reason: 'owes the platform' } });
    expect(put.status, JSON.stringify(put.body)).to.equal(200);
    await until(
      () => http(`${app.url}/api/v1/couriers/over-cash-limit?ids=${cashy.accountId},${fine.accountId}`, { token: admin.accessToken }).then((r) => r.body?.data?.items),
      (items) => JSON.stringify(items) === JSON.stringify([{ courierId: cashy.accountId }]),
      'the cash read',
    );
    // A zone for the late delivery's store: drawn on the offline style.
    const zone = await http(`${app.url}/api/v1/stores/${late.storeId}/zone`, { method: 'PUT', token: owner.accessToken, json: { kind: 'radius', center: CENTRE, radiusM: 2_000 } });
    expect(zone.status, JSON.stringify(zone.body)).to.equal(200);

    // Couriers online with a fix each; `silent` then says nothing more.
    for (const [i, c] of [cashy, silent, fine].entries()) {
      const s = await connect(app.url, '/courier', c.accessToken);
      sockets.push(s);
      expect(await emitAck(s, 'courier:online', { vehicle: 'motorbike', capacity: 2 })).to.deep.include({ ok: true });
      expect(await emitAck(s, 'location', { lat: CENTRE.lat + 0.002 * i, lng: CENTRE.lng, ts: Date.now(), accuracy: 5 })).to.deep.include({ ok: true });
    }
    const keepAlive = setInterval(() => {
      for (const i of [0, 2]) void emitAck(sockets[i]!, 'location', { lat: CENTRE.lat + 0.002 * i, lng: CENTRE.lng, ts: Date.now(), accuracy: 5 }).catch(() => undefined);
    }, 1_000);

    try {
      const { ctx, page, problems } = await openSignedIn(browser, `${app.url}/ops`, admin.phone, PASSWORD);
      const seen = await until(
        () => alerts(page),
        (a) => a.some((x) => x.kind === 'late') && a.some((x) => x.kind === 'cash') && a.some((x) => x.kind === 'stale'),
        'late, cash and stale alerts',
      );
      expect(seen.filter((a) => a.kind === 'late').map((a) => a.id)).to.deep.equal([late.deliveryId]);
      // Decided by the server's ETA (GET /dispatch/etas, the tracking page's ETA layers) once read, not the board's straight line.
      await page.waitForSelector(`[data-testid=alerts] li[data-alert=late][data-id="${late.deliveryId}"][data-eta=server]`, { timeout: 10_000 });
      expect(seen.filter((a) => a.kind === 'cash').map((a) => a.id)).to.deep.equal([cashy.accountId]);
      expect(seen.filter((a) => a.kind === 'stale').map((a) => a.id)).to.deep.equal([silent.accountId]);
      expect(seen.map((a) => a.id)).not.to.include(onTime.deliveryId);
      expect(seen.map((a) => a.id)).not.to.include(cashJob.deliveryId);

      // The late alert selects its delivery: its pickup and dropoff are highlighted on the map.
      await page.click(`[data-testid=alerts] li[data-alert=late] button`);
      await page.waitForSelector(`[data-testid="delivery-${late.deliveryId}"].selected`);
      const highlight = await page.evaluate(() => (globalThis as any).daraa.liveMap.data('highlight').features.map((f: any) => f.properties.kind));
      expect(highlight).to.deep.equal(['pickup', 'dropoff']);
      const zones = await until(() => page.evaluate(() => (globalThis as any).daraa.liveMap.data('zones').features.map((f: any) => f.properties.storeId) as string[]), (z) => z.length > 0, 'the zone drawn');
      expect(zones).to.deep.equal([late.storeId]);
      // A store in view with no delivery listed: its zone is drawn once the view moves (read by the view's box).
      const quietStore = await openStore(app, owner.accessToken, { lat: CENTRE.lat + 0.004, lng: CENTRE.lng - 0.004 });
      await giveZone(app, owner.accessToken, quietStore, { lat: CENTRE.lat + 0.004, lng: CENTRE.lng - 0.004 }, 800);
      let pannedAt = 0;
      const both = await until(
        async () => {
          // A move every second (the board reads the view's zones 300 ms after the view settles).
          if (Date.now() - pannedAt > 1_000) {
            pannedAt = Date.now();
            await page.evaluate(() => (globalThis as any).daraa.liveMap.map.panBy([3, 3], { duration: 0 }));
          }
          return page.evaluate(() => (globalThis as any).daraa.liveMap.data('zones').features.map((f: any) => f.properties.storeId) as string[]);
        },
        (z) => z.includes(quietStore),
        'the zone of a store in view with no delivery',
      );
      expect([...both].sort()).to.deep.equal([late.storeId, quietStore].sort());

      // An offer about to expire, as the relay publishes it to the hubs: the board lists it; its end clears it.
      const bus = app.system.composed.container.cradle.dispatchEvents;
      const offer = { offerId: `${late.deliveryId}:1`, deliveryId: late.deliveryId, orderId: late.orderId, courierId: fine.accountId, round: 1 };
      await bus.publish([{ type: 'dispatch.offer.made', ...offer, pickup: CENTRE, dropoff: NEAR, feeMinor: 500, cash: false, expiresAt: new Date(Date.now() + 12_000).toISOString(), at: new Date().toISOString() }]);
      await page.waitForSelector(`[data-testid=alerts] li[data-alert=offer][data-id="${late.deliveryId}"]`);
      await screenshot(page, 'ops-alerts-desktop');
      await bus.publish([{ type: 'dispatch.offer.ended', ...offer, status: 'declined', reason: null, at: new Date().toISOString() }]);
      await page.waitForSelector('[data-testid=alerts] li[data-alert=offer]', { state: 'detached' });

      // An offer already pending when the board (re)connects, never announced on /ops since: the board reads it at connect.
      const quiet = newOffer({ deliveryId: randomUUID(), orderId: randomUUID(), courierId: fine.accountId, round: 1, pickup: CENTRE, dropoff: NEAR, feeMinor: 500, cash: false, cost: 0.1, at: new Date(Date.now() - 18_000), timeoutS: 30 });
      await app.system.composed.container.cradle.repositories.offers.create(quiet);
      expect(await alerts(page)).not.to.deep.include({ kind: 'offer', id: quiet.deliveryId });
      await page.evaluate(() => (globalThis as any).daraa.socket.io.engine.close());
      await page.waitForSelector(`[data-testid=alerts] li[data-alert=offer][data-id="${quiet.deliveryId}"]`, { timeout: 10_000 });
      expect(problems.filter((p) => !/WebGL|GPU stall/i.test(p))).to.deep.equal([]);
      await ctx.close();
    } finally {
      clearInterval(keepAlive);
    }
  });
});
