import type { Fix, FixResult } from '../geo/index.js';

/** Called once with the message's results (in input order), or without results and with the batch's failure. */
export type FixesDone = (err: unknown, results?: FixResult[]) => void;

/** A settled batch: its fixes, how long its first fix waited for the batch to leave, how long the index took, and the batches in flight when it left. */
export type BatchObserver = (size: number, lingerMs: number, applyMs: number, inFlightBatches: number) => void;

interface Waiting {
  fixes: Fix[];
  done: FixesDone;
}

/**
 * Applies the fixes that every courier socket of this process sends within a
 * short window (`lingerMs`, or the same event-loop turn with 0) with one
 * `applyFixes` call (one script call per region per 100 fixes) instead of one
 * EVALSHA per message: at thousands of fixes a second the per-command cost of
 * the client, of the socket writes and reads, and of Redis dominated the hub.
 * A turn rarely carries more than one message below saturation, so batching by
 * turn alone still cost about one round trip per fix there; a few ms of linger
 * (like a producer's `linger.ms`) make it one per batch.
 *
 * Order per courier is kept: a socket submits its next message only once the
 * previous one has settled, and `applyFixes` applies fixes in input order.
 * A batch that fails as a whole (Redis unavailable) fails every message in it.
 */
export class FixBatcher {
  private waiting: Waiting[] = [];
  private size = 0;
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private inFlight = 0;
  private inFlightBatches = 0;
  /** The waiting batch's timer is the linger's timeout (else an immediate). */
  private lingering = false;
  /** When the waiting batch's first message arrived (performance.now()). */
  private openedAt = 0;

  private readonly maxBatch: number;
  private readonly lingerMs: number;
  private readonly onCallbackError: (err: unknown) => void;
  private readonly observe: BatchObserver | undefined;

  constructor(
    private readonly apply: (fixes: Fix[]) => Promise<FixResult[]>,
    opts: {
      /** A batch leaves as soon as it holds this many fixes (default 1,000). */
      maxBatch?: number;
      /**
       * How long the first fix of a batch may wait for others (ms, default 0:
       * the batch leaves after this turn's I/O, by setImmediate). A few ms turn
       * one Redis round trip per message into one per batch at low and medium
       * rates, where turns rarely carry more than one message.
       */
      lingerMs?: number;
      /** A message's callback threw (a bug): reported here, the batch's other messages still settle. */
      onCallbackError?: (err: unknown) => void;
      /** Told of each batch once it settles (a diagnostic: server/fix-probe.ts). */
      observe?: BatchObserver;
    } = {},
  ) {
    this.maxBatch = opts.maxBatch ?? 1_000;
    this.lingerMs = opts.lingerMs ?? 0;
    this.observe = opts.observe;
    this.onCallbackError = opts.onCallbackError ?? ((err) => queueMicrotask(() => {
      throw err;
    }));
  }

  /** Fixes submitted and not settled yet, this process-wide (queued or in Redis). */
  get pending(): number {
    return this.size + this.inFlight;
  }

  /** Queues a message's fixes; `done` gets its results once its batch is applied. No promise per message. */
  add(fixes: Fix[], done: FixesDone): void {
    if (fixes.length === 0) return done(null, []);
    if (this.waiting.length === 0) this.openedAt = performance.now();
    this.waiting.push({ fixes, done });
    this.size += fixes.length;
    if (this.size >= this.maxBatch) return this.flush();
    // After the linger (or this turn's I/O callbacks): every message read meanwhile joins the batch.
    if (this.timer === null) {
      this.lingering = this.lingerMs > 0;
      this.timer = this.lingering ? setTimeout(this.flush, this.lingerMs) : setImmediate(this.flush);
    } else if (this.lingering && performance.now() - this.openedAt >= this.lingerMs) {
      // The linger is over, but a long turn (a backlog read after a GC pause, a busy box) holds the
      // timer back until the loop's next pass: the batch leaves at the end of this turn instead.
      // Measured on a loaded box: the 5 ms linger's p99 was 18–134 ms, one loop pass more on each ack.
      clearTimeout(this.timer as NodeJS.Timeout);
      this.lingering = false;
      this.timer = setImmediate(this.flush);
    }
  }

  /** `add`, as a promise. */
  submit(fixes: Fix[]): Promise<FixResult[]> {
    return new Promise<FixResult[]>((resolve, reject) => this.add(fixes, (err, results) => (results ? resolve(results) : reject(err))));
  }

  private readonly flush = (): void => {
    if (this.timer) {
      if (this.lingering) clearTimeout(this.timer as NodeJS.Timeout);
      else clearImmediate(this.timer as NodeJS.Immediate);
      this.timer = null;
      this.lingering = false;
    }
    if (this.waiting.length === 0) return;
    const batch = this.waiting;
    const size = this.size;
    this.waiting = [];
    this.size = 0;
    this.inFlight += size;
    this.inFlightBatches += 1;
    const observed = this.observe ? this.observer(size) : null;
    const all = batch.length === 1 ? batch[0]!.fixes : batch.flatMap((w) => w.fixes);
    // Through a promise, so an apply that throws synchronously fails the batch the same way.
    Promise.resolve(all).then(this.apply).then(
      (results) => {
        this.inFlight -= size;
        this.inFlightBatches -= 1;
        observed?.();
        if (batch.length === 1) return this.settle(batch[0]!, null, results);
        let at = 0;
        for (const w of batch) {
          this.settle(w, null, results.slice(at, at + w.fixes.length));
          at += w.fixes.length;
        }
      },
      (err: unknown) => {
        this.inFlight -= size;
        this.inFlightBatches -= 1;
        observed?.();
        for (const w of batch) this.settle(w, err);
      },
    );
  };

  /** The batch being sent: reports its linger, its index call's time and the batches in flight with it once called back. */
  private observer(size: number): () => void {
    const sentAt = performance.now();
    const lingered = sentAt - this.openedAt;
    const inFlight = this.inFlightBatches;
    return () => this.observe?.(size, lingered, performance.now() - sentAt, inFlight);
  }

  /** One message's callback; a callback that throws must not keep the others of its batch from settling. */
  private settle(w: Waiting, err: unknown, results?: FixResult[]): void {
    try {
      w.done(err, results);
    } catch (thrown) {
      this.onCallbackError(thrown);
    }
  }
}
