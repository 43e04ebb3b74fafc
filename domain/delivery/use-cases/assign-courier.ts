import { AppError } from '../../shared/errors.js';
import type { Clock } from '../../shared/ids.js';
import type { Principal } from '../../shared/principal.js';
import type { SettingsReader } from '../../platform/ports.js';
import type { Delivery, DeliveryView } from '../model.js';
import type { OrderReadiness } from '../ports.js';
import { changeDelivery, type DeliveryWriter, visible, type StoreLookup } from './support.js';

/** What assigning needs of identity's CheckCourierEligibility. */
export interface CourierEligibility {
  execute(accountId: string): Promise<{ eligible: true } | { eligible: false; reason: string }>;
}

/** What the assignment rules read: stores (who owns the delivery), courier eligibility, order readiness, and settings. */
export interface AssignmentRuleDeps {
  stores: StoreLookup;
  courierEligibility: CourierEligibility;
  orderReadiness: OrderReadiness;
  /** `dispatch.storeOwnersAssign`; absent reads as its default (store owners may assign). */
  liveSettings?: SettingsReader;
}

/**
 * The rules of assigning a courier by hand, in one place: the admin with
 * `deliveries:manage`, or the store's owner while `dispatch.storeOwnersAssign`
 * allows it (FORBIDDEN with reason `store_owners_assign_disabled` otherwise),
 * may assign; anyone else who can see the delivery is FORBIDDEN, anyone who
 * cannot gets NOT_FOUND. Dispatch's manual control builds on these.
 */
export async function assertMayAssign(deps: AssignmentRuleDeps, principal: Principal, delivery: Delivery | null): Promise<{ delivery: Delivery; relation: 'admin' | 'store_owner' }> {
  const { delivery: d, relation } = await visible(principal, delivery, deps.stores);
  if (relation !== 'admin' && relation !== 'store_owner') throw new AppError('FORBIDDEN', 'Only the store owner or an admin assigns couriers');
  if (relation === 'store_owner' && deps.liveSettings && !deps.liveSettings.get('dispatch.storeOwnersAssign')) {
    throw new AppError('FORBIDDEN', 'Store owners do not assign couriers here: dispatch does', { details: [{ reason: 'store_owners_assign_disabled', message: 'the setting dispatch.storeOwnersAssign is off' }] });
  }
  return { delivery: d, relation };
}

/** The order behind the delivery must be ready for a courier (a delivery made by hand has no order to wait for). */
export async function assertOrderReady(deps: Pick<AssignmentRuleDeps, 'orderReadiness'>, delivery: Delivery): Promise<void> {
  const order = await deps.orderReadiness.of(delivery.orderId);
  if (order && !order.ready) {
    throw new AppError('ORDER_NOT_READY', 'The order is not ready for pickup yet: its store marks it ready first', {
      details: [{ field: 'order.status', reason: 'not_ready', message: order.status }],
    });
  }
}

/** The courier must be able to take deliveries (identity's eligibility). */
export async function assertEligible(deps: Pick<AssignmentRuleDeps, 'courierEligibility'>, courierId: string): Promise<void> {
  const r = await deps.courierEligibility.execute(courierId);
  if (!r.eligible) {
    throw new AppError('UNPROCESSABLE_ENTITY', 'This courier cannot take deliveries', { details: { field: 'courierId', reason: r.reason } });
  }
}

/**
 * The owner of the delivery's store, or an admin with `deliveries:manage`,
 * assigns an eligible courier (or another one, before pickup), once the order
 * behind it is ready for a courier (OrderReadiness; a delivery made by hand has
 * no order to wait for). Assigning the same courier again changes nothing.
 * The REST route goes through dispatch's ControlDelivery, which applies these
 * same rules and also ends a pending offer and updates the dispatch state.
 */
export class AssignCourier {
  constructor(private readonly deps: DeliveryWriter & AssignmentRuleDeps & { clock: Clock }) {}

  async execute(principal: Principal, deliveryId: string, courierId: string): Promise<DeliveryView> {
    const { delivery: found } = await assertMayAssign(this.deps, principal, await this.deps.deliveries.findById(deliveryId));
    await assertOrderReady(this.deps, found);
    await assertEligible(this.deps, courierId);
    const delivery = await changeDelivery(this.deps, deliveryId, (d) => d.assign(courierId, this.deps.clock.now()));
    return delivery.toView();
  }
}
