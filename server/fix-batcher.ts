import type { Fix, FixResult } from '../geo/index.js';

interface Waiting {
  fixes: Fix[];
  resolve: (r: FixResult[]) => void;
  reject: (err: unknown) => void;
}

/**
 * Applies the fixes that every courier socket of this process sends in the
 * same event-loop turn with one `applyFixes` call (one script call per region
 * per 100 fixes) instead of one EVALSHA per message: at thousands of fixes a
 * second the per-command cost of the client and of Redis dominated the hub.
 *
 * Order per courier is kept: a socket submits its next message only once the
 * previous one has settled, and `applyFixes` applies fixes in input order.
 * A batch that fails as a whole (Redis unavailable) fails every message in it.
 */
export class FixBatcher {
  private waiting: Waiting[] = [];
  private size = 0;
  private scheduled = false;
  private inFlight = 0;

  constructor(
    private readonly apply: (fixes: Fix[]) => Promise<FixResult[]>,
    /** A turn with more fixes than this is sent in several calls. */
    private readonly maxBatch = 1_000,
  ) {}

  /** Fixes submitted and not settled yet, this process-wide (queued or in Redis). */
  get pending(): number {
    return this.size + this.inFlight;
  }

  submit(fixes: Fix[]): Promise<FixResult[]> {
    if (fixes.length === 0) return Promise.resolve([]);
    return new Promise<FixResult[]>((resolve, reject) => {
      this.waiting.push({ fixes, resolve, reject });
      this.size += fixes.length;
      if (this.size >= this.maxBatch) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        // After this turn's I/O callbacks: every message read in this turn joins the batch.
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    if (this.waiting.length === 0) return;
    const batch = this.waiting;
    const size = this.size;
    this.waiting = [];
    this.size = 0;
    this.inFlight += size;
    const all = batch.flatMap((w) => w.fixes);
    // Through a promise, so an apply that throws synchronously fails the batch the same way.
    Promise.resolve(all).then(this.apply).then(
      (results) => {
        this.inFlight -= size;
        let at = 0;
        for (const w of batch) {
          w.resolve(results.slice(at, at + w.fixes.length));
          at += w.fixes.length;
        }
      },
      (err: unknown) => {
        this.inFlight -= size;
        for (const w of batch) w.reject(err);
      },
    );
  }
}
