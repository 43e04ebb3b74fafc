import type { InventoryRepository } from '../../catalog/ports.js';
import type { CloseReservation } from '../../catalog/use-cases/close-reservation.js';
import type { OrderStock } from '../ports.js';
import { orderReservationKey } from './place-checkout.js';

/** OrderStock over the catalog's reservations: found by the order's key, closed by CloseReservation. */
export class ReservedOrderStock implements OrderStock {
  constructor(private readonly deps: { inventory: Pick<InventoryRepository, 'findReservationByKey'>; closeReservation: Pick<CloseReservation, 'commit' | 'release'> }) {}

  async commit(orderId: string): Promise<void> {
    const held = await this.deps.inventory.findReservationByKey(orderReservationKey(orderId));
    if (held) await this.deps.closeReservation.commit(held.id);
  }

  async release(orderId: string): Promise<void> {
    const held = await this.deps.inventory.findReservationByKey(orderReservationKey(orderId));
    if (held?.status === 'active') await this.deps.closeReservation.release(held.id);
  }
}
