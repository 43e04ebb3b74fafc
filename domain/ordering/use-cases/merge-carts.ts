import { AppError, isAppError, notFound } from '../../shared/errors.js';
import type { Outbox, UnitOfWork } from '../../shared/events.js';
import type { Clock, IdGenerator } from '../../shared/ids.js';
import type { Principal } from '../../shared/principal.js';
import type { InventoryRepository, ProductRepository } from '../../catalog/ports.js';
import { Cart, cartClosed } from '../cart.js';
import { cartMergedEvent } from '../cart-events.js';
import type { CartRepository } from '../ports.js';
import { backoff, CART_WRITE_ATTEMPTS, ownerOf, tokenHashOf } from './cart-support.js';
import { stockCap } from './cart-line-rules.js';

export interface MergeCartsDeps {
  carts: CartRepository;
  products: ProductRepository;
  inventory: InventoryRepository;
  outbox: Outbox;
  unitOfWork: UnitOfWork;
  clock: Clock;
  ids: IdGenerator;
}

export interface MergeOutcome {
  cart: Cart;
  /** False when this guest cart had already been merged into this customer's cart (a retry): nothing changed. */
  merged: boolean;
  /** Guest lines that did not come over whole: capped by stock or MAX_LINE_QUANTITY, unavailable, or no room. */
  notes: { variantId: string; reason: 'unavailable' | 'cart_full' | 'capped' }[];
}

/** What a login reports about the guest cart it was given. */
export type LoginMerge = { merged: boolean; cartId: string; notes: MergeOutcome['notes'] } | { merged: false; error: string };

class LostRace extends Error {}

/**
 * Merges a guest cart into the customer's cart (the rule is Cart.absorb and
 * docs/ordering-cart.md): both carts are saved with their versions checked,
 * with the `ordering.cart.merged` event, in one transaction. Idempotent: a
 * retried merge of the same token by the same customer answers the cart
 * without changing it; another customer's retry is told the cart does not exist.
 */
export class MergeCarts {
  constructor(private readonly deps: MergeCartsDeps) {}

  async execute(principal: Principal, cartToken: string): Promise<MergeOutcome> {
    const owner = ownerOf({ principal });
    const customerId = 'customerId' in owner ? owner.customerId : '';
    const tokenHash = tokenHashOf(cartToken);
    for (let attempt = 1; ; attempt++) {
      const guest = await this.deps.carts.findByTokenHash(tokenHash);
      if (!guest) throw notFound('Cart');
      if (guest.status === 'merged') return this.earlierMerge(guest, customerId);
      if (guest.status !== 'active') throw cartClosed(guest.status);
      const into = await this.customerCart(customerId);
      const caps = await this.capsOf(guest);
      try {
        return await this.deps.unitOfWork.transaction(async () => {
          // Copies: the Mongo unit of work may run this function again after a transient error.
          const [g, c] = [Cart.restore(guest.toProps()), Cart.restore(into.toProps())];
          const now = this.deps.clock.now();
          const notes = c.absorb(g, (v) => caps.get(v) ?? 0, now);
          if (!(await this.deps.carts.save(g, guest.version)) || !(await this.deps.carts.save(c, into.version))) throw new LostRace();
          await this.deps.outbox.add([cartMergedEvent(g, c, notes.filter((n) => n.reason !== 'capped').length, now)]);
          return { cart: c, merged: true, notes };
        });
      } catch (err) {
        if (!(err instanceof LostRace)) throw err;
        if (attempt >= CART_WRITE_ATTEMPTS) throw new AppError('CONFLICT', 'The carts are changing too fast; try again', { details: [{ field: 'cart', reason: 'cart_busy', message: 'retry' }] });
        await backoff(attempt);
      }
    }
  }

  /**
   * At login: merges when the account is a customer and reports the outcome
   * instead of failing the login (the session is already open). Other roles'
   * tokens are ignored (null).
   */
  async atLogin(account: { id: string; role: string }, cartToken: string): Promise<LoginMerge | null> {
    if (account.role !== 'customer') return null;
    const principal: Principal = { accountId: account.id, role: 'customer', permissions: [], sessionId: '', tokenId: '', expiresAt: 0 };
    try {
      const r = await this.execute(principal, cartToken);
      return { merged: r.merged, cartId: r.cart.id, notes: r.notes };
    } catch (err) {
      if (isAppError(err) && err.status < 500) return { merged: false, error: err.code };
      throw err;
    }
  }

  private async earlierMerge(guest: Cart, customerId: string): Promise<MergeOutcome> {
    const target = guest.toProps().mergedInto ? await this.deps.carts.findById(guest.toProps().mergedInto!) : null;
    if (!target || target.customerId !== customerId) throw notFound('Cart');
    // The target may have been checked out since; the customer's cart now is their active one.
    const current = target.status === 'active' ? target : await this.customerCart(customerId);
    return { cart: current, merged: false, notes: [] };
  }

  private async customerCart(customerId: string): Promise<Cart> {
    for (;;) {
      const found = await this.deps.carts.findActiveByCustomer(customerId);
      if (found) return found;
      const fresh = Cart.create({ id: this.deps.ids.next(), owner: { customerId }, at: this.deps.clock.now() });
      if (await this.deps.carts.create(fresh)) return fresh;
    }
  }

  /** Per guest variant: how many units the merged line may hold (0 when the product is no longer for sale). */
  private async capsOf(guest: Cart): Promise<Map<string, number>> {
    const caps = new Map<string, number>();
    const products = await this.deps.products.findByIds([...new Set(guest.lines.map((l) => l.productId))]);
    const active = new Set(products.filter((p) => p.toProps().status === 'active').flatMap((p) => p.variants.map((v) => v.id)));
    for (const l of guest.lines) caps.set(l.variantId, active.has(l.variantId) ? await stockCap(this.deps.inventory, l.variantId) : 0);
    return caps;
  }
}
