import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Hub metrics, registered on the process registry (served at /metrics). */
export class HubMetrics {
  readonly sockets: Gauge<'namespace'>;
  readonly fixes: Counter<'outcome'>;
  readonly broadcasts: Counter<'event'>;
  readonly ingestSeconds: Histogram;
  readonly acks: Counter<'event' | 'code'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.sockets = new Gauge({ name: 'hub_sockets', help: 'Connected sockets by namespace', labelNames: ['namespace'], registers });
    this.fixes = new Counter({ name: 'hub_fixes_total', help: 'Fixes received by outcome (accepted, ignored, dropped by the token bucket, shed under load, rejected)', labelNames: ['outcome'], registers });
    this.broadcasts = new Counter({ name: 'hub_broadcasts_total', help: 'Room broadcasts by event', labelNames: ['event'], registers });
    this.ingestSeconds = new Histogram({
      name: 'hub_ingest_seconds',
      help: 'Time from a location message to its ack (validation + index + fan-out)',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
    this.acks = new Counter({ name: 'hub_error_acks_total', help: 'Error acks by event and code', labelNames: ['event', 'code'], registers });
  }
}
