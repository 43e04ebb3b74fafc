import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnMain, type Spawned } from '../helpers/process.js';
import { http } from '../helpers/app.js';
import { startStripeStub, type StripeStub } from '../helpers/stripe-stub.js';
import { loadConfig } from '../../infra/config.js';
import { AccessTokens } from '../../infra/jwt.js';
import { freePort } from '../../infra/embedded-redis.js';
import { walkGoldenPath, type GoldenPathResult } from '../../scripts/golden-path.js';
import { devSmsCodes, type DeliveredOrder } from '../../scripts/golden-path-couriers.js';
import { expectedFigures, lineTotals, platformFigures, readAccounts } from '../helpers/golden-path-ledger.js';

/**
 * The golden path on the real entry point (what `npm start` runs: its own redis-server
 * and data dir), Stripe pointed at the local stub through the STRIPE_* settings.
 * The walk itself is scripts/golden-path.ts, the one `npm run demo` prints; couriers
 * register with the code the app writes to its dev SMS file, as the demo reads it.
 */

/** Each order delivered by its own courier, completed, its payment captured, and seen live by the customer. */
function expectDeliveredLive(delivered: DeliveredOrder[], orderIds: string[]): void {
  expect(delivered.map((d) => [d.orderId, d.status, d.deliveryStatus, d.paymentStatus]).sort()).to.deep.equal(orderIds.map((id) => [id, 'completed', 'delivered', 'captured']).sort());
  expect(new Set(delivered.map((d) => d.courierId)).size).to.equal(2);
  for (const d of delivered) {
    expect(Object.keys(d.timeline)).to.include.members(['placed', 'confirmed', 'preparing', 'ready_for_pickup', 'picked_up', 'delivered', 'completed']);
    expect(d.watched.positions, 'courier:position events seen by the customer').to.be.greaterThan(1);
    expect(d.watched.deliveryStatuses).to.include.members(['at_pickup', 'picked_up', 'at_dropoff', 'delivered']);
    expect(d.watched.orderStatuses).to.include.members(['picked_up', 'delivered', 'completed']);
    expect(d.watched.orderStatuses.indexOf('picked_up')).to.be.lessThan(d.watched.orderStatuses.indexOf('completed'));
  }
}
/**
 * After the finance consumer settled the walk's orders: every account it touched holds exactly the figures
 * worked out from the orders (golden-path-ledger.ts), and the platform's accounts moved by exactly the walk's share.
 */
async function expectLedger(url: string, adminToken: string, customerToken: string, walk: GoldenPathResult, method: 'card' | 'cash', before: { revenue: number; cardClearing: number }): Promise<void> {
  const orderIds = walk.checkout.orders.map((o) => o.orderId);
  const expected = expectedFigures(walk, await lineTotals(url, customerToken, orderIds), method);
  const ids = Object.keys(expected.accounts);
  let read = await readAccounts(url, adminToken, ids);
  for (let waited = 0; JSON.stringify(read) !== JSON.stringify(expected.accounts) && waited < 20_000; waited += 200) {
    await new Promise((r) => setTimeout(r, 200));
    read = await readAccounts(url, adminToken, ids);
  }
  expect(read, 'store payables, courier earnings and cash in hand').to.deep.equal(expected.accounts);
  const after = await platformFigures(url, adminToken);
  expect({ revenue: after.revenue - before.revenue, cardClearing: after.cardClearing - before.cardClearing }).to.deep.equal({ revenue: expected.revenue, cardClearing: expected.cardClearing });
  const mine = await http(`${url}/api/v1/finance/accounts`, { token: customerToken });
  const wallet = (mine.body.data.items as { ownerKind: string; balance: { posted: number; pending: number } }[]).find((a) => a.ownerKind === 'customer_wallet');
  // A cash-only customer never had money in the ledger: no wallet was opened.
  if (method === 'card' || wallet) expect(wallet?.balance, 'the customer wallet after the captured money went on to the stores').to.deep.include({ posted: 0, pending: 0 });
}

