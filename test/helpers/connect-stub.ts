import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

/** A transfer as the stub keeps it (Stripe's fields, plus the later-settling `status`). */
export interface StubTransfer {
  id: string;
  object: 'transfer';
  amount: number;
  currency: string;
  destination: string;
  transfer_group: string | null;
  metadata: Record<string, string>;
  reversed: boolean;
  status: 'pending' | 'paid' | 'failed';
  failure_message: string | null;
  created: number;
}

export interface ConnectStub {
  url: string;
  /** StripeConnectSettings for the adapter. */
  settings: { secretKey: string; host: string; port: number; protocol: 'http'; timeoutMs: number; maxNetworkRetries: number };
  /** Connected accounts that exist; a transfer to any other is refused (400 resource_missing). */
  accounts: Set<string>;
  transfers: Map<string, StubTransfer>;
  /** Every request: method, path, Idempotency-Key. */
  requests: { method: string; path: string; idempotencyKey: string | null }[];
  /** Answers replayed for a key seen before. */
  replays(): number;
  /** New transfers start `pending` (settled later by `settle`) or `paid`. */
  startAs(status: 'pending' | 'paid'): void;
  /** The next `n` requests are answered 503 without doing anything. */
  failNext(n: number): void;
  /** The next `n` transfer POSTs are carried out (or replayed), but the answer is lost (the socket is destroyed). The SDK itself retries a closed connection once. */
  dropNextAnswers(n: number): void;
  settle(transferId: string, status: 'paid' | 'failed', failureMessage?: string): void;
  close(): Promise<void>;
}

const stripeError = (status: number, type: string, code: string, message: string) => ({ status, body: { error: { type, code, message } } });

/**
 * A local HTTP server standing in for a Stripe-Connect-style transfer API: `POST /v1/transfers`
 * (form-encoded, as the SDK sends) with Stripe's Idempotency-Key rules (same key and parameters:
 * the first answer again with `Idempotent-Replayed: true`; other parameters: 400
 * idempotency_error) and `GET /v1/transfers/:id` to poll. Listens on 127.0.0.1:0 only.
 */
export async function startConnectStub(): Promise<ConnectStub> {
  const secretKey = `sk_test_${randomBytes(12).toString('hex')}`;
  const transfers = new Map<string, StubTransfer>();
  const byKey = new Map<string, { params: string; status: number; body: unknown }>();
  const requests: ConnectStub['requests'] = [];
  const accounts = new Set<string>();
  let replays = 0;
  let startAs: 'pending' | 'paid' = 'paid';
  let failing = 0;
  let dropping = 0;

  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const key = (req.headers['idempotency-key'] as string | undefined) ?? null;
      requests.push({ method: req.method ?? 'GET', path: url.pathname, idempotencyKey: key });
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${randomBytes(6).toString('hex')}`, ...headers });
        res.end(JSON.stringify(body));
      };
      if (req.headers.authorization !== `Bearer ${secretKey}`) return send(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } });
      if (failing > 0) {
        failing--;
        return send(503, { error: { type: 'api_error', message: 'stub: service unavailable' } });
      }
      if (req.method === 'GET' && url.pathname.startsWith('/v1/transfers/')) {
        const t = transfers.get(decodeURIComponent(url.pathname.slice('/v1/transfers/'.length)));
        return t ? send(200, t) : send(404, { error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such transfer' } });
      }
      if (req.method === 'POST' && url.pathname === '/v1/transfers') {
        const form = new URLSearchParams(raw);
        const params = [...form.entries()].sort().map(([k, v]) => `${k}=${v}`).join('&');
        const seen = key ? byKey.get(key) : undefined;
        if (seen) {
          if (seen.params !== params) return send(400, { error: { type: 'idempotency_error', message: 'Keys for idempotent requests can only be used with the same parameters they were first used with.' } });
          replays++;
          if (dropping > 0) {
            dropping--;
            return res.destroy();
          }
          return send(seen.status, seen.body, { 'idempotent-replayed': 'true' });
        }
        const answer = create(form);
        if (key) byKey.set(key, { params, status: answer.status, body: answer.body });
        if (dropping > 0) {
          dropping--;
          return res.destroy();
        }
        return send(answer.status, answer.body);
      }
      send(404, { error: { type: 'invalid_request_error', message: `stub: no route ${req.method} ${url.pathname}` } });
    });
  });

  function create(form: URLSearchParams): { status: number; body: unknown } {
    const amount = Number(form.get('amount'));
    const destination = form.get('destination') ?? '';
    if (!Number.isSafeInteger(amount) || amount <= 0) return stripeError(400, 'invalid_request_error', 'parameter_invalid_integer', 'Invalid positive integer');
    if (!accounts.has(destination)) return stripeError(400, 'invalid_request_error', 'resource_missing', `No such destination: '${destination}'`);
    const metadata: Record<string, string> = {};
    for (const [k, v] of form.entries()) {
      const m = /^metadata\[(.+)\]$/.exec(k);
      if (m) metadata[m[1]!] = v;
    }
    const t: StubTransfer = {
      id: `tr_${randomBytes(8).toString('hex')}`, object: 'transfer', amount, currency: form.get('currency') ?? '', destination, transfer_group: form.get('transfer_group'),
      metadata, reversed: false, status: startAs, failure_message: null, created: Math.floor(Date.now() / 1000),
    };
    transfers.set(t.id, t);
    return { status: 200, body: t };
  }

  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    settings: { secretKey, host: '127.0.0.1', port, protocol: 'http', timeoutMs: 2_000, maxNetworkRetries: 0 },
    accounts,
    transfers,
    requests,
    replays: () => replays,
    startAs: (s) => (startAs = s),
    failNext: (n) => (failing = n),
    dropNextAnswers: (n) => (dropping = n),
    settle(id, status, failureMessage) {
      const t = transfers.get(id);
      if (!t) throw new Error(`stub: no transfer ${id}`);
      t.status = status;
      t.failure_message = status === 'failed' ? (failureMessage ?? 'account closed') : null;
    },
    close: () => new Promise<void>((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    }),
  };
}
