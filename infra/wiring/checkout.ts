import { asClass, asFunction, type AwilixContainer } from 'awilix';
import type { RouteSpec } from '../../api/route-kit.js';
import { checkoutRoutes } from '../../api/routes/checkout.js';
import type { CheckoutRepository, KeyedQueue } from '../../domain/ordering/ports.js';
import { PlaceCheckout } from '../../domain/ordering/use-cases/place-checkout.js';
import type { Repositories } from '../db/index.js';
import { InMemoryKeyedQueue } from '../keyed-queue.js';

/** The checkout: its repository and PlaceCheckout, which takes the cart, catalog, orders and payments parts from the container. */
export interface CheckoutCradle {
  checkouts: CheckoutRepository;
  stockQueue: KeyedQueue;
  placeCheckout: PlaceCheckout;
}

interface Needs {
  repositories: Repositories;
}

export function registerCheckout(container: AwilixContainer<CheckoutCradle & Needs>): void {
  container.register({
    checkouts: asFunction(({ repositories }: Needs) => repositories.checkouts).singleton(),
    stockQueue: asClass(InMemoryKeyedQueue).singleton(),
    // PROXY injection: its deps (cartCheckout, products, stores, inventory, addresses, zoneLookup, liveSettings,
    // reserveStock, placeOrders, authorizePayment, outbox, unitOfWork, ids, clock) are read from the cradle by name.
    placeCheckout: asClass(PlaceCheckout).singleton(),
  });
}

export function checkoutRoutesOf(c: CheckoutCradle): RouteSpec[] {
  return checkoutRoutes(c);
}
