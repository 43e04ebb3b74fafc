import type { IncomingMessage } from 'node:http';
import type { Config } from './config.js';

/** Whether a browser page of `origin` may call this server (REST CORS and the socket handshake). */
export type OriginPolicy = (origin: string, req: IncomingMessage) => boolean;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * CORS_ORIGINS always; in development also the app's own address on the port
 * the request arrived on, so the URL `npm start` prints (whatever PORT, 0
 * included) can load /docs and open sockets from the browser console. Only
 * that port: another local dev server's pages stay outside.
 */
export function originPolicy(config: Pick<Config, 'CORS_ORIGINS' | 'NODE_ENV' | 'HOST' | 'PUBLIC_URL'>): OriginPolicy {
  const listed = new Set(config.CORS_ORIGINS);
  // The app serves its own pages (/ops, /store, /track): their origin is the public URL's.
  if (config.PUBLIC_URL) listed.add(new URL(config.PUBLIC_URL).origin);
  if (config.NODE_ENV !== 'development') return (origin) => listed.has(origin);
  return (origin, req) => listed.has(origin) || isOwnAddress(origin, req, config.HOST);
}

function isOwnAddress(origin: string, req: IncomingMessage, host: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  if (port !== String(req.socket.localPort)) return false;
  const local = (req.socket.localAddress ?? '').replace(/^::ffff:/, '');
  return LOOPBACK.has(url.hostname) || url.hostname === local || url.hostname === `[${local}]` || url.hostname === host;
}
