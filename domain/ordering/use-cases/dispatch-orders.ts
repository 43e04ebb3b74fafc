import type { DispatchOrders } from '../../dispatch/ports.js';
import type { SettingsReader } from '../../platform/ports.js';
import type { StoreRepository } from '../../catalog/ports.js';
import { courierFeeMinor } from '../../finance/courier-fee.js';
import type { OrderRepository } from '../ports.js';
import type { OrderProps } from '../order.js';

/**
 * Dispatch's DispatchOrders, answered from the orders: the courier's fee (the
 * delivery fee less the platform's cut), cash on delivery, and when the food
 * should be ready: when the store marked it ready, else from when it started
 * preparing (or confirmed) plus the store's preparation time
 * (`store.prepDefaultMinutes` when the store has none).
 */
export class DispatchOrdersOfOrders implements DispatchOrders {
  constructor(private readonly deps: { orders: Pick<OrderRepository, 'findById'>; stores: Pick<StoreRepository, 'findById'>; liveSettings: SettingsReader }) {}

  async of(orderId: string): Promise<{ courierFeeMinor: number; cash: boolean; readyAt: number | null } | null> {
    const order = await this.deps.orders.findById(orderId);
    if (!order) return null;
    const p = order.toProps();
    return {
      courierFeeMinor: courierFeeMinor(p.totals.deliveryFeeMinor, this.deps.liveSettings.get('finance.deliveryFeeCutBps')),
      cash: p.paymentMethod === 'cash',
      readyAt: await this.readyAt(p),
    };
  }

  private async readyAt(p: OrderProps): Promise<number | null> {
    const marked = p.timeline.ready_for_pickup;
    if (marked) return Date.parse(marked);
    const started = p.timeline.preparing ?? p.timeline.confirmed;
    if (!started) return null;
    const store = await this.deps.stores.findById(p.storeId);
    const prepMinutes = store?.toProps().prepMinutes ?? this.deps.liveSettings.get('store.prepDefaultMinutes');
    return Date.parse(started) + prepMinutes * 60_000;
  }
}
