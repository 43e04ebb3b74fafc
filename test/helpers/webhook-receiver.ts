import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

/** How one path answers: a status (with headers), hang (never answer), or a body of `bigBytes`. */
export type Behaviour = { status: number; headers?: Record<string, string>; bigBytes?: number } | { hang: true } | ((n: number) => { status: number; headers?: Record<string, string>; bigBytes?: number });

export interface WebhookReceiver {
  url: string;
  received: Received[];
  on(path: string, b: Behaviour): void;
  at(path: string): Received[];
  close(): Promise<void>;
}

/** A real local HTTP receiver for webhooks: records every request; each path behaves as told (default 200). */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const behaviours = new Map<string, Behaviour>();
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      const n = received.filter((r) => r.path === path).length;
      const raw = behaviours.get(path) ?? { status: 200 };
      const b = typeof raw === 'function' ? raw(n) : raw;
      if ('hang' in b) return; // never answers; the sender's timeout ends it
      res.writeHead(b.status, { 'content-type': 'text/plain', ...(b.headers ?? {}) });
      if (!b.bigBytes) return void res.end(`answer ${b.status}`);
      const mb = Buffer.alloc(1 << 20, 'x');
      let sent = 0;
      const pump = () => {
        while (sent < b.bigBytes! && !res.destroyed) {
          sent += mb.length;
          if (!res.write(mb)) return void res.once('drain', pump);
        }
        if (!res.destroyed) res.end();
      };
      res.on('error', () => undefined);
      pump();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    on: (path, b) => void behaviours.set(path, b),
    at: (path) => received.filter((r) => r.path === path),
    close: () => new Promise<void>((ok) => { server.closeAllConnections(); server.close(() => ok()); }),
  };
}

/** Polls `check` until it answers something truthy or `ms` pass. */
export async function eventually<T>(check: () => Promise<T | undefined | null | false> | T | undefined | null | false, ms = 8_000, what = 'condition'): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
