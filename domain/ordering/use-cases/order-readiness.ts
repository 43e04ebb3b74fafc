import type { OrderReadiness } from '../../delivery/ports.js';
import { isReadyForCourier } from '../order.js';
import type { OrderRepository } from '../ports.js';

/** The delivery context's OrderReadiness, answered from the orders: ready once the store marked it ready_for_pickup. */
export class OrderReadinessOfOrders implements OrderReadiness {
  constructor(private readonly deps: { orders: Pick<OrderRepository, 'findById'> }) {}

  async of(orderId: string): Promise<{ ready: boolean; status: string } | null> {
    const order = await this.deps.orders.findById(orderId);
    return order ? { ready: isReadyForCourier(order.status), status: order.status } : null;
  }
}
