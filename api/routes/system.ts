import Router from '@koa/router';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { getAbsoluteFSPath } from 'swagger-ui-dist';
import { timingSafeEqual } from 'node:crypto';
import { AppError } from '../../domain/shared/errors.js';
import { success } from '../envelope.js';

export interface SystemDeps {
  metrics: { contentType: string; text(): Promise<string> };
  /** Each dependency's state; any 'down' makes /ready answer 503. */
  readiness(): Promise<Record<string, 'up' | 'down'>>;
  openapi(): object;
  metricsToken?: string | undefined;
}

const SWAGGER_FILES: Record<string, string> = {
  'swagger-ui.css': 'text/css',
  'swagger-ui-bundle.js': 'application/javascript',
  'swagger-ui-standalone-preset.js': 'application/javascript',
  'favicon-32x32.png': 'image/png',
};

const DOCS_HTML = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Daraa API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head><body><div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script><script src="/docs/swagger-ui-standalone-preset.js"></script>
<script src="/docs/init.js"></script></body></html>`;
// Served as a file, not inline, so the Content-Security-Policy can forbid inline scripts.
const DOCS_INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: 'StandaloneLayout' });`;

/** Liveness, readiness, metrics and the API docs. Mounted before the rate limiter. */
export function systemRouter(deps: SystemDeps): Router {
  const router = new Router();
  const swaggerDir = getAbsoluteFSPath();

  router.get('/health', (ctx) => {
    ctx.body = success({ status: 'ok', uptimeS: Math.round(process.uptime()) });
  });

  router.get('/ready', async (ctx) => {
    const checks = await deps.readiness();
    const ready = Object.values(checks).every((s) => s === 'up');
    if (!ready) {
      const down = Object.entries(checks).filter(([, s]) => s === 'down').map(([name]) => ({ field: name, reason: 'down', message: `${name} is down` }));
      throw new AppError('SERVICE_UNAVAILABLE', 'Not ready', { details: down, expose: true });
    }
    ctx.body = success({ status: 'ready', checks });
  });

  router.get('/metrics', async (ctx) => {
    if (deps.metricsToken) {
      const given = Buffer.from(ctx.get('authorization').replace(/^Bearer /, ''));
      const want = Buffer.from(deps.metricsToken);
      if (given.length !== want.length || !timingSafeEqual(given, want)) throw new AppError('UNAUTHORIZED', 'Metrics token required');
    }
    ctx.type = deps.metrics.contentType;
    ctx.body = await deps.metrics.text();
  });

  router.get('/openapi.json', (ctx) => {
    ctx.body = deps.openapi();
  });

  router.get('/docs', (ctx) => {
    ctx.type = 'text/html';
    ctx.body = DOCS_HTML;
  });
  router.get('/docs/init.js', (ctx) => {
    ctx.type = 'application/javascript';
    ctx.body = DOCS_INIT;
  });
  router.get('/docs/:file', (ctx) => {
    const type = SWAGGER_FILES[ctx.params.file as string];
    if (!type) throw new AppError('NOT_FOUND', 'Not found');
    ctx.type = type;
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.body = readFileSync(path.join(swaggerDir, ctx.params.file as string));
  });
  return router;
}
