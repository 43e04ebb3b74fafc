import type { Outbox, UnitOfWork } from '../../shared/events.js';
import type { Clock } from '../../shared/ids.js';
import type { SettingsReader } from '../../platform/ports.js';
import { cartExpiredEvent } from '../cart-events.js';
import type { CartRepository } from '../ports.js';

/**
 * The expiry job: closes every active cart untouched for
 * `cart.idleExpiryMinutes`, a batch at a time, each with its
 * `ordering.cart.expired` event in the same transaction. Safe to run twice at
 * once: a cart closes once (version check), and one touched meanwhile is left.
 */
export class ExpireCarts {
  constructor(private readonly deps: { carts: CartRepository; outbox: Outbox; unitOfWork: UnitOfWork; liveSettings: SettingsReader; clock: Clock }) {}

  async execute(batch = 200): Promise<number> {
    let expired = 0;
    for (;;) {
      const now = this.deps.clock.now();
      const idleBefore = new Date(now.getTime() - this.deps.liveSettings.get('cart.idleExpiryMinutes') * 60_000);
      const ids = await this.deps.carts.idleBefore(idleBefore, batch);
      let round = 0;
      for (const id of ids) if (await this.expireOne(id, idleBefore, now)) round += 1;
      expired += round;
      // A full batch where nothing expired would come back the same: stop rather than spin.
      if (ids.length < batch || round === 0) return expired;
    }
  }

  private async expireOne(id: string, idleBefore: Date, now: Date): Promise<boolean> {
    const cart = await this.deps.carts.findById(id);
    if (!cart) return false;
    const version = cart.version;
    if (!cart.expire(idleBefore, now)) return false;
    return this.deps.unitOfWork.transaction(async () => {
      if (!(await this.deps.carts.save(cart, version))) return false; // touched or closed meanwhile
      await this.deps.outbox.add([cartExpiredEvent(cart, now)]);
      return true;
    });
  }
}
