import type { Clock } from '../../shared/ids.js';
import { AWAITING_STORE, type OrderStatus, type OrderView } from '../order.js';
import { changeOrder, type OrderWriter } from './order-support.js';

/** The reason an order the store never answered is rejected with. */
export const STORE_TIMEOUT = 'store_timeout';

/** Where each delivery status leaves the order: the moves to make, in order, from wherever it stands. */
const FOLLOW: Partial<Record<string, readonly OrderStatus[]>> = {
  picked_up: ['picked_up'],
  // delivered → completed at once: the card was captured at confirm and the courier records cash at the
  // door, so nothing is left to settle with the customer. Finance settles on `ordering.order.completed`.
  delivered: ['picked_up', 'delivered', 'completed'],
};
const ORDER_RANK = (s: OrderStatus) => ['ready_for_pickup', 'picked_up', 'delivered', 'completed'].indexOf(s);

/**
 * The moves nobody makes by hand (actor: system), each idempotent so a retried
 * job or a redelivered event changes nothing: payments' authorisation, the
 * auto-reject of an order the store did not answer, and picked_up / delivered /
 * completed following the order's delivery.
 */
export class SystemOrderTransitions {
  constructor(private readonly deps: OrderWriter & { clock: Clock }) {}

  /** placed → awaiting_payment once the card's funds are held; the store may then confirm. */
  async paymentAuthorized(orderId: string): Promise<OrderView> {
    return (await changeOrder(this.deps, orderId, (o) => void o.transition('awaiting_payment', 'system', { actor: null, at: this.deps.clock.now() }))).toView();
  }

  /** Rejects with reason store_timeout if the store still has not answered; otherwise changes nothing. */
  async autoReject(orderId: string): Promise<OrderView> {
    const order = await changeOrder(this.deps, orderId, (o) => {
      if (AWAITING_STORE.includes(o.status)) o.transition('rejected', 'system', { actor: null, reason: STORE_TIMEOUT, at: this.deps.clock.now() });
    });
    return order.toView();
  }

  /**
   * Moves the order after its delivery: picked_up, or delivered (then completed).
   * A move the order is already past is skipped (events may be handled out of
   * order), and an order not yet ready_for_pickup, or cancelled, is left alone.
   */
  async followDelivery(orderId: string, deliveryStatus: string): Promise<OrderView | null> {
    const moves = FOLLOW[deliveryStatus];
    if (!moves) return null;
    const order = await changeOrder(this.deps, orderId, (o) => {
      if (ORDER_RANK(o.status) < 0) return;
      for (const to of moves) if (ORDER_RANK(to) > ORDER_RANK(o.status)) o.transition(to, 'system', { actor: null, at: this.deps.clock.now() });
    });
    return order.toView();
  }
}
