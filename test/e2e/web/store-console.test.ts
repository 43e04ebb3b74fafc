import { expect } from 'chai';
import { http, startTestApp, type TestApp } from '../../helpers/app.js';
import { launchBrowser, openSignedIn, screenshot, type TestBrowser } from '../../helpers/browser.js';
import { PASSWORD, signUp, type Session } from '../../helpers/identity.js';
import { checkoutOf } from '../../helpers/orders.js';

describe('web: the store console in chromium (a new order is accepted, prepared and made ready)', function () {
  this.timeout(90_000);
  let app: TestApp;
  let browser: TestBrowser;
  let owner: Session & { phone: string }, customer: Session & { phone: string };
  let storeId: string;
  const api = (path: string) => `${app.url}/api/v1${path}`;

  before(async () => {
    browser = await launchBrowser();
    // development: the page's own origin may open sockets, as after npm start.
    app = await startTestApp({ env: { NODE_ENV: 'development', RATE_LIMIT_STRICT_PER_15MIN: '1000' } });
    [owner, customer] = await Promise.all([signUp(app, 'store_owner'), signUp(app, 'customer')]);
    storeId = (await http(api('/stores'), { method: 'POST', token: owner.accessToken, json: { name: 'Bab Sharqi Bakery', address: '9 Straight Street', location: { lat: 33.5106, lng: 36.3156 } } })).body.data.id;
  });
  after(async () => {
    await app?.stop();
    await browser?.close();
  });

  it('when an order arrives, then it shows with an alert and a chime; accept, preparing and ready move it, and the customer reads each, on their own tracking page too', async () => {
    const { ctx, page, problems } = await openSignedIn(browser, `${app.url}/store`, owner.phone, PASSWORD);
    await page.waitForSelector('[data-testid=live]:has-text("Live")');
    const [order] = await app.system.composed.container.cradle.placeOrders.execute(checkoutOf(customer.accountId, [storeId]));
    const card = `[data-testid="order-${order!.id}"]`;
    await page.waitForSelector(`${card}[data-status=placed]`, { timeout: 10_000 });
    expect(await page.textContent('[data-testid=alert]')).to.include(order!.number);
    expect(await page.evaluate(() => (globalThis as any).daraa.chimes as number)).to.be.at.least(1);
    await screenshot(page, 'store-desktop');
    const customerSees = async () => (await http(api(`/orders/${order!.id}`), { token: customer.accessToken })).body.data.status;
    // The customer's own page, open meanwhile: it follows the store's moves live.
    const tracking = await openSignedIn(browser, `${app.url}/track/${order!.id}`, customer.phone, PASSWORD);
    const customerPage = (status: string) => tracking.page.waitForSelector(`[data-testid=status][data-status=${status}]`, { timeout: 10_000 });
    await customerPage('placed');

    await page.click(`${card} [data-action=confirm]`);
    await page.waitForSelector(`${card}[data-status=confirmed]`);
    expect(await customerSees()).to.equal('confirmed');
    await customerPage('confirmed');
    await page.click(`${card} [data-action=preparing]`);
    await page.waitForSelector(`${card}[data-status=preparing]`);
    await page.click(`${card} [data-action=ready]`);
    await page.waitForSelector(`${card}[data-status=ready_for_pickup]`);
    expect(await customerSees()).to.equal('ready_for_pickup');
    await customerPage('ready_for_pickup');
    expect(tracking.problems).to.deep.equal([]);
    await tracking.ctx.close();

    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'store-phone');
    expect(problems).to.deep.equal([]);
    await ctx.close();
  });

  it('when the store rejects an order, then it needs a reason, and the order is rejected with it', async () => {
    const { ctx, page } = await openSignedIn(browser, `${app.url}/store`, owner.phone, PASSWORD);
    const [order] = await app.system.composed.container.cradle.placeOrders.execute(checkoutOf(customer.accountId, [storeId]));
    const card = `[data-testid="order-${order!.id}"]`;
    await page.waitForSelector(`${card}[data-status=placed]`, { timeout: 10_000 });
    expect(await page.isDisabled(`${card} [data-action=reject]`)).to.equal(true);
    await page.fill(`${card} [data-field=reason]`, 'out of bread');
    await page.click(`${card} [data-action=reject]`);
    await page.waitForSelector(`${card}[data-status=rejected]`);
    expect((await http(api(`/orders/${order!.id}`), { token: customer.accessToken })).body.data).to.deep.include({ status: 'rejected', reason: 'out of bread' });
    await ctx.close();
  });
});
