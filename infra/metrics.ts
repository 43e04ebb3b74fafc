import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DispatchStats } from '../domain/dispatch/stats.js';

/**
 * The process's own figures (CPU, memory, GC, event loop lag), collected once per
 * process however many systems it starts (a test process starts hundreds): prom-client's
 * GC observer can never be stopped, and one per system kept every stopped system's
 * registry, and all its gauges' closures reached, alive.
 */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * One registry per system, scraped together with the process's figures. Route labels use the route template
 * (`/api/v1/admin/audit-log/:id`), never the raw URL, so cardinality stays bounded.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly contentType = this.registry.contentType;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly jobs: Counter<'queue' | 'outcome'>;

  constructor(role: string) {
    this.registry.setDefaultLabels({ role });
    processMetrics();
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    this.jobs = new Counter({
      name: 'queue_jobs_total',
      help: 'BullMQ jobs processed by queue and outcome',
      labelNames: ['queue', 'outcome'],
      registers: [this.registry],
    });
  }

  /** The scrape: the process's figures, then this system's (labelled with its role). */
  async text(): Promise<string> {
    const [own, proc] = await Promise.all([this.registry.metrics(), processMetrics().metrics()]);
    return `${proc.trimEnd()}\n${own}`;
  }

  /**
   * The ops board's dispatch figures as gauges, read at scrape time through
   * `read` (the same dispatchStats the stats route answers, over a fixed
   * window), so Prometheus and the board never disagree. A figure with
   * nothing to measure in the window is absent, not 0.
   */
  dispatchFigures(read: () => Promise<DispatchStats>, windowMinutes: number): void {
    const labels = { window: `${windowMinutes}m` };
    let pending: Promise<DispatchStats | null> | null = null;
    // One read per scrape, shared by every gauge's collect().
    const once = () => (pending ??= read().catch(() => null).finally(() => setTimeout(() => (pending = null), 0)));
    const gauge = (name: string, help: string, pick: (s: DispatchStats) => Record<string, number | null>) =>
      new Gauge({
        name, help, labelNames: ['window', 'stat'], registers: [this.registry],
        async collect() {
          this.reset();
          const s = await once();
          if (!s) return;
          for (const [stat, v] of Object.entries(pick(s))) if (v !== null) this.set({ ...labels, stat }, v);
        },
      });
    const spread = (x: DispatchStats['timeToAssign']) => ({ mean: x.meanS, p90: x.p90S });
    gauge('dispatch_time_to_assign_seconds', 'Dispatch opened to first assignment', (s) => spread(s.timeToAssign));
    gauge('dispatch_offer_to_accept_seconds', 'Offer sent to accepted', (s) => spread(s.offerToAccept));
    gauge('dispatch_acceptance_ratio', 'Accepted / (accepted + declined + expired) offers', (s) => ({ value: s.acceptanceRate }));
    gauge('dispatch_reassignments_per_order', 'Assignments after the first, per delivery', (s) => ({ value: s.reassignmentsPerOrder }));
    gauge('dispatch_courier_utilisation_ratio', 'Courier time on a job / time online', (s) => ({ value: s.courierUtilisation }));
    gauge('dispatch_wait_at_store_seconds', 'Entered the store geofence to picked up', (s) => spread(s.waitAtStore));
    gauge('dispatch_on_time_ratio', 'Delivered by the promised time / delivered', (s) => ({ value: s.onTimePct === null ? null : s.onTimePct / 100 }));
  }
}
