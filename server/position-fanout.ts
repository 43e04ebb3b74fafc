interface Slot<T> {
  /** When the last position of this order went out. */
  lastAt: number;
  pending: T | null;
}

/** A send, in send order: its window ends at `at + intervalMs`, so the queue is in order of window ends too. */
interface Window<T> {
  orderId: string;
  slot: Slot<T>;
  at: number;
}

/**
 * Coalesces positions per order to at most one per `intervalMs`: the first
 * position in a window goes out at once (no added latency at normal fix
 * rates), later ones replace each other and the newest goes out when the
 * window ends. A courier is connected to one hub process, so per-process
 * coalescing bounds the rate per order cluster-wide.
 *
 * One ticker serves every order (no timer per order or per position): windows
 * are queued in send order, which is also the order in which they end, and
 * each tick sends the newest waiting position of the windows that ended. A
 * tick is a twentieth of the interval (25 ms for 500 ms), the most a coalesced
 * position waits beyond its window.
 */
export class PositionFanout<T> {
  private readonly orders = new Map<string, Slot<T>>();
  private windows: Window<T>[] = [];
  private head = 0;
  private ticker: NodeJS.Timeout | null = null;
  private readonly tickMs: number;

  constructor(
    private readonly send: (orderId: string, payload: T) => void,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tickMs = Math.max(5, Math.floor(intervalMs / 20));
  }

  offer(orderId: string, payload: T): void {
    const t = this.now();
    const slot = this.orders.get(orderId);
    if (!slot) {
      const fresh: Slot<T> = { lastAt: t, pending: null };
      this.orders.set(orderId, fresh);
      return this.emit(orderId, fresh, payload, t);
    }
    if (slot.pending === null && slot.lastAt + this.intervalMs <= t) return this.emit(orderId, slot, payload, t);
    slot.pending = payload; // goes out when the window ends
  }

  private emit(orderId: string, slot: Slot<T>, payload: T, t: number): void {
    slot.lastAt = t;
    slot.pending = null;
    this.windows.push({ orderId, slot, at: t });
    this.ticker ??= setInterval(this.tick, this.tickMs).unref();
    this.send(orderId, payload);
  }

  private readonly tick = (): void => {
    const t = this.now();
    const end = t - this.intervalMs;
    const windows = this.windows;
    let i = this.head;
    // Sends below append to `windows`; their windows end later, so this loop stops before them.
    for (; i < windows.length && windows[i]!.at <= end; i++) {
      const w = windows[i]!;
      if (this.orders.get(w.orderId) !== w.slot || w.slot.lastAt !== w.at) continue; // forgotten, or sent since
      if (w.slot.pending !== null) this.emit(w.orderId, w.slot, w.slot.pending, t);
    }
    this.head = i;
    if (this.head === this.windows.length) {
      this.windows = [];
      this.head = 0;
      clearInterval(this.ticker!);
      this.ticker = null;
    } else if (this.head > 1_024 && this.head * 2 > this.windows.length) {
      this.windows = this.windows.slice(this.head);
      this.head = 0;
    }
  };

  /** Forget an order (final status, or its courier went away). */
  forget(orderId: string): void {
    this.orders.delete(orderId);
  }

  close(): void {
    this.orders.clear();
    this.windows = [];
    this.head = 0;
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
  }
}
