/**
 * What the server recorded about the day, read from its repositories (the
 * same ones the API reads): each order's timeline, its delivery's courier and
 * timestamps, its dispatch state and every offer made for it, and each
 * courier's capacity as the geo index holds it. A record that can no longer
 * change (delivered, every offer ended) is read once.
 */
import type { Cradle } from '../../infra/container.js';
import type { ServerOffer, ServerOrder } from './metrics.js';
import type { PlacedOrder } from './orders.js';

const ms = (iso: string | null | undefined): number | null => (iso ? Date.parse(iso) : null);
const FINAL = new Set(['delivered', 'cancelled', 'failed']);

export class ServerRecords {
  private readonly done = new Map<string, { order: ServerOrder; offers: ServerOffer[] }>();

  constructor(private readonly c: Cradle) {}

  async read(placed: readonly PlacedOrder[]): Promise<{ orders: ServerOrder[]; offers: ServerOffer[] }> {
    const orders: ServerOrder[] = [];
    const offers: ServerOffer[] = [];
    for (const p of placed) {
      const r = this.done.get(p.orderId) ?? (await this.readOne(p.orderId));
      if (!r) continue;
      orders.push(r.order);
      offers.push(...r.offers);
    }
    return { orders, offers };
  }

  private async readOne(orderId: string): Promise<{ order: ServerOrder; offers: ServerOffer[] } | null> {
    const { repositories } = this.c;
    const order = await repositories.orders.findById(orderId);
    if (!order) return null;
    const placedAt = ms(order.toView().timeline.placed)!;
    const delivery = (await repositories.deliveries.findByOrderId(orderId))?.toView() ?? null;
    const state = delivery ? await repositories.dispatches.find(delivery.id) : null;
    const offers: ServerOffer[] = delivery
      ? (await repositories.offers.listByDelivery(delivery.id)).map((o) => ({ deliveryId: o.deliveryId, courierId: o.courierId, status: o.status, offeredAt: Date.parse(o.offeredAt), endedAt: ms(o.endedAt) }))
      : [];
    const t = delivery?.timestamps ?? {};
    const ended = delivery && FINAL.has(delivery.status) ? ms(t[delivery.status as 'delivered']) : null;
    const record = {
      order: {
        orderId,
        deliveryId: delivery?.id ?? null,
        courierId: delivery?.courierId ?? null,
        placedAt,
        openedAt: ms(state?.openedAt),
        assignedAt: ms(t.assigned),
        atPickupAt: ms(t.at_pickup),
        pickedUpAt: ms(t.picked_up),
        deliveredAt: ms(t.delivered),
        endedAt: ended,
      },
      offers,
    };
    if (ended !== null && offers.every((o) => o.status !== 'pending')) this.done.set(orderId, record);
    return record;
  }

  /** Each courier's capacity as the server holds it (the geo index's state); missing couriers count as 1. */
  async capacities(courierIds: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const id of courierIds) out.set(id, (await this.c.courierIndex.getCourier(id))?.state.capacity ?? 1);
    return out;
  }
}
