import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { startTestApp, http, type TestApp } from '../../helpers/app.js';
import { signUp, signUpAdmin, type Session } from '../../helpers/identity.js';
import { startConnectStub, type ConnectStub } from '../../helpers/connect-stub.js';
import { eventually } from '../../helpers/webhook-receiver.js';

const WEBHOOK_SECRET = `whsec_${randomUUID().replaceAll('-', '')}`;
/** The card payments' webhook secret: a different endpoint, whose signature must not open this one. */
const PAYMENTS_WEBHOOK_SECRET = `whsec_${randomUUID().replaceAll('-', '')}`;

describe('payouts through Stripe Connect (PAYOUT_PROVIDER=stripe_connect, a local transfer stub): the job sends, the signed webhook settles', function () {
  this.timeout(120_000);
  let stub: ConnectStub;
  let app: TestApp;
  let admin: Session;
  let courier: Session;
  const signed = (event: object, secret = WEBHOOK_SECRET) => {
    const payload = JSON.stringify(event);
    return { payload, header: Stripe.webhooks.generateTestHeaderString({ payload, secret }) };
  };
  const post = (s: { payload: string; header: string }) => fetch(`${app.url}/api/v1/payouts/webhooks/stripe-connect`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': s.header }, body: s.payload });

  before(async () => {
    stub = await startConnectStub();
    const { host, port, protocol, secretKey } = stub.settings;
    app = await startTestApp({ role: 'all', env: { PAYOUT_PROVIDER: 'stripe_connect', STRIPE_SECRET_KEY: secretKey, STRIPE_WEBHOOK_SECRET: PAYMENTS_WEBHOOK_SECRET, STRIPE_CONNECT_WEBHOOK_SECRET: WEBHOOK_SECRET, STRIPE_API_HOST: host, STRIPE_API_PORT: String(port), STRIPE_API_PROTOCOL: protocol } });
    admin = await signUpAdmin(app);
    courier = await signUp(app, 'courier');
  });
  after(async () => {
    await app?.stop();
    await stub?.close();
  });

  it('when a batch sends a payout that settles later, then it waits in transit, a signed transfer.updated pays it once, a replay, a forged one or one signed with the payments webhook secret changes nothing', async () => {
    const { orderMoneyFlows, ledger } = app.system.composed.container.cradle;
    const me = courier.accountId;
    await orderMoneyFlows.settleDelivered({
      orderId: randomUUID(), storeId: 'store-w', customerId: 'cust-w', method: 'card', subtotalMinor: 100_000, deliveryFeeMinor: 250_000, vatMinor: 0, totalMinor: 350_000,
      lines: [{ variantId: 'v', productId: 'p', categoryId: null, lineTotalMinor: 100_000 }], placedAt: new Date().toISOString(),
    }, me); // earns 200,000
    const acct = `acct_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
    stub.accounts.add(acct);
    stub.startAs('pending');
    const base = `${app.url}/api/v1/couriers/${me}`;
    expect((await http(`${base}/bank-account`, { method: 'PUT', token: courier.accessToken, json: { holderName: 'Courier Connect', iban: 'GB82 WEST 1234 5698 7654 32', connectedAccountId: acct } })).body.data.connectedAccountId).to.equal(acct);
    const payoutId = `po-${randomUUID().slice(0, 8)}`;
    expect((await http(`${base}/payouts`, { method: 'POST', token: courier.accessToken, json: { payoutId, amountMinor: 120_000 } })).status).to.equal(201);
    expect((await http(`${app.url}/api/v1/admin/payouts/${payoutId}/approve`, { method: 'POST', token: admin.accessToken, json: {} })).status).to.equal(200);
    expect((await http(`${app.url}/api/v1/admin/payouts/batches`, { method: 'POST', token: admin.accessToken, json: { batchId: `b-${randomUUID().slice(0, 8)}` } })).status).to.equal(202);
    const inTransit = await eventually(async () => (await http(`${app.url}/api/v1/admin/payouts?status=in_transit`, { token: admin.accessToken })).body.data.payouts.find((p: { id: string }) => p.id === payoutId), 15_000, 'the payout in transit');
    const transfer = stub.transfers.get(inTransit.providerRef)!;
    expect(transfer).to.deep.include({ amount: 120_000, destination: acct, status: 'pending' });
    expect(stub.requests.filter((r) => r.method === 'POST').map((r) => r.idempotencyKey)).to.deep.equal([`payout:${payoutId}`]);

    const forged = await post(signed({ id: 'evt_forged', object: 'event', type: 'transfer.updated', data: { object: { ...transfer, status: 'paid' } } }, 'whsec_notours'));
    expect([forged.status, ((await forged.json()) as { error: { code: string } }).error.code]).to.deep.equal([400, 'WEBHOOK_SIGNATURE_INVALID']);
    const withPaymentsSecret = await post(signed({ id: 'evt_payments', object: 'event', type: 'transfer.updated', data: { object: { ...transfer, status: 'paid' } } }, PAYMENTS_WEBHOOK_SECRET));
    expect([withPaymentsSecret.status, ((await withPaymentsSecret.json()) as { error: { code: string } }).error.code], 'signed with the payments webhook secret').to.deep.equal([400, 'WEBHOOK_SIGNATURE_INVALID']);
    expect((await http(`${app.url}/api/v1/admin/payouts?status=in_transit`, { token: admin.accessToken })).body.data.payouts.map((p: { id: string }) => p.id)).to.include(payoutId);

    stub.settle(transfer.id, 'paid');
    const event = signed({ id: `evt_${randomUUID().slice(0, 8)}`, object: 'event', type: 'transfer.updated', data: { object: stub.transfers.get(transfer.id) } });
    const first = await post(event);
    expect([first.status, ((await first.json()) as { data: unknown }).data]).to.deep.equal([200, { payoutId, outcome: 'applied' }]);
    const replay = await post(event);
    expect(((await replay.json()) as { data: unknown }).data).to.deep.equal({ payoutId, outcome: 'ignored' });
    const paid = (await http(`${app.url}/api/v1/admin/payouts?status=paid`, { token: admin.accessToken })).body.data.payouts.find((p: { id: string }) => p.id === payoutId);
    expect(paid).to.deep.include({ status: 'paid', providerRef: transfer.id, attempts: 1 });
    const earnings = (await ledger.findAccount(`courier_earnings:${me}`))!;
    expect([earnings.creditsPosted - earnings.debitsPosted, earnings.debitsPending]).to.deep.equal([80_000, 0]);
  });
});
