import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import Stripe from 'stripe';
import { startStripeStub, type StripeStub } from '../../helpers/stripe-stub.js';
import { StripePayments } from '../../../infra/providers/stripe-payments.js';
import { isAppError } from '../../../domain/shared/errors.js';
import type { AuthorizeRequest } from '../../../domain/ordering/ports.js';

async function rejection(p: Promise<unknown>): Promise<{ code: string }> {
  try {
    await p;
  } catch (err) {
    if (isAppError(err)) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('StripePayments (the official SDK against the local Stripe stub)', function () {
  this.timeout(20_000);
  let stub: StripeStub;
  let stripe: StripePayments;

  before(async () => {
    stub = await startStripeStub();
    stripe = new StripePayments({ secretKey: stub.secretKey, webhookSecret: stub.webhookSecret, host: '127.0.0.1', port: Number(stub.env.STRIPE_API_PORT), protocol: 'http', timeoutMs: 5_000 }, pino({ level: 'silent' }));
  });
  after(() => stub.close());

  const request = (over: Partial<AuthorizeRequest> = {}): AuthorizeRequest => ({
    paymentId: randomUUID(), orderId: randomUUID(), amountMinor: 12_550, currency: 'SYP', method: 'card', paymentMethodToken: 'pm_card_visa', idempotencyKey: `checkout:${randomUUID()}:store-1`, ...over,
  });

  it('when a card is authorised, then one PaymentIntent holds the amount in minor units with capture_method manual, under our idempotency key', async () => {
    const req = request();
    const r = await stripe.authorize(req);
    expect(r.status).to.equal('authorized');
    const pi = stub.paymentIntent(r.providerRef)!;
    expect(pi).to.include({ status: 'requires_capture', capture_method: 'manual', amount: 12_550, amount_capturable: 12_550, currency: 'syp' });
    expect(pi.metadata).to.deep.equal({ paymentId: req.paymentId, orderId: req.orderId });
    expect(stub.requests.at(-1)).to.deep.include({ method: 'POST', path: '/v1/payment_intents', idempotencyKey: req.idempotencyKey });
  });

  it('when the same authorisation is retried with its key, then the first PaymentIntent is answered again and the card is held once', async () => {
    const req = request();
    const before = stub.stats();
    const [a, b] = await Promise.all([stripe.authorize(req), stripe.authorize(req)]);
    const c = await stripe.authorize(req);
    expect(new Set([a.providerRef, b.providerRef, c.providerRef]).size).to.equal(1);
    expect(stub.stats().paymentIntents - before.paymentIntents).to.equal(1);
    expect(stub.stats().replays - before.replays).to.equal(2);
    expect(stub.stats().doubleAuthorizations).to.equal(0);
  });

  it('when a hold was released and the same authorisation is retried with its key, then it is declined hold_released, not reported as held', async () => {
    const req = request();
    const first = await stripe.authorize(req);
    await stripe.void(first.providerRef, `release-${first.providerRef}`);
    const again = await stripe.authorize(req);
    expect(again).to.deep.include({ providerRef: first.providerRef, status: 'declined', declineCode: 'hold_released' });
  });

  it('when the declining test card is used, then the answer is declined with the decline code and nothing is held', async () => {
    const before = stub.stats();
    const r = await stripe.authorize(request({ paymentMethodToken: 'pm_card_chargeDeclined' }));
    expect(r).to.include({ status: 'declined', declineCode: 'generic_decline' });
    expect(r.providerRef).to.match(/^pi_/);
    expect(stub.stats().authorizations).to.equal(before.authorizations);
    expect(stub.stats().declines - before.declines).to.equal(1);
  });

  it('when a card needs 3-D Secure, then the answer is requires_action', async () => {
    expect((await stripe.authorize(request({ paymentMethodToken: 'pm_card_authenticationRequired' }))).status).to.equal('requires_action');
  });

  it('when the answer to a capture is lost, then the SDK retries with the same key and the money is taken once', async () => {
    const { providerRef } = await stripe.authorize(request());
    const before = stub.stats();
    stub.dropNextAnswers(1);
    await stripe.capture(providerRef, 12_550, `payment:${providerRef}:capture`);
    const captureCalls = stub.requests.filter((q) => q.path === `/v1/payment_intents/${providerRef}/capture`);
    expect(captureCalls.length, 'the first answer was lost, so the SDK asked again').to.equal(2);
    expect(new Set(captureCalls.map((q) => q.idempotencyKey)).size).to.equal(1);
    expect(stub.stats().charges - before.charges).to.equal(1);
    expect(stub.stats().capturedMinor - before.capturedMinor).to.equal(12_550);
    expect(stub.stats().doubleCharges).to.equal(0);
  });

  it('when a capture repeats under another key after it succeeded, then it is accepted without a second charge', async () => {
    const { providerRef } = await stripe.authorize(request());
    await stripe.capture(providerRef, 12_550, `k1-${providerRef}`);
    const charges = stub.stats().charges;
    await stripe.capture(providerRef, 12_550, `k2-${providerRef}`);
    expect(stub.stats().charges).to.equal(charges);
  });

  it('when a hold is voided (twice), then the PaymentIntent is canceled and the second void is accepted', async () => {
    const { providerRef } = await stripe.authorize(request());
    await stripe.void(providerRef, `void-a-${providerRef}`);
    await stripe.void(providerRef, `void-b-${providerRef}`);
    expect(stub.paymentIntent(providerRef)?.status).to.equal('canceled');
    expect((await rejection(stripe.capture(providerRef, 12_550, `cap-${providerRef}`))).code).to.equal('PAYMENT_PROVIDER_ERROR');
  });

  it('when refunds are asked, then partial and full refunds go through with their keys, and more than was captured is refused', async () => {
    const { providerRef } = await stripe.authorize(request());
    await stripe.capture(providerRef, 12_550, `cap-${providerRef}`);
    const first = await stripe.refund(providerRef, 2_550, 'a missing item', `ref-1-${providerRef}`);
    const again = await stripe.refund(providerRef, 2_550, 'a missing item', `ref-1-${providerRef}`);
    expect(again.refundRef).to.equal(first.refundRef);
    expect((await rejection(stripe.refund(providerRef, 10_001, 'too much', `ref-2-${providerRef}`))).code).to.equal('PAYMENT_PROVIDER_ERROR');
    await stripe.refund(providerRef, 10_000, 'cancelled', `ref-3-${providerRef}`);
    expect(stub.paymentIntent(providerRef)?.amount_refunded).to.equal(12_550);
  });

  it('when a card payment has no payment method token, then it is a VALIDATION_ERROR before any call', async () => {
    const n = stub.requests.length;
    expect((await rejection(stripe.authorize(request({ paymentMethodToken: null })))).code).to.equal('VALIDATION_ERROR');
    expect(stub.requests.length).to.equal(n);
  });

  it('when the secret key is wrong, then PAYMENT_PROVIDER_ERROR', async () => {
    const wrong = new StripePayments({ secretKey: 'sk_test_wrong', webhookSecret: stub.webhookSecret, host: '127.0.0.1', port: Number(stub.env.STRIPE_API_PORT), protocol: 'http', timeoutMs: 5_000 }, pino({ level: 'silent' }));
    expect((await rejection(wrong.authorize(request()))).code).to.equal('PAYMENT_PROVIDER_ERROR');
  });

  describe('webhook verification (the SDK constructEvent, the v1 signature scheme)', () => {
    const piEvent = (type: string) => stub.event(type, { id: 'pi_abc', object: 'payment_intent', amount: 500, amount_received: 500, amount_capturable: 0, last_payment_error: null });

    it('when a webhook is signed with our secret, then it verifies and reads in our words', () => {
      const ev = piEvent('payment_intent.succeeded');
      const payload = JSON.stringify(ev);
      const header = stripeHeader(payload, stub.webhookSecret);
      expect(stripe.verify(payload, header)).to.deep.equal({ id: ev.id, type: 'payment_intent.succeeded', kind: 'captured', providerRef: 'pi_abc', amountMinor: 500, declineCode: null });
    });

    it('when the body was changed, the secret is another, the header is missing or the signature is too old, then WEBHOOK_SIGNATURE_INVALID', () => {
      const payload = JSON.stringify(piEvent('payment_intent.succeeded'));
      const good = stripeHeader(payload, stub.webhookSecret);
      const cases: [string, string | undefined][] = [
        [payload.replace('500', '900'), good],
        [payload, stripeHeader(payload, 'whsec_someoneelse')],
        [payload, undefined],
        [payload, stripeHeader(payload, stub.webhookSecret, Math.floor(Date.now() / 1000) - 3_600)],
      ];
      for (const [body, header] of cases) {
        let code: string | undefined;
        try {
          stripe.verify(body, header);
        } catch (err) {
          code = isAppError(err) ? err.code : 'other';
        }
        expect(code).to.equal('WEBHOOK_SIGNATURE_INVALID');
      }
    });
  });

  function stripeHeader(payload: string, secret: string, timestamp?: number): string {
    // The stub signs with the SDK's own generateTestHeaderString: the same helper here.
    return new Stripe(stub.secretKey).webhooks.generateTestHeaderString({ payload, secret, ...(timestamp ? { timestamp } : {}) });
  }
});
