import type { KeyedQueue } from '../domain/ordering/ports.js';

/**
 * KeyedQueue in memory. A caller queues behind the current last holder of each of its keys;
 * every key of a call is taken in the same synchronous step, so callers are ordered once for
 * all keys and two callers can never wait on each other (no deadlock whatever the key order).
 * Home-made because async-mutex and p-limit lock one key (or none), not a set of keys.
 */
export class InMemoryKeyedQueue implements KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
    const unique = [...new Set(keys)];
    const ahead = unique.map((k) => this.tails.get(k)).filter((p): p is Promise<void> => p !== undefined);
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    for (const k of unique) this.tails.set(k, mine);
    try {
      await Promise.all(ahead);
      return await fn();
    } finally {
      release();
      for (const k of unique) if (this.tails.get(k) === mine) this.tails.delete(k);
    }
  }

  /** Keys with a holder or a queue (for tests and metrics). */
  get size(): number {
    return this.tails.size;
  }
}
