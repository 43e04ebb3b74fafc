import { AppError, conflict, notFound } from '../../shared/errors.js';
import type { Clock, IdGenerator } from '../../shared/ids.js';
import { canAccess, type Principal } from '../../shared/principal.js';
import { Delivery, type DeliveryView } from '../model.js';
import { saveWithEvents, type AccountLookup, type DeliveryWriter, type StoreLookup } from './support.js';

interface Point {
  lat: number;
  lng: number;
}

export interface CreateDeliveryInput {
  orderId: string;
  storeId: string;
  customerId: string;
  /** Defaults to the store's location. */
  pickup?: Point;
  dropoff: Point;
}

/**
 * A store owner (for a store they own) or an admin with `deliveries:manage`
 * (for any store) creates the delivery of one order. Idempotent per order: the
 * same request again answers the existing delivery; different details for the
 * same order are a CONFLICT.
 */
export class CreateDelivery {
  constructor(private readonly deps: DeliveryWriter & { stores: StoreLookup; accounts: AccountLookup; clock: Clock; ids: IdGenerator }) {}

  async execute(principal: Principal, input: CreateDeliveryInput): Promise<DeliveryView> {
    const store = await this.storeYouManage(principal, input.storeId);
    await this.assertIsCustomer(input.customerId);
    const delivery = Delivery.create({ ...input, id: this.deps.ids.next(), pickup: input.pickup ?? store.location, at: this.deps.clock.now() });
    const existing = await this.deps.deliveries.findByOrderId(input.orderId);
    if (existing) return sameRequestOrConflict(existing, input);
    if (await saveWithEvents(this.deps, delivery, null)) return delivery.toView();
    const winner = await this.deps.deliveries.findByOrderId(input.orderId); // lost a race with the same order
    if (!winner) throw conflict('This order is being created; try again');
    return sameRequestOrConflict(winner, input);
  }

  private async storeYouManage(principal: Principal, storeId: string) {
    const store = await this.deps.stores.findById(storeId);
    if (!store || !canAccess(principal, store.ownerId, 'deliveries:manage')) throw notFound('Store');
    return store;
  }

  private async assertIsCustomer(customerId: string): Promise<void> {
    const account = await this.deps.accounts.findById(customerId);
    if (account?.role !== 'customer') {
      throw new AppError('UNPROCESSABLE_ENTITY', 'customerId is not a customer account', { details: [{ field: 'customerId', message: 'must be an existing customer account' }] });
    }
  }
}

const samePoint = (a: Point, b: Point) => a.lat === b.lat && a.lng === b.lng;

function sameRequestOrConflict(existing: Delivery, input: CreateDeliveryInput): DeliveryView {
  const v = existing.toView();
  const same = v.storeId === input.storeId && v.customerId === input.customerId && samePoint(v.dropoff, input.dropoff) && (!input.pickup || samePoint(v.pickup, input.pickup));
  if (!same) throw conflict('This order already has a delivery with other details', [{ field: 'orderId', message: 'already used' }]);
  return v;
}
