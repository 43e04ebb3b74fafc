import { expect } from 'chai';
import Stripe from 'stripe';
import { StripeConnectPayouts } from '../../infra/providers/stripe-connect-payouts.js';
import { loadConfig, ConfigError } from '../../infra/config.js';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The Stripe Connect payout webhook's own secret: verified on the raw body; none configured, none accepted. */
describe('Stripe Connect payout webhook secret', () => {
  const settings = { secretKey: 'sk_test_unit', host: '127.0.0.1', port: 9, protocol: 'http' as const, timeoutMs: 1_000 };
  const event = JSON.stringify({ id: 'evt_1', object: 'event', type: 'transfer.updated', data: { object: { id: 'tr_1', object: 'transfer', status: 'paid', metadata: { payoutId: 'po-1' } } } });
  const header = (secret: string, payload = event) => Stripe.webhooks.generateTestHeaderString({ payload, secret });
  const refusal = (f: () => unknown) => {
    try {
      f();
    } catch (err) {
      return err as { code?: string; details?: { reason?: string }[] };
    }
    return null;
  };

  it('when no connect webhook secret is configured, then every webhook is refused as not configured, even a well-signed one', () => {
    const provider = new StripeConnectPayouts(settings);
    const err = refusal(() => provider.readWebhook(event, header('whsec_anything')));
    expect([err?.code, err?.details?.[0]?.reason]).to.deep.equal(['WEBHOOK_SIGNATURE_INVALID', 'not_configured']);
  });

  it('when the secret is configured, then only the raw body it signed is read: another secret or a changed body is refused', () => {
    const provider = new StripeConnectPayouts({ ...settings, webhookSecret: 'whsec_connect' });
    expect(provider.readWebhook(event, header('whsec_connect'))).to.deep.include({ payoutId: 'po-1', outcome: 'paid' });
    expect(refusal(() => provider.readWebhook(event, header('whsec_payments')))?.code).to.equal('WEBHOOK_SIGNATURE_INVALID');
    const reformatted = JSON.stringify(JSON.parse(event), null, 2);
    expect(refusal(() => provider.readWebhook(reformatted, header('whsec_connect')))?.code, 'the same JSON, re-serialised').to.equal('WEBHOOK_SIGNATURE_INVALID');
  });

  it('when STRIPE_CONNECT_WEBHOOK_SECRET equals STRIPE_WEBHOOK_SECRET, then the config refuses it; unset, it stays unset', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'daraa-cfg-'));
    expect(() => loadConfig({ DATA_DIR: dir, STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_WEBHOOK_SECRET: 'whsec_same', STRIPE_CONNECT_WEBHOOK_SECRET: 'whsec_same' })).to.throw(ConfigError, /STRIPE_CONNECT_WEBHOOK_SECRET/);
    expect(loadConfig({ DATA_DIR: dir, STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_WEBHOOK_SECRET: 'whsec_pay' }).STRIPE_CONNECT_WEBHOOK_SECRET).to.equal(undefined);
  });
});
