import type { Clock } from '../../shared/ids.js';
import type { InventoryRepository } from '../ports.js';
import type { CloseReservation } from './close-reservation.js';

/** The release job: expires every active reservation past its time, a batch at a time. Safe to run twice at once. */
export class ExpireReservations {
  constructor(private readonly deps: { inventory: InventoryRepository; closeReservation: CloseReservation; clock: Clock }) {}

  async execute(batch = 200): Promise<number> {
    let expired = 0;
    for (;;) {
      const ids = await this.deps.inventory.expiredReservations(this.deps.clock.now(), batch);
      let round = 0;
      for (const id of ids) {
        const r = await this.deps.closeReservation.expire(id).catch(() => null); // closed meanwhile by a commit or a release
        if (r?.status === 'expired') round += 1;
      }
      expired += round;
      // A full batch where nothing expired would come back the same: stop rather than spin.
      if (ids.length < batch || round === 0) return expired;
    }
  }
}
