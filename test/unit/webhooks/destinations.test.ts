import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebhookDestinations, isPrivateAddress } from '../../../infra/providers/webhook-destinations.js';
import { HttpWebhookSender } from '../../../infra/providers/webhook-sender.js';
import { newSecret } from '../../../domain/webhooks/model.js';

describe('webhooks: destinations (SSRF protection)', () => {
  const production = new WebhookDestinations({ allowPrivate: false });
  const codeOf = async (url: string) => production.assertAllowed(url).then(() => 'allowed', (err: { code?: string }) => err.code);

  it('when an address is loopback, private, link-local, shared or mapped, then it is private; a public one is not', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1']) {
      expect(isPrivateAddress(a), a).to.equal(true);
    }
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect(isPrivateAddress(a), a).to.equal(false);
  });

  it('when production checks an endpoint URL, then http, private literals and names resolving to loopback are refused with WEBHOOK_URL_REFUSED; a public https literal passes', async () => {
    expect(await codeOf('http://93.184.216.34/hook')).to.equal('WEBHOOK_URL_REFUSED');
    expect(await codeOf('https://127.0.0.1/hook')).to.equal('WEBHOOK_URL_REFUSED');
    expect(await codeOf('https://[::1]:8443/hook')).to.equal('WEBHOOK_URL_REFUSED');
    expect(await codeOf('https://169.254.169.254/latest/meta-data')).to.equal('WEBHOOK_URL_REFUSED');
    expect(await codeOf('https://10.0.0.7/hook')).to.equal('WEBHOOK_URL_REFUSED');
    expect(await codeOf('https://localhost/hook')).to.equal('WEBHOOK_URL_REFUSED');
    expect(await codeOf('https://user:pw@93.184.216.34/hook')).to.equal('WEBHOOK_URL_REFUSED');
    expect(await codeOf('ftp://93.184.216.34/hook')).to.equal('WEBHOOK_URL_REFUSED');
    expect(await codeOf('https://93.184.216.34/hook')).to.equal('allowed');
  });

  it('when the explicit allow setting is on, then local http receivers pass', async () => {
    await new WebhookDestinations({ allowPrivate: true }).assertAllowed('http://127.0.0.1:8080/hook');
  });

  it('when production sends to a loopback receiver (literal or by name), then no request reaches it and the attempt is an error', async () => {
    let reached = 0;
    const server = http.createServer((_q, s) => { reached++; s.end('ok'); });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const { port } = server.address() as AddressInfo;
    try {
      const sender = new HttpWebhookSender(production, { timeoutMs: 1_000 });
      const send = (url: string) => sender.send({ url, messageId: 'msg_x', timestamp: new Date(), body: '{}', secrets: [newSecret()] });
      for (const url of [`http://127.0.0.1:${port}/hook`, `https://127.0.0.1:${port}/hook`, `https://localhost:${port}/hook`]) {
        const r = await send(url);
        expect(r.outcome, url).to.equal('error');
        expect(r.statusCode).to.equal(null);
      }
      sender.close();
      expect(reached).to.equal(0);
    } finally {
      server.close();
    }
  });
});
