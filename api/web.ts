import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Middleware } from 'koa';
import { serviceUnavailable } from '../domain/shared/errors.js';

/** The browser pages' paths: one HTML shell, which picks the page from the path. */
const PAGE = /^\/(?:track\/[A-Za-z0-9_-]{1,128}|store|ops)\/?$/;
/** Built assets are flat and named by content hash (Vite's `assets/[name]-[hash].[ext]`). */
const ASSET = /^\/assets\/([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.([a-z0-9]+))$/;
const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  woff2: 'font/woff2',
  json: 'application/json',
  map: 'application/json',
};

export interface WebPagesOptions {
  /** The Vite build (web/dist). */
  dir: string;
  /** The map style the pages load (MAP_STYLE_URL); its origin is the one outside host the CSP allows. */
  mapStyleUrl?: string | undefined;
}

/** The CSP of the pages: the app's own origin, and the tile host when a map style is configured. */
export function pagePolicy(mapStyleUrl?: string): string {
  const tiles = mapStyleUrl ? ` ${new URL(mapStyleUrl).origin}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    // data: for the SVG icons inside MapLibre's own stylesheet.
    `img-src 'self' data:${tiles}`,
    `connect-src 'self'${tiles}`,
    "worker-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const escapeAttr = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/**
 * Serves the built pages: hashed assets cached for a year (immutable), the HTML shell never cached
 * without revalidation, so a new build is picked up at the next load. The shell carries the map
 * style in a meta tag: the pages have no inline script to read settings from.
 */
export function webPages(opts: WebPagesOptions): Middleware {
  const policy = pagePolicy(opts.mapStyleUrl);
  let shell: { mtimeMs: number; html: string } | undefined;
  const readShell = (): string => {
    const file = path.join(opts.dir, 'index.html');
    if (!existsSync(file)) throw serviceUnavailable('The web pages are not built: npm start builds them (scripts/build-web.mjs)');
    const { mtimeMs } = statSync(file);
    if (shell?.mtimeMs !== mtimeMs) {
      const html = readFileSync(file, 'utf8').replace('<meta name="daraa-map-style" content="">', `<meta name="daraa-map-style" content="${escapeAttr(opts.mapStyleUrl ?? '')}">`);
      shell = { mtimeMs, html };
    }
    return shell.html;
  };

  return async (ctx, next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    if (PAGE.test(ctx.path)) {
      ctx.body = readShell();
      ctx.type = 'text/html; charset=utf-8';
      ctx.set('Cache-Control', 'no-cache');
      ctx.set('Content-Security-Policy', policy);
      return;
    }
    const asset = ASSET.exec(ctx.path);
    if (!asset) return next();
    const file = path.join(opts.dir, 'assets', asset[1]!);
    if (!existsSync(file)) return next();
    ctx.type = TYPES[asset[2]!] ?? 'application/octet-stream';
    ctx.length = statSync(file).size;
    ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
    ctx.set('Content-Security-Policy', policy);
    ctx.body = ctx.method === 'HEAD' ? null : createReadStream(file);
  };
}

/** Where the build is: web/dist beside api/ in the sources, dist/web/dist in the compiled tree. */
export const WEB_BUILD_DIR = path.join(__dirname, '..', 'web', 'dist');
