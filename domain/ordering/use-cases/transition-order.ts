import type { Clock, IdGenerator } from '../../shared/ids.js';
import type { Principal } from '../../shared/principal.js';
import { Delivery } from '../../delivery/model.js';
import type { DeliveryRepository } from '../../delivery/ports.js';
import { saveWithEvents } from '../../delivery/use-cases/support.js';
import type { Order, OrderStatus, OrderView } from '../order.js';
import { changeOrder, visibleOrder, type OrderWriter, type StoreLookup } from './order-support.js';

export interface TransitionOrderDeps extends OrderWriter {
  stores: StoreLookup;
  deliveries: DeliveryRepository;
  clock: Clock;
  ids: IdGenerator;
}

/**
 * The moves people make on an order: the store (owner of the order's store) or
 * an admin with `orders:manage` confirms, rejects, starts preparing, marks
 * ready and cancels with a reason; the customer cancels before the store
 * confirms. Who may make which move is the table's (ORDER_TRANSITIONS); this
 * resolves who the caller is to the order and hands it over. The current
 * status again changes nothing, so every call is safe to retry.
 */
export class TransitionOrder {
  constructor(private readonly deps: TransitionOrderDeps) {}

  /** placed (cash) / awaiting_payment → confirmed, and the order's delivery is created in the same transaction. */
  confirm(principal: Principal, orderId: string): Promise<OrderView> {
    return this.move(principal, orderId, 'confirmed', null, (order) => this.createDelivery(order));
  }

  reject(principal: Principal, orderId: string, reason: string): Promise<OrderView> {
    return this.move(principal, orderId, 'rejected', reason);
  }

  startPreparing(principal: Principal, orderId: string): Promise<OrderView> {
    return this.move(principal, orderId, 'preparing', null);
  }

  /** preparing → ready_for_pickup: from now on the order's delivery may be assigned a courier. */
  markReady(principal: Principal, orderId: string): Promise<OrderView> {
    return this.move(principal, orderId, 'ready_for_pickup', null);
  }

  cancel(principal: Principal, orderId: string, reason: string | null): Promise<OrderView> {
    return this.move(principal, orderId, 'cancelled', reason);
  }

  private async move(principal: Principal, orderId: string, to: OrderStatus, reason: string | null, alongside?: (order: Order) => Promise<void>): Promise<OrderView> {
    const order = await changeOrder(
      this.deps,
      orderId,
      async (o) => {
        const { actor } = await visibleOrder(principal, o, this.deps.stores);
        o.transition(to, actor, { actor: { id: principal.accountId, role: principal.role }, reason, at: this.deps.clock.now() });
      },
      alongside,
    );
    return order.toView();
  }

  /**
   * The delivery of a confirmed order, as CreateDelivery makes it: pickup at the
   * store's point, dropoff at the order's address, the order's id. One order has
   * one delivery (the repository keeps the first), so a retried confirm adds none.
   */
  private async createDelivery(order: Order): Promise<void> {
    const store = await this.deps.stores.findById(order.storeId);
    if (!store) throw new Error(`store ${order.storeId} of order ${order.id} is gone`);
    const delivery = Delivery.create({ id: this.deps.ids.next(), orderId: order.id, storeId: order.storeId, customerId: order.customerId, pickup: store.location, dropoff: order.dropoffPoint, at: this.deps.clock.now() });
    await saveWithEvents(this.deps, delivery, null);
  }
}
