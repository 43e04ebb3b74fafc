import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import type { Span } from '@opentelemetry/api';
import type { Histogram } from 'prom-client';

/** What the API records per request (infra/metrics.ts Metrics). */
export interface HttpMetrics {
  httpDuration: Pick<Histogram<'method' | 'route' | 'status'>, 'observe'>;
}
/** Spans around requests (infra/tracing.ts Tracing). */
export interface RequestTracing {
  inSpan<T>(name: string, attributes: Record<string, string | number>, fn: (span: Span) => Promise<T>): Promise<T>;
}

/**
 * One span, one structured log line and one histogram sample per request.
 * It sits outside the error middleware, so it sees the final status.
 */
export const observe = (deps: { logger: Logger; metrics: HttpMetrics; tracing: RequestTracing }): Middleware => async (ctx, next) => {
  const start = process.hrtime.bigint();
  await deps.tracing.inSpan(`HTTP ${ctx.method}`, { 'http.method': ctx.method, 'http.target': ctx.path }, async (span) => {
    const traceId = span.spanContext().traceId;
    ctx.state.traceId = traceId;
    ctx.set('X-Trace-Id', traceId);
    ctx.state.log = deps.logger.child({ requestId: ctx.state.requestId, traceId });
    try {
      await next();
    } finally {
      const route = (ctx as { _matchedRoute?: string })._matchedRoute ?? (ctx.status === 404 ? 'unmatched' : ctx.path);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      span.setAttribute('http.route', String(route));
      span.setAttribute('http.status_code', ctx.status);
      deps.metrics.httpDuration.observe({ method: ctx.method, route: String(route), status: String(ctx.status) }, seconds);
      const principal = ctx.state.principal as { accountId?: string; role?: string } | undefined;
      (ctx.state.log as Logger).info(
        {
          req: { method: ctx.method, url: ctx.originalUrl.split('?')[0], ip: ctx.ip },
          res: { status: ctx.status },
          route,
          ms: Math.round(seconds * 1e4) / 10,
          ...(principal ? { account: principal.accountId, role: principal.role } : {}),
          ...(ctx.state.errorCode ? { errorCode: ctx.state.errorCode } : {}),
        },
        'request',
      );
    }
  });
};
