/**
 * The day's demand over the real REST API: at each planned arrival the
 * customer fills a cart from one store, sends it to their address and checks
 * out (cash on delivery, with an Idempotency-Key); the store confirms after a
 * short while, prepares for the planned time and marks the order ready. One
 * customer's orders go one after another (a customer has one cart).
 */
import { randomUUID } from 'node:crypto';
import type { SimClock } from './clock.js';
import type { PlannedOrder } from './plan.js';
import type { World } from './world.js';

export interface PlacedOrder {
  index: number;
  orderId: string;
  placedWall: number;
}

export interface OrderCounters {
  placed: number;
  failed: number;
  ready: number;
  errors: string[];
}

export class OrderFlow {
  readonly placed: PlacedOrder[] = [];
  readonly counters: OrderCounters = { placed: 0, failed: 0, ready: 0, errors: [] };
  private readonly indexOf = new Map<string, number>();
  private readonly ready = new Map<string, { promise: Promise<void>; resolve: () => void }>();
  private readonly customers = new Map<number, Promise<unknown>>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly placing: Promise<unknown>[] = [];

  constructor(private readonly world: World, private readonly clock: SimClock) {}

  orderIndexOf = (orderId: string): number | undefined => this.indexOf.get(orderId);

  readyOf = (orderId: string): Promise<void> => this.deferred(orderId).promise;

  /** Places every planned order at its time; resolves once the last arrival time has come (its checkout may still be on the way). */
  async run(plan: readonly PlannedOrder[], stopped: () => boolean): Promise<void> {
    for (const o of plan) {
      await this.clock.until(o.atS);
      if (stopped()) break;
      const previous = this.customers.get(o.customer) ?? Promise.resolve();
      const placing = previous.then(() => this.place(o));
      this.customers.set(o.customer, placing.catch(() => undefined));
      this.placing.push(placing.catch(() => null));
      const flow = placing.then((orderId) => (orderId ? this.prepare(o, orderId) : undefined)).catch((err: unknown) => this.note(err));
      this.inFlight.add(flow);
      void flow.finally(() => this.inFlight.delete(flow));
    }
  }

  /** Every planned order's checkout has answered. */
  async allPlaced(): Promise<void> {
    await Promise.all(this.placing);
  }

  /** Every placed order's store is done with it (ready, or failed). */
  async settled(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  private async place(o: PlannedOrder): Promise<string | null> {
    const { api } = this.world;
    const { token } = this.world.customers[o.customer]!;
    const store = this.world.stores[o.store]!;
    const address = this.world.addresses[o.address]!;
    try {
      for (const l of o.lines) await api('cart line', '/cart/lines', { method: 'POST', token, json: { variantId: store.variants[l.variant]!.variantId, quantity: l.quantity } });
      await api('cart destination', '/cart/destination', { method: 'PUT', token, json: { addressId: address.addressId } });
      const checkout = await api<{ orders: { orderId: string }[] }>('checkout', '/checkout', { method: 'POST', token, json: { paymentMethod: 'cash' }, headers: { 'Idempotency-Key': randomUUID() } });
      const orderId = checkout.orders[0]!.orderId;
      this.indexOf.set(orderId, o.index);
      this.placed.push({ index: o.index, orderId, placedWall: Date.now() });
      this.counters.placed++;
      return orderId;
    } catch (err) {
      this.counters.failed++;
      this.note(err);
      // Whatever the failed attempt left in the cart must not ride along with the customer's next order.
      for (const l of o.lines) await api('empty cart line', `/cart/lines/${store.variants[l.variant]!.variantId}`, { method: 'DELETE', token }, [200, 204, 404]).catch(() => undefined);
      return null;
    }
  }

  private async prepare(o: PlannedOrder, orderId: string): Promise<void> {
    const { api } = this.world;
    const { ownerToken } = this.world.stores[o.store]!;
    await this.clock.sleep(o.confirmAfterS);
    for (const move of ['confirm', 'preparing']) await api(`store ${move}`, `/orders/${orderId}/${move}`, { method: 'POST', token: ownerToken, json: {} });
    await this.clock.sleep(o.prepS);
    await api('store ready', `/orders/${orderId}/ready`, { method: 'POST', token: ownerToken, json: {} });
    this.counters.ready++;
    this.deferred(orderId).resolve();
  }

  private deferred(orderId: string) {
    let d = this.ready.get(orderId);
    if (!d) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      d = { promise, resolve };
      this.ready.set(orderId, d);
    }
    return d;
  }

  private note(err: unknown): void {
    if (this.counters.errors.length < 50) this.counters.errors.push(err instanceof Error ? err.message : String(err));
  }
}
