import { asClass, asFunction, type AwilixContainer } from 'awilix';
import type { Logger } from 'pino';
import type { RouteSpec } from '../../api/route-kit.js';
import { cartRoutes, type CartRouteDeps } from '../../api/routes/carts.js';
import type { CartForCheckout, CartRepository } from '../../domain/ordering/ports.js';
import { CartCheckout } from '../../domain/ordering/use-cases/cart-checkout.js';
import { CreateGuestCart } from '../../domain/ordering/use-cases/create-guest-cart.js';
import { EditCart } from '../../domain/ordering/use-cases/edit-cart.js';
import { MergeCarts } from '../../domain/ordering/use-cases/merge-carts.js';
import { CartQueries } from '../../domain/ordering/use-cases/cart-queries.js';
import { ExpireCarts } from '../../domain/ordering/use-cases/expire-carts.js';
import { cartExpiryProcessor, CART_EXPIRY_SWEEP_MS, CART_PURGE_EVERY_MS } from '../../workers/processors/cart-expiry.js';
import { QUEUES } from '../../workers/queues.js';
import type { Repositories } from '../db/index.js';
import type { Queues } from '../queues.js';

/** Carts: the repository, the use cases (the routes' and the login's merge), the expiry job and the checkout's port. */
export interface CartsCradle extends CartRouteDeps {
  carts: CartRepository;
  /** For the checkout: read the caller's cart, mark it converted inside the checkout's transaction. */
  cartCheckout: CartForCheckout;
  expireCarts: ExpireCarts;
}

/** What this module takes from the rest of the container (typed here: importing Cradle would be a cycle). */
interface Needs {
  repositories: Repositories;
  queues: Queues;
  logger: Logger;
}

export function registerCarts(container: AwilixContainer<CartsCradle & Needs>): void {
  container.register({
    carts: asFunction(({ repositories }: Needs) => repositories.carts).singleton(),
    cartCheckout: asClass(CartCheckout).singleton(),
    createGuestCart: asClass(CreateGuestCart).singleton(),
    editCart: asClass(EditCart).singleton(),
    mergeCarts: asClass(MergeCarts).singleton(),
    cartQueries: asClass(CartQueries).singleton(),
    expireCarts: asClass(ExpireCarts).singleton(),
  });
}

export const cartRoutesOf = (c: CartsCradle): RouteSpec[] => cartRoutes(c);

/** The worker role's part: the repeatable sweep of idle carts and the purge of long-closed ones. */
export function startCartWorkers(c: CartsCradle & Needs): void {
  c.queues.work(QUEUES.cartExpiry, cartExpiryProcessor(c), 1);
  for (const [task, everyMs] of [['expire', CART_EXPIRY_SWEEP_MS], ['purge', CART_PURGE_EVERY_MS]] as const) {
    void c.queues
      .repeat(QUEUES.cartExpiry, `cart-expiry:${task}`, everyMs, { task })
      .catch((err: unknown) => c.logger.warn({ err, task }, 'could not schedule a cart job; retried at next start'));
  }
}
