import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { startTestApp, http, type TestApp } from '../../helpers/app.js';
import { startStripeStub, type StripeStub } from '../../helpers/stripe-stub.js';
import type { Cradle } from '../../../infra/container.js';
import { eventually } from '../../helpers/webhook-receiver.js';

/**
 * Wallet top-ups over the real app (PGlite, private redis-server, relay, BullMQ, the finance
 * consumer) with the card provider as a local Stripe stub that sends its signed webhooks back.
 */
describe('wallet top-ups over HTTP (real app, PGlite, private redis-server, Stripe stub and its webhooks)', function () {
  this.timeout(120_000);
  let app: TestApp;
  let stripe: StripeStub;
  let hook: string;
  const cradle = () => app.system.composed.container.cradle as Cradle;
  const api = (path: string) => `${app.url}/api/v1${path}`;

  before(async () => {
    stripe = await startStripeStub();
    app = await startTestApp({ env: { ...stripe.env, RATE_LIMIT_STRICT_PER_15MIN: '100000' } });
    hook = `${app.url}/api/v1/payments/webhooks/stripe`;
    stripe.setWebhookUrl(hook);
  });
  after(async () => {
    await app?.stop();
    await stripe?.close();
  });

  const customer = () => {
    const id = `cust-${randomUUID()}`;
    return { id, token: app.token('customer', id) };
  };
  const topUp = (token: string, json: unknown, key: string = randomUUID()) => http(api('/wallet/top-ups'), { method: 'POST', token, json, headers: { 'Idempotency-Key': key } });
  const wallet = async (token: string) => (await http(api('/wallet'), { token })).body.data as { balance: { posted: number; pending: number; available: number } };
  const creditsOf = async (topUpId: string) => (await cradle().ledger.transfersByReference(`top_up:${topUpId}`)).map((t) => [t.code, t.amountMinor, t.debitAccountId]);
  const chargesFor = (topUpId: string) => stripe.paymentIntents().filter((pi) => pi.metadata.orderId === `top_up:${topUpId}` && pi.status === 'succeeded').length;

  it('when a customer tops up by card, then the card is charged once and the wallet credited once, whatever the retries and webhooks; the statement shows the balance after each entry', async () => {
    const c = customer();
    const key = randomUUID();
    const r = await topUp(c.token, { amountMinor: 250_000, paymentMethodToken: 'pm_card_visa' }, key);
    expect(r.status, JSON.stringify(r.body)).to.equal(201);
    expect(r.body.data).to.deep.include({ customerId: c.id, amountMinor: 250_000, currency: 'SYP', status: 'captured' });
    const id = r.body.data.id as string;
    await eventually(async () => (await wallet(c.token)).balance.posted === 250_000, 15_000, 'the wallet credited');
    await stripe.flushWebhooks();

    const replay = await topUp(c.token, { amountMinor: 250_000, paymentMethodToken: 'pm_card_visa' }, key);
    expect([replay.status, replay.headers.get('idempotent-replayed'), replay.body.data.id]).to.deep.equal([201, 'true', id]);
    // Stripe repeats a webhook under a new event id: the top-up is already captured, nothing moves.
    const again = stripe.event('payment_intent.succeeded', { ...stripe.paymentIntent(r.body.data.providerRef)! });
    expect((await stripe.sendWebhook(hook, again)).body).to.deep.nested.include({ 'data.outcome': 'ignored' });
    expect((await stripe.sendWebhook(hook, again)).body).to.deep.nested.include({ 'data.outcome': 'duplicate' });

    const second = await topUp(c.token, { amountMinor: 40_000, paymentMethodToken: 'pm_card_visa' });
    expect(second.status, JSON.stringify(second.body)).to.equal(201);
    await eventually(async () => (await wallet(c.token)).balance.posted === 290_000, 15_000, 'the second credit');
    await new Promise((ok) => setTimeout(ok, 300)); // room for a wrongly repeated credit to land
    expect(await wallet(c.token)).to.deep.include({ balance: { posted: 290_000, pending: 0, available: 290_000 } });
    expect(await creditsOf(id)).to.deep.equal([['wallet_top_up', 250_000, 'gateway_clearing:card']]);
    expect(chargesFor(id)).to.equal(1);
    expect(stripe.stats().doubleCharges).to.equal(0);

    const statement = await http(api('/wallet/statement'), { token: c.token });
    expect(statement.status).to.equal(200);
    expect(statement.body.data.entries.items.map((e: { code: string; side: string; balanceAfter: { posted: number } }) => [e.code, e.side, e.balanceAfter.posted]))
      .to.deep.equal([['wallet_top_up', 'credit', 250_000], ['wallet_top_up', 'credit', 290_000]]);
    const list = await http(api('/wallet/top-ups'), { token: c.token });
    expect(list.body.data.items.map((t: { amountMinor: number; status: string }) => [t.amountMinor, t.status])).to.deep.equal([[40_000, 'captured'], [250_000, 'captured']]);
    const admin = app.token('admin', 'wallet-admin', ['finance:manage']);
    expect((await http(api(`/admin/customers/${c.id}/wallet`), { token: admin })).body.data.balance).to.deep.equal({ posted: 290_000, pending: 0, available: 290_000 });
  });

  it('when the provider\'s answers are lost, then the request fails and its retry with the same key charges and credits once', async () => {
    const c = customer();
    const key = randomUUID();
    stripe.dropNextAnswers(3); // the SDK's first try and both of its retries
    const lost = await topUp(c.token, { amountMinor: 60_000, paymentMethodToken: 'pm_card_visa' }, key);
    expect([lost.status, lost.body.error?.code]).to.deep.equal([502, 'PAYMENT_PROVIDER_ERROR']);
    expect((await wallet(c.token)).balance.posted).to.equal(0);
    const retry = await topUp(c.token, { amountMinor: 60_000, paymentMethodToken: 'pm_card_visa' }, key);
    expect(retry.status, JSON.stringify(retry.body)).to.equal(201);
    await eventually(async () => (await wallet(c.token)).balance.posted === 60_000, 15_000, 'the credit');
    expect(chargesFor(retry.body.data.id)).to.equal(1);
    expect((await http(api('/wallet/top-ups'), { token: c.token })).body.data.items).to.have.length(1);
  });

  it('when the capture is learnt from the webhook (the answer to our own capture was lost), then the webhook credits the wallet once and a retried request answers it', async () => {
    const c = customer();
    const key = randomUUID();
    const at = new Date().toISOString();
    const providerRef = `pi_${randomUUID().replace(/-/g, '')}`;
    // As the request leaves it when the provider captured but its answer never came back.
    const { topUp: t } = await cradle().repositories.walletTopUps.create({
      id: randomUUID(), customerId: c.id, amountMinor: 70_000, currency: 'SYP', status: 'pending', idempotencyKey: key, providerRef, declineCode: null, version: 2, createdAt: at, updatedAt: at,
    });
    const succeeded = stripe.event('payment_intent.succeeded', { id: providerRef, object: 'payment_intent', amount: 70_000, amount_received: 70_000, status: 'succeeded', metadata: {} });
    expect((await stripe.sendWebhook(hook, succeeded)).body).to.deep.nested.include({ 'data.outcome': 'applied' });
    expect((await stripe.sendWebhook(hook, succeeded)).body).to.deep.nested.include({ 'data.outcome': 'duplicate' });
    await eventually(async () => (await wallet(c.token)).balance.posted === 70_000, 15_000, 'the credit from the webhook');
    const retry = await topUp(c.token, { amountMinor: 70_000, paymentMethodToken: 'pm_card_visa' }, key);
    expect([retry.status, retry.body.data?.status, retry.body.data?.id]).to.deep.equal([201, 'captured', t.id]);
    expect(stripe.paymentIntents().filter((pi) => pi.metadata.orderId === `top_up:${t.id}`), 'no second charge').to.have.length(0);
    await new Promise((ok) => setTimeout(ok, 300));
    expect(await creditsOf(t.id)).to.have.length(1);
    expect((await wallet(c.token)).balance.posted).to.equal(70_000);
  });

  it('when the card is declined, then PAYMENT_DECLINED, the top-up is failed, a retry is declined again, and nothing is credited', async () => {
    const c = customer();
    const key = randomUUID();
    const r = await topUp(c.token, { amountMinor: 50_000, paymentMethodToken: 'pm_card_chargeDeclined' }, key);
    expect([r.status, r.body.error?.code]).to.deep.equal([402, 'PAYMENT_DECLINED']);
    const again = await topUp(c.token, { amountMinor: 50_000, paymentMethodToken: 'pm_card_chargeDeclined' }, key);
    expect([again.status, again.body.error?.code]).to.deep.equal([402, 'PAYMENT_DECLINED']);
    const [t] = (await http(api('/wallet/top-ups'), { token: c.token })).body.data.items;
    expect(t).to.deep.include({ status: 'failed', declineCode: 'generic_decline' });
    await stripe.flushWebhooks();
    await new Promise((ok) => setTimeout(ok, 300));
    expect(await wallet(c.token)).to.deep.include({ balance: { posted: 0, pending: 0, available: 0 } });
    expect(await creditsOf(t.id)).to.deep.equal([]);
  });

  it('when a top-up is outside the limits, then WALLET_TOP_UP_OUT_OF_RANGE or WALLET_BALANCE_LIMIT and no card is asked', async () => {
    const c = customer();
    const intents = stripe.stats().paymentIntents;
    const low = await topUp(c.token, { amountMinor: 9_999, paymentMethodToken: 'pm_card_visa' });
    expect([low.status, low.body.error?.code, low.body.error?.details[0]?.minMinor]).to.deep.equal([422, 'WALLET_TOP_UP_OUT_OF_RANGE', 10_000]);
    const high = await topUp(c.token, { amountMinor: 5_000_001, paymentMethodToken: 'pm_card_visa' });
    expect([high.status, high.body.error?.code]).to.deep.equal([422, 'WALLET_TOP_UP_OUT_OF_RANGE']);
    const settingsAdmin = app.token('admin', 'settings-admin', ['settings:read', 'settings:write']);
    const set = await http(api('/admin/settings/finance.walletMaxBalanceMinor'), { method: 'PUT', token: settingsAdmin, json: { value: 100_000, expectedVersion: 0, reason: 'test a small cap' } });
    expect(set.status, JSON.stringify(set.body)).to.equal(200);
    try {
      await eventually(async () => cradle().liveSettings.get('finance.walletMaxBalanceMinor') === 100_000, 15_000, 'the new cap');
      expect((await topUp(c.token, { amountMinor: 80_000, paymentMethodToken: 'pm_card_visa' })).status).to.equal(201);
      await eventually(async () => (await wallet(c.token)).balance.posted === 80_000, 15_000, 'the credit');
      const over = await topUp(c.token, { amountMinor: 30_000, paymentMethodToken: 'pm_card_visa' });
      expect([over.status, over.body.error?.code, over.body.error?.details[0]?.balanceMinor]).to.deep.equal([422, 'WALLET_BALANCE_LIMIT', 80_000]);
    } finally {
      await http(api('/admin/settings/finance.walletMaxBalanceMinor'), { method: 'PUT', token: settingsAdmin, json: { value: 10_000_000, expectedVersion: 1, reason: 'restore' } });
    }
    expect(stripe.stats().paymentIntents - intents, 'only the accepted top-up asked the card').to.equal(1);
    expect((await wallet(c.token)).balance.posted).to.equal(80_000);
  });
});
