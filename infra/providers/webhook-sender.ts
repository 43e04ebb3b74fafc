import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { Webhook } from 'standardwebhooks';
import { ABORT_HEADER, ABORT_VALUE, RESPONSE_SNIPPET_BYTES, type SendResult } from '../../domain/webhooks/model.js';
import type { WebhookSender } from '../../domain/webhooks/ports.js';
import type { WebhookDestinations } from './webhook-destinations.js';

/** Standard Webhooks signatures: one `v1,<base64>` per secret, space-separated (both during a rotation). */
export function signatures(secrets: readonly string[], messageId: string, timestamp: Date, body: string): string {
  return secrets.map((s) => new Webhook(s).sign(messageId, timestamp, body)).join(' ');
}

/**
 * One attempt over HTTP(S): POST the exact body with the Standard Webhooks
 * headers, follow no redirect (a 3xx is a failure), give up after `timeoutMs`
 * whatever the receiver does (hangs, trickles), and read at most
 * RESPONSE_SNIPPET_BYTES of the answer before closing the connection, so a 50 MB
 * answer costs 1 KB.
 */
export class HttpWebhookSender implements WebhookSender {
  private readonly agents: { http: http.Agent; https: https.Agent };

  constructor(private readonly destinations: WebhookDestinations, private readonly settings: { timeoutMs: number; userAgent?: string }) {
    this.agents = {
      http: new http.Agent({ keepAlive: true, maxSockets: 8, lookup: destinations.lookup as never }),
      https: new https.Agent({ keepAlive: true, maxSockets: 8, lookup: destinations.lookup as never }),
    };
  }

  send(req: { url: string; messageId: string; timestamp: Date; body: string; secrets: readonly string[] }): Promise<SendResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const url = new URL(req.url);
    if (this.destinations.literalRefused(url)) return Promise.resolve({ statusCode: null, latencyMs: 0, outcome: 'error', response: '', error: 'destination refused: not https or a private address' });
    const headers = {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(req.body)),
      'user-agent': this.settings.userAgent ?? 'Daraa-Webhooks/1.0',
      'webhook-id': req.messageId,
      'webhook-timestamp': String(Math.floor(req.timestamp.getTime() / 1000)),
      'webhook-signature': signatures(req.secrets, req.messageId, req.timestamp, req.body),
    };
    return new Promise<SendResult>((resolve) => {
      let settled = false;
      const finish = (r: Omit<SendResult, 'latencyMs'>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ ...r, latencyMs: elapsed() });
      };
      const mod = url.protocol === 'https:' ? https : http;
      const request = mod.request(url, { method: 'POST', headers, agent: url.protocol === 'https:' ? this.agents.https : this.agents.http }, (res) => {
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => {
          const response = Buffer.concat(chunks).subarray(0, RESPONSE_SNIPPET_BYTES).toString('utf8');
          const ok = status >= 200 && status < 300;
          const abort = String(res.headers[ABORT_HEADER] ?? '').toLowerCase() === ABORT_VALUE;
          finish({ statusCode: status, outcome: ok ? 'delivered' : abort ? 'aborted' : 'failed', response, error: ok || abort ? null : `HTTP ${status}` });
        };
        res.on('data', (c: Buffer) => {
          if (size < RESPONSE_SNIPPET_BYTES) chunks.push(c);
          size += c.length;
          if (size >= RESPONSE_SNIPPET_BYTES) {
            done();
            res.destroy(); // enough for the log: the rest is never read
          }
        });
        res.on('end', done);
        res.on('error', done);
        res.on('close', done);
      });
      const timer = setTimeout(() => {
        finish({ statusCode: null, outcome: 'timeout', response: '', error: `no answer within ${this.settings.timeoutMs} ms` });
        request.destroy();
      }, this.settings.timeoutMs);
      request.on('error', (err: NodeJS.ErrnoException) => finish({ statusCode: null, outcome: 'error', response: '', error: `${err.code ?? 'ERROR'}: ${err.message}`.slice(0, 300) }));
      request.end(req.body);
    });
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}
