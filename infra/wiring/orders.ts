import { asClass, asFunction, type AwilixContainer } from 'awilix';
import type { RouteSpec } from '../../api/route-kit.js';
import { orderRoutes, type OrderRouteDeps } from '../../api/routes/orders.js';
import type { OrderRepository } from '../../domain/ordering/ports.js';
import { PlaceOrders } from '../../domain/ordering/use-cases/place-orders.js';
import { TransitionOrder } from '../../domain/ordering/use-cases/transition-order.js';
import { OrderQueries } from '../../domain/ordering/use-cases/order-queries.js';
import type { Repositories } from '../db/index.js';

/** Orders: the repository and the use cases (PlaceOrders is the checkout's; the routes take the rest). */
export interface OrdersCradle extends OrderRouteDeps {
  orders: OrderRepository;
  /** For the checkout: creates one order per store inside the checkout's transaction. */
  placeOrders: PlaceOrders;
}

/** What this module takes from the rest of the container (typed here: importing Cradle would be a cycle). */
interface Needs {
  repositories: Repositories;
}

export function registerOrders(container: AwilixContainer<OrdersCradle & Needs>): void {
  container.register({
    orders: asFunction(({ repositories }: Needs) => repositories.orders).singleton(),
    placeOrders: asClass(PlaceOrders).singleton(),
    transitionOrder: asClass(TransitionOrder).singleton(),
    orderQueries: asClass(OrderQueries).singleton(),
  });
}

export function orderRoutesOf(c: OrdersCradle): RouteSpec[] {
  return orderRoutes(c);
}
