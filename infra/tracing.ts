import { context, trace, SpanStatusCode, type Span, type Tracer } from '@opentelemetry/api';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

/**
 * OpenTelemetry tracing. Spans are always created (so trace ids reach the logs
 * and X-Trace-Id); they are exported over OTLP/HTTP only when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set.
 */
export class Tracing {
  private readonly provider: NodeTracerProvider;
  readonly tracer: Tracer;

  constructor(serviceName: string, otlpEndpoint?: string) {
    const spanProcessors: SpanProcessor[] = [];
    if (otlpEndpoint) {
      spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url: `${otlpEndpoint.replace(/\/$/, '')}/v1/traces` })));
    }
    this.provider = new NodeTracerProvider({ resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }), spanProcessors });
    this.provider.register();
    this.tracer = this.provider.getTracer('daraa');
  }

  /** Run `fn` inside a span; errors mark the span and propagate. */
  async inSpan<T>(name: string, attributes: Record<string, string | number>, fn: (span: Span) => Promise<T>): Promise<T> {
    return this.tracer.startActiveSpan(name, { attributes }, async (span) => {
      try {
        return await fn(span);
      } catch (err) {
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw err;
      } finally {
        span.end();
      }
    });
  }

  currentTraceId(): string | undefined {
    return trace.getSpan(context.active())?.spanContext().traceId;
  }

  async shutdown(): Promise<void> {
    await this.provider.shutdown();
  }
}