describe('golden path against npm start (real process, Stripe stub)', function () {
  this.timeout(180_000);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'daraa-e2e-golden-'));
  let app: Spawned;
  let stripe: StripeStub;
  let url = '';
  let customerToken = '';
  let walked: GoldenPathResult;
  const lines: string[] = [];

  before(async () => {
    stripe = await startStripeStub();
    app = spawnMain({ DATA_DIR: dataDir, PORT: String(await freePort()), LOG_LEVEL: 'info', ...stripe.env });
    [, url = ''] = await app.waitFor(/API\s+(http:\/\/\S+)\/api\/v1/, 60_000);
    stripe.setWebhookUrl(`${url}/api/v1/payments/webhooks/stripe`);
  });
  after(async () => {
    app?.child.kill('SIGTERM');
    await app?.exited();
    await stripe?.flushWebhooks();
    await stripe?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('when a new customer registers and verifies the code sent by SMS, then they log in as a customer', async () => {
    const phone = '+963944200020';
    const password = 'Str0ng!Passw0rd';
    const api = (p: string) => `${url}/api/v1${p}`;
    expect((await http(api('/auth/register'), { method: 'POST', json: { phone, password, role: 'customer' } })).status).to.equal(202);
    const [, code] = await app.waitFor(new RegExp(`"to":"\\${phone}"[^\\n]*?(\\d{6})`), 10_000);
    expect((await http(api('/auth/otp/verify'), { method: 'POST', json: { phone, code } })).status).to.equal(200);
    const login = await http(api('/auth/login'), { method: 'POST', json: { identifier: phone, password } });
    expect(login.status, JSON.stringify(login.body)).to.equal(200);
    customerToken = login.body.data.accessToken;
    expect((await http(api('/auth/me'), { token: customerToken })).body.data).to.include({ phone, role: 'customer' });
  });

  it('when two stores open and the customer finds them, fills a cart from both, checks out by card and a courier delivers each order while the customer watches, then two orders whose totals add up, each held once and captured once at the stub, both completed', async () => {
    expect(customerToken, 'the registration step').to.not.equal('');
    const tokens = new AccessTokens(loadConfig({ DATA_DIR: dataDir }));
    walked = await walkGoldenPath({
      url,
      customerToken,
      paymentMethod: 'card',
      // The checkout's transaction makes each held card order awaiting_payment, so its store can confirm (which captures).
      prepare: true,
      smsCode: devSmsCodes(dataDir),
      mint: (role, sub, perms = []) => tokens.sign({ sub, role, perms, sid: `e2e-${sub}` }).token,
      step: (line) => (lines.push(line), process.env.GOLDEN_DEBUG && console.log(line)),
    });
    const [bakery, grocer] = walked.stores;
    expect(walked.nearStoreIds).to.include.members([bakery!.storeId, grocer!.storeId]);

    const co = walked.checkout;
    expect(co.orders.map((o) => o.storeId).sort()).to.deep.equal([bakery!.storeId, grocer!.storeId].sort());
    for (const o of co.orders) {
      expect(o.number).to.match(/^D-\d{6}-\d{4,}$/);
      expect(o.totalMinor).to.equal(o.subtotalMinor + o.deliveryFeeMinor + o.vatMinor);
    }
    const bakeryOrder = co.orders.find((o) => o.storeId === bakery!.storeId)!;
    const grocerOrder = co.orders.find((o) => o.storeId === grocer!.storeId)!;
    // 2 × 12_500 + 3_000 and 3 × 7_000: the prices the stores set, frozen on the orders.
    expect([bakeryOrder.subtotalMinor, grocerOrder.subtotalMinor]).to.deep.equal([28_000, 21_000]);
    const sum = (f: (o: (typeof co.orders)[number]) => number) => co.orders.reduce((s, o) => s + f(o), 0);
    expect(co.totals).to.deep.equal({ subtotalMinor: sum((o) => o.subtotalMinor), deliveryFeesMinor: sum((o) => o.deliveryFeeMinor), vatMinor: sum((o) => o.vatMinor), totalMinor: sum((o) => o.totalMinor) });

    // One hold per order for exactly its total, captured once when its store confirmed (the worker's consumer); the retry held nothing more.
    const ours = () => stripe.paymentIntents().filter((pi) => co.orders.some((o) => pi.metadata.orderId === o.orderId));
    for (let waited = 0; stripe.stats().charges < 2 && waited < 20_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    expect(ours().map((pi) => [pi.metadata.orderId, pi.status, pi.amount, pi.capture_method]).sort()).to.deep.equal(
      co.orders.map((o) => [o.orderId, 'succeeded', o.totalMinor, 'manual']).sort(),
    );
    expect(stripe.stats()).to.include({ authorizations: 2, charges: 2, doubleAuthorizations: 0, doubleCharges: 0 });
    expect(walked.replayed).to.equal(true);

    const cart = await http(`${url}/api/v1/cart`, { token: customerToken });
    expect(cart.body.data.groups ?? []).to.have.length(0);
    expect(lines.length).to.be.greaterThan(6);
    expectDeliveredLive(walked.delivered, co.orders.map((o) => o.orderId));
    expect(stripe.stats()).to.include({ authorizations: 2, charges: 2, doubleCharges: 0 });
    await expectLedger(url, tokens.sign({ sub: 'e2e-finance', role: 'admin', perms: ['finance:manage'], sid: 'e2e-finance' }).token, customerToken, walked, 'card', { revenue: 0, cardClearing: 0 });
  });

  it('when a two-store cash checkout is made ready by both stores and each courier streams to the store and the door, collects the cash and delivers, then both orders are completed, stamped at every step, seen live, and nothing is charged at the stub', async () => {
    expect(customerToken, 'the registration step').to.not.equal('');
    const tokens = new AccessTokens(loadConfig({ DATA_DIR: dataDir }));
    const before = stripe.stats();
    const financeAdmin = tokens.sign({ sub: 'e2e-finance', role: 'admin', perms: ['finance:manage'], sid: 'e2e-finance' }).token;
    const platformBefore = await platformFigures(url, financeAdmin);
    const cash = await walkGoldenPath({
      url,
      customerToken,
      paymentMethod: 'cash',
      smsCode: devSmsCodes(dataDir),
      mint: (role, sub, perms = []) => tokens.sign({ sub, role, perms, sid: `e2e-${sub}` }).token,
      step: (line) => (lines.push(line), process.env.GOLDEN_DEBUG && console.log(line)),
    });
    const co = cash.checkout;
    expect(co.totals.totalMinor).to.equal(co.orders.reduce((s, o) => s + o.totalMinor, 0));
    expect(cash.prepared.map((p) => [p.orderId, p.status]).sort()).to.deep.equal(co.orders.map((o) => [o.orderId, 'ready_for_pickup']).sort());
    for (const p of cash.prepared) {
      expect(Object.keys(p.timeline)).to.have.members(['placed', 'confirmed', 'preparing', 'ready_for_pickup']);
      expect(p.deliveryId).to.be.a('string').and.not.equal('');
      expect(p.deliveryStatus).to.be.a('string');
    }
    expect(new Set(cash.prepared.map((p) => p.deliveryId)).size).to.equal(2);
    expectDeliveredLive(cash.delivered, co.orders.map((o) => o.orderId));
    expect(stripe.stats()).to.deep.equal(before);
    await expectLedger(url, financeAdmin, customerToken, cash, 'cash', platformBefore);
  });
});
