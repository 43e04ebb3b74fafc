import { AppError } from '../../shared/errors.js';
import type { Clock, IdGenerator } from '../../shared/ids.js';
import type { Principal } from '../../shared/principal.js';
import { Cart, hashCartToken, newCartToken } from '../cart.js';
import type { CartRepository } from '../ports.js';

/**
 * Starts a guest cart and hands out its token, once: only its hash is kept,
 * so the token is the guest's proof of ownership (send it as X-Cart-Token,
 * and at login to merge the cart into the customer's).
 */
export class CreateGuestCart {
  constructor(private readonly deps: { carts: CartRepository; clock: Clock; ids: IdGenerator }) {}

  async execute(principal: Principal | undefined): Promise<{ cartToken: string; cart: Cart }> {
    if (principal) throw new AppError('FORBIDDEN', 'Signed-in customers use their own cart (GET /api/v1/cart)');
    const cartToken = newCartToken();
    const cart = Cart.create({ id: this.deps.ids.next(), owner: { tokenHash: hashCartToken(cartToken) }, at: this.deps.clock.now() });
    if (!(await this.deps.carts.create(cart))) throw new AppError('INTERNAL_ERROR', 'A fresh cart token collided'); // 256 random bits: never in practice
    return { cartToken, cart };
  }
}
