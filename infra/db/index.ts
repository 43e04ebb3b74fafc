import path from 'node:path';
import { mkdirSync } from 'node:fs';
import type { AuditLogRepository, IdempotencyRepository, SettingsRepository } from '../../domain/platform/ports.js';
import type { DeliveryRepository } from '../../domain/delivery/ports.js';
import type { StoreRepository, CategoryRepository, ProductRepository, InventoryRepository } from '../../domain/catalog/ports.js';
import type { AccountRepository, DocumentRepository, OtpRepository, SessionRepository } from '../../domain/identity/ports.js';
import type { PaymentRepository } from '../../domain/ordering/ports.js';
import { SqlPaymentRepository } from './sql/payments.js';
import { MongoPaymentRepository } from './mongo/payments.js';
import type { OutboxStore, ProcessedEvents, UnitOfWork } from '../../domain/shared/events.js';
import { EVENTS } from '../../domain/platform/events.js';
import { openPglite, openPostgres } from './sql/client.js';
import type { Store, StoreSettings } from './store.js';

export { pingStore, closeStore, type Store, type StoreSettings } from './store.js';
import { SqlOutbox, SqlProcessedEvents } from './sql/outbox.js';
import { SqlPayoutRepository } from './sql/payouts.js';
import { SqlCommissionRepository } from './sql/commission.js';
import { MongoCommissionRepository } from './mongo/commission.js';
import { MongoPayoutRepository } from './mongo/payouts.js';
import { SqlWalletTopUpRepository } from './sql/wallet-top-ups.js';
import { MongoWalletTopUpRepository } from './mongo/wallet-top-ups.js';
import { MongoOutbox, MongoProcessedEvents } from './mongo/outbox.js';
import { mongoUnitOfWork } from './mongo/connection.js';
import { migrate } from './sql/migrate.js';
import { openMongo } from './mongo/connection.js';
import { migrateMongo } from './mongo/migrate.js';
import { SqlAuditLogRepository } from './sql/platform.js';
import { MongoAuditLogRepository } from './mongo/platform.js';
import { SqlSettingsRepository } from './sql/settings.js';
import { MongoSettingsRepository } from './mongo/settings.js';
import { SqlDeliveryRepository } from './sql/delivery.js';
import { MongoDeliveryRepository } from './mongo/delivery.js';
import { SqlStoreRepository } from './sql/catalog.js';
import { MongoStoreRepository } from './mongo/catalog.js';
import { SqlCategoryRepository } from './sql/categories.js';
import { SqlProductRepository } from './sql/products.js';
import { SqlInventoryRepository } from './sql/inventory.js';
import { MongoCategoryRepository } from './mongo/categories.js';
import { MongoProductRepository } from './mongo/products.js';
import { MongoInventoryRepository } from './mongo/inventory.js';
import { SqlProductSearch } from './sql/product-search.js';
import type { ProductSearch } from '../../domain/catalog/search.js';
import { MongoProductSearch } from './mongo/product-search.js';
import { SqlAddressRepository } from './sql/addresses.js';
import { SqlStoreZoneRepository } from './sql/store-zones.js';
import { MongoStoreZoneRepository } from './mongo/store-zones.js';
import { MongoAddressRepository } from './mongo/addresses.js';
import type { AddressRepository, StoreZoneRepository } from '../../domain/catalog/ports.js';
import type { CartRepository, CheckoutRepository } from '../../domain/ordering/ports.js';
import { SqlCheckoutRepository } from './sql/checkouts.js';
import { MongoCheckoutRepository } from './mongo/checkouts.js';
import { SqlCartRepository } from './sql/carts.js';
import { MongoCartRepository } from './mongo/carts.js';
import { SqlAccountRepository, SqlDocumentRepository, SqlOtpRepository, SqlSessionRepository } from './sql/identity.js';
import { SqlIdempotencyRepository } from './sql/idempotency.js';
import { MongoIdempotencyRepository } from './mongo/idempotency.js';
import { MongoAccountRepository, MongoDocumentRepository, MongoOtpRepository, MongoSessionRepository } from './mongo/identity.js';
import type { OrderRepository } from '../../domain/ordering/ports.js';
import { SqlOrderRepository } from './sql/orders.js';
import { MongoOrderRepository } from './mongo/orders.js';
import type { WebhookEndpointRepository, WebhookMessageRepository } from '../../domain/webhooks/ports.js';
import { SqlWebhookEndpointRepository, SqlWebhookMessageRepository } from './sql/webhooks.js';
import { MongoWebhookEndpointRepository, MongoWebhookMessageRepository } from './mongo/webhooks.js';
import type { CommissionRepository, LedgerRepository, PayoutRepository, WalletTopUpRepository } from '../../domain/finance/ports.js';
import { SqlLedgerRepository } from './sql/ledger.js';
import { MongoLedgerRepository } from './mongo/ledger.js';
import type { DispatchRepository, OfferRepository } from '../../domain/dispatch/ports.js';
import { SqlDispatchRepository, SqlOfferRepository } from './sql/dispatch.js';
import { MongoDispatchRepository, MongoOfferRepository } from './mongo/dispatch.js';

