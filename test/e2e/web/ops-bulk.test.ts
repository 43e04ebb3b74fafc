import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { http, startTestApp, type TestApp } from '../../helpers/app.js';
import { launchBrowser, openSignedIn, screenshot, type TestBrowser } from '../../helpers/browser.js';
import { PASSWORD, signUp, signUpAdmin, type Session } from '../../helpers/identity.js';
import { connect, deliveryFor, emitAck, nextEvent, verifiedCourier } from '../../helpers/hub.js';

const CENTRE = { lat: 33.5138, lng: 36.2765 };
const heldBy = (socket: Socket, has: string[], hasNot: string[]) =>
  nextEvent(socket, 'courier:deliveries', (p: { deliveries: { deliveryId: string }[] }) => {
    const ids = p.deliveries.map((d) => d.deliveryId);
    return has.every((id) => ids.includes(id)) && hasNot.every((id) => !ids.includes(id));
  }, 10_000);

describe('web: bulk reassign and unassign from the ops board in chromium, with a reason', function () {
  this.timeout(120_000);
  let app: TestApp;
  let browser: TestBrowser;
  let admin: Session & { phone: string };
  const sockets: Socket[] = [];

  before(async () => {
    browser = await launchBrowser();
    app = await startTestApp({ env: { NODE_ENV: 'development', RATE_LIMIT_STRICT_PER_15MIN: '1000' } });
    admin = await signUpAdmin(app, 'super_admin');
  });
  after(async () => {
    sockets.forEach((s) => s.close());
    await app?.stop();
    await browser?.close();
  });

  it('when three of one courier\'s deliveries are reassigned at once and one was picked up meanwhile, then two move to the other courier (their sockets say so), the third is reported refused by name, and a bulk unassign puts two back with the reason', async () => {
    const owner = await signUp(app, 'store_owner');
    const customer = await signUp(app, 'customer');
    const [from, to] = [await verifiedCourier(app, admin), await verifiedCourier(app, admin)];
    for (const c of [from, to]) {
      const s = await connect(app.url, '/courier', c.accessToken);
      sockets.push(s);
      expect(await emitAck(s, 'courier:online', { vehicle: 'car', capacity: 5 })).to.deep.include({ ok: true });
      expect(await emitAck(s, 'location', { lat: CENTRE.lat, lng: CENTRE.lng, ts: Date.now(), accuracy: 5 })).to.deep.include({ ok: true });
    }
    const [fromSocket, toSocket] = sockets as [Socket, Socket];
    const jobs = [];
    for (let i = 0; i < 3; i++) jobs.push(await deliveryFor(app, { owner, customer, courier: from, pickup: CENTRE }));
    const [d1, d2, d3] = jobs.map((j) => j.deliveryId) as [string, string, string];
    // d3 is picked up before the dispatcher acts: a courier can no longer be swapped on it.
    for (const status of ['at_pickup', 'picked_up']) {
      const r = await http(`${app.url}/api/v1/deliveries/${d3}/status`, { method: 'POST', token: admin.accessToken, json: { status } });
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
    }

    const { ctx, page, problems } = await openSignedIn(browser, `${app.url}/ops`, admin.phone, PASSWORD);
    for (const id of [d1, d2, d3]) await page.click(`[data-testid="delivery-${id}"] input[type=checkbox]`);
    expect(await page.textContent('[data-testid=selected-count]')).to.include('3');
    await page.fill('[data-field=courier]', to.accountId);
    // No reason, no action.
    expect(await page.isDisabled('[data-action=assign]')).to.equal(true);
    await page.fill('[data-field=reason]', 'first courier\'s bike broke down');
    const moved = heldBy(toSocket, [d1, d2], [d3]);
    const left = heldBy(fromSocket, [d3], [d1, d2]);
    await page.click('[data-action=assign]');
    await Promise.all([moved, left]);
    const result = await page.waitForSelector('[data-testid=action-result]');
    expect(await result.getAttribute('data-done')).to.equal('2');
    expect(await result.getAttribute('data-failed')).to.equal('1');
    expect(await page.textContent(`[data-testid="failed-${d3}"]`)).to.include('CONFLICT');
    for (const id of [d1, d2]) await page.waitForSelector(`[data-testid="delivery-${id}"][data-courier="${to.accountId}"]`);
    await page.waitForSelector(`[data-testid="delivery-${d3}"][data-courier="${from.accountId}"][data-status=picked_up]`);
    await screenshot(page, 'ops-bulk-desktop');

    // Bulk unassign: both back to the unassigned list, the reason kept on each delivery.
    for (const id of [d1, d2]) await page.click(`[data-testid="delivery-${id}"] input[type=checkbox]`);
    await page.fill('[data-field=reason]', 'customer asked to wait');
    const dropped = heldBy(toSocket, [], [d1, d2]);
    await page.click('[data-action=unassign]');
    await dropped;
    for (const id of [d1, d2]) {
      await page.waitForSelector(`[data-testid=unassigned] [data-testid="delivery-${id}"][data-status=pending]`);
      const got = await http(`${app.url}/api/v1/deliveries/${id}`, { token: admin.accessToken });
      expect(got.body.data).to.deep.include({ status: 'pending', courierId: null, reason: 'customer asked to wait' });
    }
    // The reassignment's reason is in the audit log, with the dispatcher who gave it.
    const audit = await http(`${app.url}/api/v1/admin/audit-log?limit=100`, { token: admin.accessToken });
    const entries = (audit.body.data.items as { actor: { id: string }; resource: { id: string }; reason?: string; metadata?: Record<string, unknown> }[]).filter((e) => e.resource.id === d1);
    const reassigned = entries.filter((e) => JSON.stringify(e).includes("first courier's bike broke down"));
    expect(reassigned.map((e) => e.actor.id)).to.deep.equal([admin.accountId]);
    expect(problems.filter((p) => !/WebGL|GPU stall/i.test(p))).to.deep.equal([]);
    await ctx.close();
  });
});
