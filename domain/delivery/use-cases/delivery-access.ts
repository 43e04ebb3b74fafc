import type { Principal } from '../../shared/principal.js';
import type { DeliveryView } from '../model.js';
import type { DeliveryRepository } from '../ports.js';
import { visible, type StoreLookup } from './support.js';

/**
 * Who may watch an order live (the hub asks before joining a socket to the
 * order's room): the customer of the order, the owner of its store, the
 * courier assigned to it and an admin with `deliveries:manage`. The same
 * visibility rule as every delivery read.
 */
export class DeliveryAccess {
  constructor(private readonly deps: { deliveries: DeliveryRepository; stores: StoreLookup }) {}

  /** The delivery of `orderId`; NOT_FOUND when there is none or the principal may not watch it. */
  async forWatch(principal: Principal, orderId: string): Promise<DeliveryView> {
    return (await visible(principal, await this.deps.deliveries.findByOrderId(orderId), this.deps.stores)).delivery.toView();
  }
}
