import type { Outbox, UnitOfWork } from '../../shared/events.js';
import type { Clock } from '../../shared/ids.js';
import type { SettingsReader } from '../../platform/ports.js';
import { cartExpiredEvent } from '../cart-events.js';
import type { CartRepository } from '../ports.js';

/**
 * How long a closed cart (merged, converted, expired) is kept: long enough to
 * answer a retried merge or checkout and to look into a complaint, after which
 * its lines live on in the orders or nowhere.
 */
export const CLOSED_CART_RETENTION_DAYS = 30;

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

  /** Deletes carts closed more than CLOSED_CART_RETENTION_DAYS ago, a batch at a time; answers how many went. */
  async purgeClosed(batch = 500): Promise<number> {
    const before = new Date(this.deps.clock.now().getTime() - CLOSED_CART_RETENTION_DAYS * 86_400_000);
    let purged = 0;
    for (;;) {
      const n = await this.deps.carts.purgeClosedBefore(before, batch);
      purged += n;
      if (n < batch) return purged;
    }
  }
}
