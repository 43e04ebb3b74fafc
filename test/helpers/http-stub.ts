import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubRequest {
  method: string;
  url: URL;
  body: string;
}

export type StubHandler = (req: StubRequest) => { status?: number; json?: unknown; delayMs?: number } | Promise<{ status?: number; json?: unknown; delayMs?: number }>;

export interface HttpStub {
  /** Base URL, e.g. http://127.0.0.1:PORT */
  url: string;
  /** Every request received, in order. */
  requests: StubRequest[];
  /** Replace the handler between tests. */
  handle(handler: StubHandler): void;
  close(): Promise<void>;
}

/**
 * A tiny local HTTP server standing in for a third-party API (Google, SMS,
 * webhooks) so tests never reach the network. Listens on 127.0.0.1:0.
 */
export async function startHttpStub(initial: StubHandler = () => ({ status: 404, json: {} })): Promise<HttpStub> {
  let handler = initial;
  const requests: StubRequest[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      const r: StubRequest = { method: req.method ?? 'GET', url: new URL(req.url ?? '/', 'http://127.0.0.1'), body };
      requests.push(r);
      try {
        const out = await handler(r);
        if (out.delayMs) await new Promise((ok) => setTimeout(ok, out.delayMs));
        if (res.destroyed) return;
        res.writeHead(out.status ?? 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(out.json ?? {}));
      } catch (err) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: String(err) }));
      }
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    handle(h) {
      handler = h;
    },
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
