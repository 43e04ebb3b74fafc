import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { startTestApp, http, type TestApp } from '../helpers/app.js';
import { logIn, outbox, signUp, signUpAdmin, type Session } from '../helpers/identity.js';
import { webhookEndpointDisabled } from '../../domain/webhooks/events.js';
import { offerMade } from '../../domain/dispatch/events.js';
import { payoutProcessed } from '../../domain/finance/payout-events.js';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

/**
 * The triggers outside ordering, end to end on the real app: identity's use cases write
 * `identity.verification.decided` and `identity.security.alerted` to the outbox with their change,
 * the relay hands them to the notification consumer, and the account's inbox (read over REST)
 * gets the message. Security alerts are critical: muting the category does not hold them back.
 */
describe('notification triggers: verification decided, security alerts, webhook endpoint disabled', function () {
  this.timeout(60_000);
  let app: TestApp;
  const api = (p: string) => `${app.url}/api/v1${p}`;

  before(async () => {
    app = await startTestApp();
  });
  after(async () => app?.stop());

  async function inbox(s: Session, eventType: string, count = 1): Promise<{ title: string; body: string; category: string; data: Record<string, string> }[]> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const r = await http(api('/notifications/inbox?limit=100'), { token: s.accessToken });
      expect(r.status).to.equal(200);
      const items = r.body.data.items.filter((m: { eventType: string }) => m.eventType === eventType);
      if (items.length >= count || Date.now() > deadline) return items;
      await new Promise((ok) => setTimeout(ok, 100));
    }
  }

  it('when an admin approves a courier\'s documents, then the courier hears of it in their inbox, once', async () => {
    const courier = await signUp(app, 'courier');
    const up = await http(api(`/accounts/${courier.accountId}/documents?kind=driving_license`), { method: 'POST', token: courier.accessToken, headers: { 'content-type': 'image/png' }, body: PNG });
    expect(up.status).to.equal(201);
    const admin = await signUpAdmin(app, 'verifier');
    const ok = await http(api(`/admin/accounts/${courier.accountId}/verification`), { method: 'POST', token: admin.accessToken, json: { decision: 'approve', reason: 'licence checked' } });
    expect(ok.status).to.equal(200);
    const [message, ...more] = await inbox(courier, 'identity.verification.decided');
    expect(more).to.have.length(0);
    expect(message!.category).to.equal('account');
    expect(message!.body).to.include('approved').and.to.include('licence checked');
    expect(message!.data).to.deep.equal({ accountId: courier.accountId });
  });

  it('when a rejected decision is repeated, then it is refused and no second message is sent', async () => {
    const courier = await signUp(app, 'courier');
    await http(api(`/accounts/${courier.accountId}/documents?kind=driving_license`), { method: 'POST', token: courier.accessToken, headers: { 'content-type': 'image/png' }, body: PNG });
    const admin = await signUpAdmin(app, 'verifier');
    const decide = () => http(api(`/admin/accounts/${courier.accountId}/verification`), { method: 'POST', token: admin.accessToken, json: { decision: 'reject', reason: 'blurry photo' } });
    expect((await decide()).status).to.equal(200);
    expect((await decide()).status).to.equal(409);
    const messages = await inbox(courier, 'identity.verification.decided');
    await new Promise((ok) => setTimeout(ok, 500));
    expect(await inbox(courier, 'identity.verification.decided')).to.have.length(messages.length).and.to.have.length(1);
    expect(messages[0]!.body).to.include('rejected').and.to.include('blurry photo');
  });

  it('when someone locks an account by guessing its password, then its owner gets a security alert even with security muted', async () => {
    const customer = await signUp(app, 'customer');
    const muted = await http(api('/notifications/preferences'), { method: 'PATCH', token: customer.accessToken, json: { muted: { security: ['in_app', 'email', 'sms', 'push'] } } });
    expect(muted.status, JSON.stringify(muted.body)).to.equal(200);
    for (let i = 0; i < 5; i++) {
      const r = await http(api('/auth/login'), { method: 'POST', json: { identifier: customer.phone, password: 'Wr0ng!guess' }, headers: { 'user-agent': 'guesser/1.0' } });
      expect(r.status).to.equal(401);
    }
    const [alert, ...more] = await inbox(customer, 'identity.security.alerted');
    expect(more).to.have.length(0);
    expect(alert!.category).to.equal('security');
    expect(alert!.data).to.deep.equal({ alert: 'login_locked' });
  });

  it('when a used refresh token is replayed, then the session is revoked and its owner is alerted', async () => {
    const customer = await signUp(app, 'customer');
    const first = await http(api('/auth/refresh'), { method: 'POST', json: { refreshToken: customer.refreshToken } });
    expect(first.status).to.equal(200);
    const replay = await http(api('/auth/refresh'), { method: 'POST', json: { refreshToken: customer.refreshToken } });
    expect(replay.status).to.equal(401);
    const fresh = await logIn(app, customer.phone);
    const alerts = await inbox(fresh, 'identity.security.alerted');
    expect(alerts.map((a) => a.data.alert)).to.deep.equal(['refresh_token_reused']);
  });

  it('when a password is reset, then its owner is alerted once', async () => {
    const customer = await signUp(app, 'customer');
    expect((await http(api('/auth/password/forgot'), { method: 'POST', json: { phone: customer.phone } })).status).to.equal(202);
    const deadline = Date.now() + 10_000;
    while (!outbox(app).to(customer.phone).some((m) => m.body.includes('reset')) && Date.now() < deadline) await new Promise((ok) => setTimeout(ok, 50));
    const code = outbox(app).lastCode(customer.phone);
    expect((await http(api('/auth/password/reset'), { method: 'POST', json: { phone: customer.phone, code, newPassword: 'N3w!passWord' } })).status).to.equal(200);
    const fresh = await logIn(app, customer.phone, 'N3w!passWord');
    const alerts = await inbox(fresh, 'identity.security.alerted');
    expect(alerts.map((a) => a.data.alert)).to.deep.equal(['password_reset']);
  });

  it('when a webhook endpoint is disabled, then its owner hears of it with the URL', async () => {
    const owner = await signUp(app, 'store_owner');
    const { unitOfWork, outbox: events } = app.system.composed.container.cradle;
    const endpointId = randomUUID();
    const at = new Date().toISOString();
    await unitOfWork.transaction(() => events.add([{
      type: webhookEndpointDisabled.type, aggregateId: endpointId, aggregateVersion: 9, occurredAt: at,
      payload: { endpointId, storeId: null, ownerId: owner.accountId, url: 'https://partner.example/hooks', failingSince: at, at },
    }]));
    const [message] = await inbox(owner, 'webhooks.endpoint.disabled');
    expect(message, 'no message').to.not.equal(undefined);
    expect(message!.body).to.include('https://partner.example/hooks');
    expect(message!.data).to.deep.equal({ endpointId });
  });

  it('when dispatch offers a delivery to a courier who muted offers, then the courier still hears of it (critical), with the offer to open', async () => {
    const courier = await signUp(app, 'courier');
    expect((await http(api('/notifications/preferences'), { method: 'PATCH', token: courier.accessToken, json: { muted: { offers: ['in_app', 'push'] } } })).status).to.equal(200);
    const { unitOfWork, outbox: events } = app.system.composed.container.cradle;
    const deliveryId = randomUUID();
    const now = new Date();
    const expiresAt = new Date(now.getTime() + 30_000).toISOString();
    await unitOfWork.transaction(() => events.add([{
      type: offerMade.type, aggregateId: `${deliveryId}:1`, aggregateVersion: 1, occurredAt: now.toISOString(),
      payload: { offerId: `${deliveryId}:1`, deliveryId, orderId: randomUUID(), courierId: courier.accountId, round: 1, pickup: { lat: 33.51, lng: 36.29 }, dropoff: { lat: 33.52, lng: 36.3 }, feeMinor: 1_500, cash: true, expiresAt, at: now.toISOString() },
    }]));
    const [message, ...more] = await inbox(courier, 'dispatch.offer.made');
    expect(more).to.have.length(0);
    expect(message!.category).to.equal('offers');
    expect(message!.body).to.include('1500').and.to.include(expiresAt);
    expect(message!.data).to.deep.equal({ offerId: `${deliveryId}:1`, deliveryId });
  });

  it('when a payout is paid, then its owner hears of it with the amount and the bank reference', async () => {
    const courier = await signUp(app, 'courier');
    const { unitOfWork, outbox: events } = app.system.composed.container.cradle;
    const payoutId = randomUUID();
    const at = new Date().toISOString();
    await unitOfWork.transaction(() => events.add([{
      type: payoutProcessed.type, aggregateId: payoutId, aggregateVersion: 3, occurredAt: at,
      payload: { payoutId, ownerKind: 'courier', ownerId: courier.accountId, accountId: courier.accountId, amountMinor: 125_000, currency: 'SYP', providerRef: 'CSV-2026-12-07-0001', at },
    }]));
    const [message, ...more] = await inbox(courier, 'finance.payout.processed');
    expect(more).to.have.length(0);
    expect(message!.category).to.equal('payouts');
    expect(message!.body).to.include('125000').and.to.include('CSV-2026-12-07-0001');
    expect(message!.data).to.deep.equal({ payoutId });
  });
});
