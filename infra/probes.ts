import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { pingRedis, type RedisClient } from './redis.js';
import { pingStore, type Store } from './db/store.js';

export type Readiness = () => Promise<Record<string, 'up' | 'down'>>;

/** Redis and the database, each 'up' or 'down'; /ready answers 503 when any is down. */
export function readinessOf(redis: RedisClient, store: Store): Readiness {
  return async () => {
    const [r, d] = await Promise.all([
      pingRedis(redis).then(() => 'up' as const, () => 'down' as const),
      pingStore(store).then(() => 'up' as const, () => 'down' as const),
    ]);
    return { redis: r, database: d };
  };
}

export interface ProbeDeps {
  metrics: { contentType: string; text(): Promise<string> };
  readiness: Readiness;
  metricsToken?: string | undefined;
}

/**
 * /health, /ready and /metrics for a process without the Koa app (the hub
 * role), answering the same bodies as the API's system routes (the one
 * envelope). Returns false for any other request, which the caller answers.
 */
export function probeHandler(deps: ProbeDeps): (req: IncomingMessage, res: ServerResponse) => boolean {
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const pathname = (req.url ?? '/').split('?')[0];
    switch (pathname) {
      case '/health':
        send(res, 200, { success: true, data: { status: 'ok', uptimeS: Math.round(process.uptime()) }, message: 'OK' });
        return true;
      case '/ready':
        void deps.readiness().then((checks) => {
          const down = Object.entries(checks).filter(([, s]) => s === 'down');
          if (down.length === 0) return send(res, 200, { success: true, data: { status: 'ready', checks }, message: 'OK' });
          const details = down.map(([name]) => ({ field: name, reason: 'down', message: `${name} is down` }));
          send(res, 503, { success: false, error: { code: 'SERVICE_UNAVAILABLE', message: 'Not ready', details } });
        });
        return true;
      case '/metrics': {
        if (deps.metricsToken) {
          const given = Buffer.from((req.headers.authorization ?? '').replace(/^Bearer /, ''));
          const want = Buffer.from(deps.metricsToken);
          if (given.length !== want.length || !timingSafeEqual(given, want)) {
            send(res, 401, { success: false, error: { code: 'UNAUTHORIZED', message: 'Metrics token required' } });
            return true;
          }
        }
        void deps.metrics.text().then((text) => {
          res.writeHead(200, { 'content-type': deps.metrics.contentType });
          res.end(text);
        });
        return true;
      }
      default:
        return false;
    }
  };
}

/** Anything a probe does not answer, on a hub: 404 in the envelope (Socket.IO takes /socket.io/ before this). */
export function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ success: false, error: { code: 'NOT_FOUND', message: 'Not found: this is a hub process (WebSocket only); the REST API runs in the api role' } }));
}