/** Every repository, built for one store. Add a context's repositories here. */
export interface Repositories {
  auditLog: AuditLogRepository;
  settings: SettingsRepository;
  deliveries: DeliveryRepository;
  stores: StoreRepository;
  categories: CategoryRepository;
  products: ProductRepository;
  productSearch: ProductSearch;
  inventory: InventoryRepository;
  addresses: AddressRepository;
  storeZones: StoreZoneRepository;
  carts: CartRepository;
  accounts: AccountRepository;
  sessions: SessionRepository;
  otps: OtpRepository;
  documents: DocumentRepository;
  orders: OrderRepository;
  idempotencyKeys: IdempotencyRepository;
  payments: PaymentRepository;
  checkouts: CheckoutRepository;
  webhookEndpoints: WebhookEndpointRepository;
  webhookMessages: WebhookMessageRepository;
  ledger: LedgerRepository;
  offers: OfferRepository;
  dispatches: DispatchRepository;
  payouts: PayoutRepository;
  commissions: CommissionRepository;
  walletTopUps: WalletTopUpRepository;
  outbox: OutboxStore;
  processedEvents: ProcessedEvents;
  /** Repositories and the outbox called inside `transaction` commit together. */
  unitOfWork: UnitOfWork;
}

/** Opens the configured store and brings its schema up to date (SQL migrations or Mongo index migrations). */
export async function openStore(s: StoreSettings): Promise<Store> {
  let store: Store;
  if (s.MONGODB_URI) {
    store = { kind: 'mongo', engine: 'mongo', mongo: await openMongo(s.MONGODB_URI) };
  } else if (s.DATABASE_URL) {
    store = { kind: 'sql', engine: 'postgres', sql: await openPostgres({ url: s.DATABASE_URL, max: s.DB_POOL_MAX ?? 10, ...(s.DATABASE_SCHEMA ? { schema: s.DATABASE_SCHEMA } : {}) }) };
  } else {
    const dir = path.join(s.dataDir, 'pglite');
    mkdirSync(dir, { recursive: true });
    store = { kind: 'sql', engine: 'pglite', sql: await openPglite(dir) };
  }
  await prepareStore(store);
  return store;
}

export async function prepareStore(store: Store): Promise<void> {
  if (store.kind === 'sql') {
    await migrate(store.sql);
  } else {
    createRepositories(store); // registers every model on the connection
    await migrateMongo(store.mongo);
  }
}

export function createRepositories(store: Store): Repositories {
  if (store.kind === 'sql') {
    const db = store.sql;
    return { auditLog: new SqlAuditLogRepository(db), settings: new SqlSettingsRepository(db), accounts: new SqlAccountRepository(db), sessions: new SqlSessionRepository(db), otps: new SqlOtpRepository(db), documents: new SqlDocumentRepository(db), deliveries: new SqlDeliveryRepository(db), stores: new SqlStoreRepository(db), categories: new SqlCategoryRepository(db), products: new SqlProductRepository(db), productSearch: new SqlProductSearch(db), inventory: new SqlInventoryRepository(db), addresses: new SqlAddressRepository(db), storeZones: new SqlStoreZoneRepository(db), carts: new SqlCartRepository(db), orders: new SqlOrderRepository(db), idempotencyKeys: new SqlIdempotencyRepository(db), checkouts: new SqlCheckoutRepository(db), payments: new SqlPaymentRepository(db), webhookEndpoints: new SqlWebhookEndpointRepository(db), webhookMessages: new SqlWebhookMessageRepository(db), ledger: new SqlLedgerRepository(db), payouts: new SqlPayoutRepository(db), commissions: new SqlCommissionRepository(db), walletTopUps: new SqlWalletTopUpRepository(db), offers: new SqlOfferRepository(db), dispatches: new SqlDispatchRepository(db), outbox: new SqlOutbox(db, EVENTS), processedEvents: new SqlProcessedEvents(db), unitOfWork: db };
  }
  const conn = store.mongo;
  return { auditLog: new MongoAuditLogRepository(conn), settings: new MongoSettingsRepository(conn), accounts: new MongoAccountRepository(conn), sessions: new MongoSessionRepository(conn), otps: new MongoOtpRepository(conn), documents: new MongoDocumentRepository(conn), deliveries: new MongoDeliveryRepository(conn), stores: new MongoStoreRepository(conn), categories: new MongoCategoryRepository(conn), products: new MongoProductRepository(conn), productSearch: new MongoProductSearch(conn), inventory: new MongoInventoryRepository(conn), addresses: new MongoAddressRepository(conn), storeZones: new MongoStoreZoneRepository(conn), carts: new MongoCartRepository(conn), orders: new MongoOrderRepository(conn), idempotencyKeys: new MongoIdempotencyRepository(conn), checkouts: new MongoCheckoutRepository(conn), payments: new MongoPaymentRepository(conn), webhookEndpoints: new MongoWebhookEndpointRepository(conn), webhookMessages: new MongoWebhookMessageRepository(conn), ledger: new MongoLedgerRepository(conn), payouts: new MongoPayoutRepository(conn), commissions: new MongoCommissionRepository(conn), walletTopUps: new MongoWalletTopUpRepository(conn), offers: new MongoOfferRepository(conn), dispatches: new MongoDispatchRepository(conn), outbox: new MongoOutbox(conn, EVENTS), processedEvents: new MongoProcessedEvents(conn), unitOfWork: mongoUnitOfWork(conn) };
}

