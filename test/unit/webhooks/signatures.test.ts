import { expect } from 'chai';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { signatures } from '../../../infra/providers/webhook-sender.js';
import { newSecret } from '../../../domain/webhooks/model.js';

/** Test vectors: what a receiver using the Standard Webhooks verifier accepts and refuses of what we sign. */
describe('webhooks: signatures against the Standard Webhooks verifier', () => {
  const secret = newSecret();
  const body = '{"type":"ordering.order.placed","timestamp":"2026-01-10T09:02:00.000Z","data":{"orderId":"o-1"}}';
  const id = 'msg_2f9d1c4b7a6e4d3c8b1a0f9e8d7c6b5a';
  const headersAt = (when: Date, signature: string) => ({ 'webhook-id': id, 'webhook-timestamp': String(Math.floor(when.getTime() / 1000)), 'webhook-signature': signature });
  const refused = (fn: () => unknown, why: RegExp) => {
    expect(fn).to.throw(WebhookVerificationError, why);
  };

  it('when a message is signed with the secret, then the verifier accepts it and answers the body', () => {
    const now = new Date();
    expect(secret).to.match(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(new Webhook(secret).verify(body, headersAt(now, signatures([secret], id, now, body)))).to.deep.equal(JSON.parse(body));
  });

  it('when several signatures are sent (a rotation) and only one is of the receiver\'s secret, then it is accepted, whichever it knows', () => {
    const now = new Date();
    const other = newSecret();
    const header = signatures([other, secret], id, now, body);
    expect(header.split(' ')).to.have.length(2);
    expect(() => new Webhook(secret).verify(body, headersAt(now, header))).not.to.throw();
    expect(() => new Webhook(other).verify(body, headersAt(now, header))).not.to.throw();
  });

  it('when the body is tampered with, then it is refused', () => {
    const now = new Date();
    refused(() => new Webhook(secret).verify(body.replace('o-1', 'o-2'), headersAt(now, signatures([secret], id, now, body))), /No matching signature/);
  });

  it('when the id is changed (a replayed body under another id), then it is refused', () => {
    const now = new Date();
    refused(() => new Webhook(secret).verify(body, { ...headersAt(now, signatures([secret], id, now, body)), 'webhook-id': 'msg_other' }), /No matching signature/);
  });

  it('when it is signed with another secret, then it is refused', () => {
    const now = new Date();
    refused(() => new Webhook(secret).verify(body, headersAt(now, signatures([newSecret()], id, now, body))), /No matching signature/);
  });

  it('when the timestamp is older than 5 minutes, then it is refused even with a valid signature', () => {
    const old = new Date(Date.now() - 5 * 60_000 - 10_000);
    refused(() => new Webhook(secret).verify(body, headersAt(old, signatures([secret], id, old, body))), /too old/);
  });

  it('when a header is missing, then it is refused', () => {
    const now = new Date();
    const full = headersAt(now, signatures([secret], id, now, body));
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const) {
      const { [name]: _gone, ...rest } = full;
      refused(() => new Webhook(secret).verify(body, rest), /Missing required headers/);
    }
  });
});
