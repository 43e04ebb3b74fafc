import { asFunction, type AwilixContainer } from 'awilix';
import type { CartForCheckout, CartRepository } from '../../domain/ordering/ports.js';
import type { Clock } from '../../domain/shared/ids.js';
import { CartCheckout } from '../../domain/ordering/use-cases/cart-checkout.js';
import type { Repositories } from '../db/index.js';

/** Carts: the repository and the checkout's port onto them. */
export interface CartsCradle {
  carts: CartRepository;
  /** For the checkout: read the caller's cart, mark it converted inside the checkout's transaction. */
  cartCheckout: CartForCheckout;
}

/** What this module takes from the rest of the container (typed here: importing Cradle would be a cycle). */
interface Needs {
  repositories: Repositories;
  clock: Clock;
}

export function registerCarts(container: AwilixContainer<CartsCradle & Needs>): void {
  container.register({
    carts: asFunction(({ repositories }: Needs) => repositories.carts).singleton(),
    cartCheckout: asFunction((c: CartsCradle & Needs) => new CartCheckout({ carts: c.carts, clock: c.clock })).singleton(),
  });
}
