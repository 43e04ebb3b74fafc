import { asClass, asFunction, type AwilixContainer } from 'awilix';
import type { RouteSpec } from '../../api/route-kit.js';
import { orderRoutes, type OrderRouteDeps } from '../../api/routes/orders.js';
import type { OrderRepository, OrderStock } from '../../domain/ordering/ports.js';
import { PlaceOrders } from '../../domain/ordering/use-cases/place-orders.js';
import { TransitionOrder } from '../../domain/ordering/use-cases/transition-order.js';
import { OrderQueries } from '../../domain/ordering/use-cases/order-queries.js';
import { SystemOrderTransitions } from '../../domain/ordering/use-cases/system-order-transitions.js';
import { ReservedOrderStock } from '../../domain/ordering/use-cases/order-stock.js';
import { OrderReadinessOfOrders } from '../../domain/ordering/use-cases/order-readiness.js';
import type { OrderReadiness } from '../../domain/delivery/ports.js';
import type { ProcessedEvents, UnitOfWork } from '../../domain/shared/events.js';
import type { Clock } from '../../domain/shared/ids.js';
import type { SettingsReader } from '../../domain/platform/ports.js';
import { orderAutoRejectProcessor, ordersProcessor } from '../../workers/processors/orders.js';
import { QUEUES } from '../../workers/queues.js';
import type { Queues } from '../queues.js';
import type { Repositories } from '../db/index.js';
import { OrderEventBus } from '../order-events.js';
import type { RedisClient } from '../redis.js';
import type { Logger } from 'pino';

/** Orders: the repository and the use cases (PlaceOrders is the checkout's; the routes take the rest). */
export interface OrdersCradle extends OrderRouteDeps {
  orders: OrderRepository;
  /** For the checkout: creates one order per store inside the checkout's transaction. */
  placeOrders: PlaceOrders;
  /** Payments' authorisation, the auto-reject job and the delivery-event consumer move orders through this. */
  systemOrderTransitions: SystemOrderTransitions;
  /** Order status changes on `<REDIS_KEY_PREFIX>order:events`: the relay publishes, hubs subscribe. */
  orderEvents: OrderEventBus;
  /** For the delivery context: assignment waits until the order is ready for pickup. */
  orderReadiness: OrderReadiness;
  /** Order moves commit or release the order's stock reservation in their own transaction. */
  orderStock: OrderStock;
}

/** What this module takes from the rest of the container (typed here: importing Cradle would be a cycle). */
interface Needs {
  repositories: Repositories;
  redis: RedisClient;
  logger: Logger;
  keyPrefix: string;
}

export function registerOrders(container: AwilixContainer<OrdersCradle & Needs>): void {
  container.register({
    orders: asFunction(({ repositories }: Needs) => repositories.orders).singleton(),
    placeOrders: asClass(PlaceOrders).singleton(),
    transitionOrder: asClass(TransitionOrder).singleton(),
    orderQueries: asClass(OrderQueries).singleton(),
    systemOrderTransitions: asClass(SystemOrderTransitions).singleton(),
    orderReadiness: asClass(OrderReadinessOfOrders).singleton(),
    orderStock: asClass(ReservedOrderStock).singleton(),
    orderEvents: asFunction(({ redis, logger, keyPrefix }: Needs) => new OrderEventBus({ redis, logger, keyPrefix })).singleton(),
  });
}

export function orderRoutesOf(c: OrdersCradle): RouteSpec[] {
  return orderRoutes(c);
}

interface WorkerParts extends OrdersCradle {
  queues: Queues;
  unitOfWork: UnitOfWork;
  processedEvents: ProcessedEvents;
  clock: Clock;
  liveSettings: SettingsReader;
}

/** Consumers write a row or two per event: a short lock hands a crashed worker's jobs on within seconds. */
const ORDERS_LOCK_MS = 5_000;

/** The worker role: the orders consumer (auto-reject scheduling, delivery following) and the auto-reject jobs. */
export function startOrderWorkers(c: WorkerParts): void {
  c.queues.work(QUEUES.orders, ordersProcessor(c), 4, ORDERS_LOCK_MS);
  c.queues.work(QUEUES.orderAutoReject, orderAutoRejectProcessor(c), 2, ORDERS_LOCK_MS);
}
