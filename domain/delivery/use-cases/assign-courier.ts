import { AppError } from '../../shared/errors.js';
import type { Clock } from '../../shared/ids.js';
import type { Principal } from '../../shared/principal.js';
import type { DeliveryView } from '../model.js';
import { changeDelivery, type DeliveryWriter, visible, type StoreLookup } from './support.js';

/** What assigning needs of identity's CheckCourierEligibility. */
export interface CourierEligibility {
  execute(accountId: string): Promise<{ eligible: true } | { eligible: false; reason: string }>;
}

/**
 * The owner of the delivery's store, or an admin with `deliveries:manage`,
 * assigns an eligible courier (or another one, before pickup). Assigning the
 * same courier again changes nothing.
 */
export class AssignCourier {
  constructor(private readonly deps: DeliveryWriter & { stores: StoreLookup; courierEligibility: CourierEligibility; clock: Clock }) {}

  async execute(principal: Principal, deliveryId: string, courierId: string): Promise<DeliveryView> {
    await this.assertYouManage(principal, deliveryId);
    await this.assertEligible(courierId);
    const delivery = await changeDelivery(this.deps, deliveryId, (d) => d.assign(courierId, this.deps.clock.now()));
    return delivery.toView();
  }

  private async assertYouManage(principal: Principal, deliveryId: string): Promise<void> {
    const { relation } = await visible(principal, await this.deps.deliveries.findById(deliveryId), this.deps.stores);
    if (relation !== 'admin' && relation !== 'store_owner') throw new AppError('FORBIDDEN', 'Only the store owner or an admin assigns couriers');
  }

  private async assertEligible(courierId: string): Promise<void> {
    const r = await this.deps.courierEligibility.execute(courierId);
    if (!r.eligible) {
      throw new AppError('UNPROCESSABLE_ENTITY', 'This courier cannot take deliveries', { details: { field: 'courierId', reason: r.reason } });
    }
  }
}
