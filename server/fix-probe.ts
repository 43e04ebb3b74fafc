import { appendFileSync, readFileSync } from 'node:fs';
import { createHistogram, monitorEventLoopDelay, performance, PerformanceObserver, type RecordableHistogram } from 'node:perf_hooks';

/** The main thread's CPU time and its time waiting for a CPU (runnable, not running), ns; null off Linux. */
function schedstat(): [number, number] | null {
  try {
    const [run, wait] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ').map(Number);
    return [run ?? 0, wait ?? 0];
  } catch {
    return null;
  }
}

/** One histogram's summary, in ms. */
const summary = (h: RecordableHistogram) =>
  h.count === 0 ? null : { n: h.count, p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) };
/** Histograms hold integer µs. */
const us = (msValue: number) => Math.max(1, Math.round(msValue * 1_000));
const round3 = (x: number) => Math.round(x * 1_000) / 1_000;
const ms = (usValue: number) => Math.round(usValue / 10) / 100;

/**
 * A diagnostic of the fix path, off unless `HUB_FIX_PROBE_FILE` names a file:
 * every `intervalMs` it appends one JSON line with where a `location` message's
 * time went (its socket's queue, the batcher's linger, the index call, the
 * ack), the batches (sizes, in flight), the event loop (utilisation, longest
 * turn) and GC pauses. It answers "does the fix path wait, or work?" in a
 * benchmark without a profiler's own cost.
 */
export class FixProbe {
  /** Message read → its turn on the socket (the previous message's ack). */
  readonly socketQueue = createHistogram();
  /** Its turn → its batch's reply from the index (linger + index call). */
  readonly index = createHistogram();
  /** Reply → ack written (positions, geofence follow-ups). */
  readonly after = createHistogram();
  /** Message read → ack written. */
  readonly total = createHistogram();
  /** Per batch: first fix queued → batch sent (the linger). */
  readonly linger = createHistogram();
  /** Per batch: sent → reply (the index call, queueing in the client and in Redis included). */
  readonly apply = createHistogram();
  readonly batchSize = createHistogram();
  private maxInFlightBatches = 0;
  private readonly loop = monitorEventLoopDelay({ resolution: 1 });
  private elu = performance.eventLoopUtilization();
  private sched = schedstat();
  private at = performance.now();
  private gcMs = 0;
  private gcMaxMs = 0;
  private gcCount = 0;
  private readonly gc: PerformanceObserver;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly file: string, intervalMs = 5_000) {
    this.loop.enable();
    this.gc = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        this.gcMs += e.duration;
        this.gcCount += 1;
        if (e.duration > this.gcMaxMs) this.gcMaxMs = e.duration;
      }
    });
    this.gc.observe({ entryTypes: ['gc'] });
    this.timer = setInterval(() => this.flush(), intervalMs);
    this.timer.unref();
  }

  /** A message's stages, from `performance.now()` readings. */
  message(read: number, began: number, applied: number, acked: number): void {
    this.socketQueue.record(us(began - read));
    this.index.record(us(applied - began));
    this.after.record(us(acked - applied));
    this.total.record(us(acked - read));
  }

  batch(size: number, lingerMs: number, applyMs: number, inFlightBatches: number): void {
    this.batchSize.record(size);
    this.linger.record(us(lingerMs));
    this.apply.record(us(applyMs));
    if (inFlightBatches > this.maxInFlightBatches) this.maxInFlightBatches = inFlightBatches;
  }

  private flush(): void {
    const elu = performance.eventLoopUtilization(this.elu);
    this.elu = performance.eventLoopUtilization();
    const sched = schedstat();
    const wallNs = (performance.now() - this.at) * 1e6;
    this.at = performance.now();
    // A busy loop that is not running is waiting for a CPU the rest of the machine holds.
    const cpu = sched && this.sched ? { mainRunShare: round3((sched[0] - this.sched[0]) / wallNs), mainRunqueueWaitShare: round3((sched[1] - this.sched[1]) / wallNs) } : null;
    this.sched = sched;
    const line = {
      at: new Date().toISOString(),
      ms: { socketQueue: summary(this.socketQueue), index: summary(this.index), after: summary(this.after), total: summary(this.total), linger: summary(this.linger), apply: summary(this.apply) },
      batches: this.batchSize.count === 0 ? null : { n: this.batchSize.count, meanSize: Math.round(this.batchSize.mean * 10) / 10, maxSize: this.batchSize.max, maxInFlight: this.maxInFlightBatches },
      loop: { utilisation: Math.round(elu.utilization * 1_000) / 1_000, delayP99Ms: ms(this.loop.percentile(99) / 1_000), longestTurnMs: ms(this.loop.max / 1_000) },
      cpu,
      gc: { n: this.gcCount, ms: Math.round(this.gcMs), maxMs: Math.round(this.gcMaxMs) },
    };
    for (const h of [this.socketQueue, this.index, this.after, this.total, this.linger, this.apply, this.batchSize]) h.reset();
    this.loop.reset();
    this.maxInFlightBatches = 0;
    this.gcMs = 0;
    this.gcMaxMs = 0;
    this.gcCount = 0;
    appendFileSync(this.file, `${JSON.stringify(line)}\n`);
  }

  close(): void {
    clearInterval(this.timer);
    this.gc.disconnect();
    this.loop.disable();
  }
}
