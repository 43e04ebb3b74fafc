import path from 'node:path';
import { mkdirSync } from 'node:fs';
import type { DeliveryRepository } from '../../domain/delivery/ports.js';
import type { StoreRepository } from '../../domain/catalog/ports.js';
import type { AccountRepository } from '../../domain/identity/ports.js';
import type { OutboxStore, UnitOfWork } from '../../domain/shared/events.js';
import type { DispatchRepository, OfferRepository } from '../../domain/dispatch/ports.js';
import type { OrderRepository } from '../../domain/ordering/ports.js';
import type { SettingsRepository } from '../../domain/platform/ports.js';
import { EVENTS } from '../../domain/platform/events.js';
import type { Store, StoreSettings } from './store.js';

/**
 * What a hub-only process reads and writes in the database: deliveries (who may
 * watch an order, the arrival status changes of geofences, with their outbox
 * events), the stores' owners (an owner may watch its orders) and accounts
 * (whether a courier may go online), offers with their dispatch state
 * (couriers answer offers on the hub), and for dispatchers' manual control on
 * /ops the orders (is the order ready for a courier) and the settings.
 * Nothing else of commerce is loaded.
 */
export interface HubRepositories {
  deliveries: DeliveryRepository;
  offers: OfferRepository;
  dispatches: DispatchRepository;
  stores: StoreRepository;
  accounts: AccountRepository;
  orders: OrderRepository;
  settings: SettingsRepository;
  outbox: OutboxStore;
  unitOfWork: UnitOfWork;
}

// Adapters are required on demand, per engine: a hub on PostgreSQL never loads PGlite or
// mongoose (a dynamic import() would not resolve our .ts sources under tsx's require hook).
const sqlClient = () => require('./sql/client.js') as typeof import('./sql/client.js');
const postgres = () => require('./sql/postgres.js') as typeof import('./sql/postgres.js');

/**
 * Opens the configured store for a hub. SQL schemas are migrated (idempotent,
 * under the migration lock), so `npm run start:hub` works on its own. On
 * MongoDB the hub leaves index migrations to the API and worker roles: the
 * collections it touches exist, or are created, on first write.
 */
export async function openHubStore(s: StoreSettings): Promise<Store> {
  let store: Store;
  if (s.MONGODB_URI) {
    const { openMongo } = require('./mongo/connection.js') as typeof import('./mongo/connection.js');
    return { kind: 'mongo', engine: 'mongo', mongo: await openMongo(s.MONGODB_URI) };
  }
  if (s.DATABASE_URL) {
    store = { kind: 'sql', engine: 'postgres', sql: await postgres().openPostgres({ url: s.DATABASE_URL, max: s.DB_POOL_MAX ?? 10, ...(s.DATABASE_SCHEMA ? { schema: s.DATABASE_SCHEMA } : {}) }) };
  } else {
    const dir = path.join(s.dataDir, 'pglite');
    mkdirSync(dir, { recursive: true });
    store = { kind: 'sql', engine: 'pglite', sql: await sqlClient().openPglite(dir) };
  }
  const { migrate } = require('./sql/migrate.js') as typeof import('./sql/migrate.js');
  await migrate(store.sql);
  return store;
}

export function hubRepositories(store: Store): HubRepositories {
  if (store.kind === 'sql') {
    const db = store.sql;
    const { SqlDeliveryRepository } = require('./sql/delivery.js') as typeof import('./sql/delivery.js');
    const { SqlStoreRepository } = require('./sql/catalog.js') as typeof import('./sql/catalog.js');
    const { SqlAccountRepository } = require('./sql/identity.js') as typeof import('./sql/identity.js');
    const { SqlOutbox } = require('./sql/outbox.js') as typeof import('./sql/outbox.js');
    const { SqlOfferRepository, SqlDispatchRepository } = require('./sql/dispatch.js') as typeof import('./sql/dispatch.js');
    const { SqlOrderRepository } = require('./sql/orders.js') as typeof import('./sql/orders.js');
    const { SqlSettingsRepository } = require('./sql/settings.js') as typeof import('./sql/settings.js');
    return { deliveries: new SqlDeliveryRepository(db), offers: new SqlOfferRepository(db), dispatches: new SqlDispatchRepository(db), stores: new SqlStoreRepository(db), accounts: new SqlAccountRepository(db), orders: new SqlOrderRepository(db), settings: new SqlSettingsRepository(db), outbox: new SqlOutbox(db, EVENTS), unitOfWork: db };
  }
  const conn = store.mongo;
  const { MongoDeliveryRepository } = require('./mongo/delivery.js') as typeof import('./mongo/delivery.js');
  const { MongoStoreRepository } = require('./mongo/catalog.js') as typeof import('./mongo/catalog.js');
  const { MongoAccountRepository } = require('./mongo/identity.js') as typeof import('./mongo/identity.js');
  const { MongoOutbox } = require('./mongo/outbox.js') as typeof import('./mongo/outbox.js');
  const { mongoUnitOfWork } = require('./mongo/connection.js') as typeof import('./mongo/connection.js');
  const { MongoOfferRepository, MongoDispatchRepository } = require('./mongo/dispatch.js') as typeof import('./mongo/dispatch.js');
  const { MongoOrderRepository } = require('./mongo/orders.js') as typeof import('./mongo/orders.js');
  const { MongoSettingsRepository } = require('./mongo/settings.js') as typeof import('./mongo/settings.js');
  return { deliveries: new MongoDeliveryRepository(conn), offers: new MongoOfferRepository(conn), dispatches: new MongoDispatchRepository(conn), stores: new MongoStoreRepository(conn), accounts: new MongoAccountRepository(conn), orders: new MongoOrderRepository(conn), settings: new MongoSettingsRepository(conn), outbox: new MongoOutbox(conn, EVENTS), unitOfWork: mongoUnitOfWork(conn) };
}
