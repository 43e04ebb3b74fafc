import { AppError, notFound, validationError } from '../../shared/errors.js';
import type { Clock, IdGenerator } from '../../shared/ids.js';
import type { Principal } from '../../shared/principal.js';
import { Cart, CART_TOKEN, hashCartToken, type CartOwner } from '../cart.js';
import type { CartRepository } from '../ports.js';

/** Who is asking for a cart: a signed-in caller, or a guest with the cart token it was given. */
export interface CartCaller {
  principal?: Principal | undefined;
  cartToken?: string | undefined;
}

/**
 * The ownership rule: a customer reaches only their own cart (a token they
 * send is ignored: merging it is explicit); other roles have no cart (403);
 * a guest reaches only the cart of its token.
 */
export function ownerOf(caller: CartCaller): CartOwner {
  if (caller.principal) {
    if (caller.principal.role !== 'customer') throw new AppError('FORBIDDEN', 'Only customers and guests have carts');
    return { customerId: caller.principal.accountId };
  }
  if (caller.cartToken === undefined) throw new AppError('UNAUTHORIZED', 'Sign in, or send the X-Cart-Token of your guest cart');
  return { tokenHash: tokenHashOf(caller.cartToken) };
}

export function tokenHashOf(token: string): string {
  if (typeof token !== 'string' || !CART_TOKEN.test(token)) throw validationError('The cart token is malformed', [{ field: 'headers.x-cart-token', reason: 'malformed_cart_token', message: 'must be the 43-character token the guest cart was created with' }]);
  return hashCartToken(token);
}

/** The owner's cart: a customer's active one (null when none yet), a guest's whatever its status (NOT_FOUND when the token is unknown). */
export async function findCart(carts: CartRepository, owner: CartOwner): Promise<Cart | null> {
  if ('customerId' in owner) return carts.findActiveByCustomer(owner.customerId);
  const cart = await carts.findByTokenHash(owner.tokenHash);
  if (!cart) throw notFound('Cart');
  return cart;
}

/**
 * Lost optimistic races before giving up: each retry re-reads, after a short
 * random pause that grows with the attempts, so concurrent writers to one cart
 * spread out instead of colliding again in step.
 */
export const CART_WRITE_ATTEMPTS = 20;
export const backoff = (attempt: number): Promise<void> => new Promise((r) => setTimeout(r, Math.random() * Math.min(100, 2 ** attempt)));

/**
 * Read, change, save with the version read; on a lost race read again and
 * re-apply, so two concurrent changes to one cart never lose either.
 * A customer's first change creates the cart (one per customer: a racing
 * creator's cart is the one used).
 */
export async function changeCart(deps: { carts: CartRepository; clock: Clock; ids: IdGenerator }, owner: CartOwner, change: (cart: Cart, now: Date) => Promise<void> | void): Promise<Cart> {
  for (let attempt = 1; ; attempt++) {
    let cart = await findCart(deps.carts, owner);
    if (!cart) {
      const fresh = Cart.create({ id: deps.ids.next(), owner, at: deps.clock.now() });
      if (!(await deps.carts.create(fresh))) continue; // another first add made it: use that one
      cart = fresh;
    }
    const version = cart.version;
    await change(cart, deps.clock.now());
    if (cart.version === version) return cart;
    if (await deps.carts.save(cart, version)) return cart;
    if (attempt >= CART_WRITE_ATTEMPTS) throw new AppError('CONFLICT', 'The cart is changing too fast; try again', { details: [{ field: 'cart', reason: 'cart_busy', message: 'retry' }] });
    await backoff(attempt);
  }
}
