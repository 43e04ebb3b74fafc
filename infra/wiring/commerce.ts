import { asClass, asFunction, asValue, type AwilixContainer } from 'awilix';
import type { RedisClient } from '../redis.js';
import type { Logger } from 'pino';
import type { RouteSpec } from '../../api/route-kit.js';
import { storeRoutes, type StoreRouteDeps } from '../../api/routes/stores.js';
import { deliveryRoutes, type DeliveryRouteDeps } from '../../api/routes/deliveries.js';
import type { StoreRepository } from '../../domain/catalog/ports.js';
import { CreateStore } from '../../domain/catalog/use-cases/create-store.js';
import { UpdateStore } from '../../domain/catalog/use-cases/update-store.js';
import { StoreQueries } from '../../domain/catalog/use-cases/queries.js';
import { SetStoreLogo } from '../../domain/catalog/use-cases/set-store-logo.js';
import { SubmitStoreDocument } from '../../domain/catalog/use-cases/submit-store-document.js';
import { DecideStoreVerification } from '../../domain/catalog/use-cases/decide-store-verification.js';
import { PublicStoreQueries } from '../../domain/catalog/use-cases/public-store-queries.js';
import { IMAGE_UPLOAD } from './catalog-products.js';
import type { DeliveryRepository } from '../../domain/delivery/ports.js';
import { CreateDelivery } from '../../domain/delivery/use-cases/create-delivery.js';
import { AssignCourier } from '../../domain/delivery/use-cases/assign-courier.js';
import { ChangeDeliveryStatus } from '../../domain/delivery/use-cases/change-delivery-status.js';
import { RecordArrival } from '../../domain/delivery/use-cases/record-arrival.js';
import { DeliveryQueries } from '../../domain/delivery/use-cases/queries.js';
import { DeliveryAccess } from '../../domain/delivery/use-cases/delivery-access.js';
import { DeliveryEventBus } from '../delivery-events.js';
import type { Repositories } from '../db/index.js';

/** Stores (catalog: profile, logo, verification, public reads) and deliveries: repositories, event bus and use cases (the routes' among them). */
export interface CommerceCradle extends StoreRouteDeps, DeliveryRouteDeps {
  stores: StoreRepository;
  deliveries: DeliveryRepository;
  /** In-process handlers plus the Redis channel `<REDIS_KEY_PREFIX>delivery:events`; `subscribe()` for hubs. */
  deliveryEvents: DeliveryEventBus;
  /** For the hub's geofence events: at_pickup / at_dropoff. */
  recordArrival: RecordArrival;
  /** For the hub: who may watch an order. */
  deliveryAccess: DeliveryAccess;
  /** Assignment without dispatch's side effects (seed script, test set-ups); the REST route uses `controlDelivery`. */
  assignCourier: AssignCourier;
}

/**
 * What this module takes from the rest of the container. Typed here rather than
 * by importing `Cradle` from container.ts, which would be an import cycle.
 */
interface Needs {
  repositories: Repositories;
  redis: RedisClient;
  keyPrefix: string;
  logger: Logger;
}

export function registerCommerce(container: AwilixContainer<CommerceCradle & Needs>): void {
  container.register({
    stores: asFunction(({ repositories }: Needs) => repositories.stores).singleton(),
    deliveries: asFunction(({ repositories }: Needs) => repositories.deliveries).singleton(),
    deliveryEvents: asFunction(({ redis, logger, keyPrefix }: Needs) => new DeliveryEventBus({ redis, logger, keyPrefix })).singleton(),
    createStore: asClass(CreateStore).singleton(),
    updateStore: asClass(UpdateStore).singleton(),
    storeQueries: asClass(StoreQueries).singleton(),
    setStoreLogo: asClass(SetStoreLogo).singleton(),
    submitStoreDocument: asClass(SubmitStoreDocument).singleton(),
    decideStoreVerification: asClass(DecideStoreVerification).singleton(),
    publicStoreQueries: asClass(PublicStoreQueries).singleton(),
    storeLogoUpload: asValue(IMAGE_UPLOAD),
    createDelivery: asClass(CreateDelivery).singleton(),
    assignCourier: asClass(AssignCourier).singleton(),
    changeDeliveryStatus: asClass(ChangeDeliveryStatus).singleton(),
    recordArrival: asClass(RecordArrival).singleton(),
    deliveryQueries: asClass(DeliveryQueries).singleton(),
    deliveryAccess: asClass(DeliveryAccess).singleton(),
  });
}

export function commerceRoutes(c: CommerceCradle): RouteSpec[] {
  return [...storeRoutes(c), ...deliveryRoutes(c)];
}
