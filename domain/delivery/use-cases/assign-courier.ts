import { AppError } from '../../shared/errors.js';
import type { Clock } from '../../shared/ids.js';
import type { Principal } from '../../shared/principal.js';
import type { Delivery, DeliveryView } from '../model.js';
import type { OrderReadiness } from '../ports.js';
import { changeDelivery, type DeliveryWriter, visible, type StoreLookup } from './support.js';

/** What assigning needs of identity's CheckCourierEligibility. */
export interface CourierEligibility {
  execute(accountId: string): Promise<{ eligible: true } | { eligible: false; reason: string }>;
}

/**
 * The owner of the delivery's store, or an admin with `deliveries:manage`,
 * assigns an eligible courier (or another one, before pickup), once the order
 * behind it is ready for a courier (OrderReadiness; a delivery made by hand has
 * no order to wait for). Assigning the same courier again changes nothing.
 */
export class AssignCourier {
  constructor(private readonly deps: DeliveryWriter & { stores: StoreLookup; courierEligibility: CourierEligibility; orderReadiness: OrderReadiness; clock: Clock }) {}

  async execute(principal: Principal, deliveryId: string, courierId: string): Promise<DeliveryView> {
    const found = await this.assertYouManage(principal, deliveryId);
    await this.assertOrderReady(found);
    await this.assertEligible(courierId);
    const delivery = await changeDelivery(this.deps, deliveryId, (d) => d.assign(courierId, this.deps.clock.now()));
    return delivery.toView();
  }

  private async assertYouManage(principal: Principal, deliveryId: string): Promise<Delivery> {
    const { delivery, relation } = await visible(principal, await this.deps.deliveries.findById(deliveryId), this.deps.stores);
    if (relation !== 'admin' && relation !== 'store_owner') throw new AppError('FORBIDDEN', 'Only the store owner or an admin assigns couriers');
    return delivery;
  }

  private async assertOrderReady(delivery: Delivery): Promise<void> {
    const order = await this.deps.orderReadiness.of(delivery.orderId);
    if (order && !order.ready) {
      throw new AppError('ORDER_NOT_READY', 'The order is not ready for pickup yet: its store marks it ready first', {
        details: [{ field: 'order.status', reason: 'not_ready', message: order.status }],
      });
    }
  }

  private async assertEligible(courierId: string): Promise<void> {
    const r = await this.deps.courierEligibility.execute(courierId);
    if (!r.eligible) {
      throw new AppError('UNPROCESSABLE_ENTITY', 'This courier cannot take deliveries', { details: { field: 'courierId', reason: r.reason } });
    }
  }
}
