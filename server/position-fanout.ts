/**
 * Coalesces positions per order to at most one per `intervalMs`: the first
 * position in a window goes out at once (no added latency at normal fix
 * rates), later ones replace each other and the newest goes out when the
 * window ends. A courier is connected to one hub process, so per-process
 * coalescing bounds the rate per order cluster-wide.
 */
export class PositionFanout<T> {
  private readonly orders = new Map<string, { lastAt: number; pending: T | null; timer: NodeJS.Timeout | null }>();

  constructor(
    private readonly send: (orderId: string, payload: T) => void,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  offer(orderId: string, payload: T): void {
    const t = this.now();
    const slot = this.orders.get(orderId);
    if (!slot) {
      this.orders.set(orderId, { lastAt: t, pending: null, timer: null });
      this.send(orderId, payload);
      return;
    }
    if (slot.timer) {
      slot.pending = payload;
      return;
    }
    const wait = slot.lastAt + this.intervalMs - t;
    if (wait <= 0) {
      slot.lastAt = t;
      this.send(orderId, payload);
      return;
    }
    slot.pending = payload;
    slot.timer = setTimeout(() => this.flush(orderId), wait);
    slot.timer.unref();
  }

  private flush(orderId: string): void {
    const slot = this.orders.get(orderId);
    if (!slot) return;
    slot.timer = null;
    if (slot.pending !== null) {
      const payload = slot.pending;
      slot.pending = null;
      slot.lastAt = this.now();
      this.send(orderId, payload);
    }
  }

  /** Forget an order (final status, or its courier went away). */
  forget(orderId: string): void {
    const slot = this.orders.get(orderId);
    if (slot?.timer) clearTimeout(slot.timer);
    this.orders.delete(orderId);
  }

  close(): void {
    for (const id of [...this.orders.keys()]) this.forget(id);
  }
}
