import type { mongo } from 'mongoose';
import type { ProductProps } from '../../../domain/catalog/product.js';
import { searchFields } from './search-fields.js';

/**
 * One step of the Mongo schema history. A step never changes once released: to change an
 * index, add a step that drops it and creates the new definition (`replaceIndex`), because
 * creating a changed definition over an existing index fails with IndexOptionsConflict.
 * infra/db/indexes.ts declares where the history must end up; test/contract/index-parity checks it.
 */
export interface MongoMigration {
  name: string;
  up(db: mongo.Db): Promise<void>;
}

type Key = Record<string, 1 | -1 | 'text'>;
interface IndexDef {
  name: string;
  key: Key;
  unique?: boolean;
  partialFilterExpression?: Record<string, unknown>;
  /** Text indexes only. */
  weights?: Record<string, number>;
  default_language?: string;
}

/** Creates indexes (a no-op for one that exists with the same name and definition). */
export async function createIndexes(db: mongo.Db, collection: string, indexes: IndexDef[]): Promise<void> {
  await db.collection(collection).createIndexes(indexes);
}

/** Drops the index called `def.name` if present, then creates `def`. */
export async function replaceIndex(db: mongo.Db, collection: string, def: IndexDef): Promise<void> {
  const existing = await db.collection(collection).indexes().catch(() => []);
  if (existing.some((i) => i.name === def.name)) await db.collection(collection).dropIndex(def.name);
  await createIndexes(db, collection, [def]);
}

/** Listed in name order, the order they run in (migrateMongo sorts by name, whatever the list's order). */
export const MONGO_MIGRATIONS: MongoMigration[] = [
  {
    // The indexes every process used to create at boot, under the names the server gave them,
    // so a database that already has them records this step without building anything.
    name: '0001-initial-indexes',
    async up(db) {
      await createIndexes(db, 'audit_log', [
        { name: 'at_-1__id_-1', key: { at: -1, _id: -1 } },
        { name: 'actor.id_1_at_-1', key: { 'actor.id': 1, at: -1 } },
        { name: 'action_1_at_-1', key: { action: 1, at: -1 } },
        { name: 'resource.type_1_resource.id_1_at_-1', key: { 'resource.type': 1, 'resource.id': 1, at: -1 } },
      ]);
      await createIndexes(db, 'accounts', [
        { name: 'phone_1', key: { phone: 1 }, unique: true },
        // Unique only among accounts that have an email.
        { name: 'email_1', key: { email: 1 }, unique: true, partialFilterExpression: { email: { $type: 'string' } } },
        { name: 'createdAt_-1__id_-1', key: { createdAt: -1, _id: -1 } },
      ]);
      await createIndexes(db, 'sessions', [{ name: 'accountId_1_revokedAt_1', key: { accountId: 1, revokedAt: 1 } }]);
      await createIndexes(db, 'refresh_tokens', [{ name: 'sessionId_1', key: { sessionId: 1 } }]);
      await createIndexes(db, 'otp_challenges', [{ name: 'accountId_1_purpose_1_createdAt_-1', key: { accountId: 1, purpose: 1, createdAt: -1 } }]);
      await createIndexes(db, 'verification_documents', [{ name: 'accountId_1_uploadedAt_1', key: { accountId: 1, uploadedAt: 1 } }]);
      await createIndexes(db, 'deliveries', [
        { name: 'orderId_1', key: { orderId: 1 }, unique: true },
        { name: 'storeId_1_createdAt_-1', key: { storeId: 1, createdAt: -1 } },
        { name: 'customerId_1_createdAt_-1', key: { customerId: 1, createdAt: -1 } },
        { name: 'courierId_1_status_1', key: { courierId: 1, status: 1 } },
      ]);
      await createIndexes(db, 'stores', [
        { name: 'ownerId_1_createdAt_-1', key: { ownerId: 1, createdAt: -1 } },
        { name: 'createdAt_-1__id_-1', key: { createdAt: -1, _id: -1 } },
      ]);
    },
  },
  {
    // The admin account search filters by role and status; SQL has had this index from the start.
    name: '0002-accounts-role-status',
    async up(db) {
      await createIndexes(db, 'accounts', [{ name: 'role_1_status_1', key: { role: 1, status: 1 } }]);
    },
  },
  {
    // The relay reads unpublished events in sequence order; the purges read by age.
    name: '0003-outbox',
    async up(db) {
      await createIndexes(db, 'outbox', [
        { name: 'sequence_1', key: { sequence: 1 }, unique: true },
        { name: 'publishedAt_1_sequence_1', key: { publishedAt: 1, sequence: 1 } },
      ]);
      await createIndexes(db, 'processed_events', [{ name: 'processedAt_1', key: { processedAt: 1 } }]);
    },
  },
  {
    // Categories, products with embedded variants (SKU unique per store), stock levels, movements and reservations.
    name: '0005-categories-products-inventory',
    async up(db) {
      await createIndexes(db, 'categories', [
        { name: 'slug_1', key: { slug: 1 }, unique: true },
        { name: 'parentId_1_rank_1_slug_1', key: { parentId: 1, rank: 1, slug: 1 } },
      ]);
      await createIndexes(db, 'products', [
        { name: 'storeId_1_createdAt_-1__id_-1', key: { storeId: 1, createdAt: -1, _id: -1 } },
        { name: 'categoryId_1', key: { categoryId: 1 } },
        { name: 'storeId_1_variants.sku_1', key: { storeId: 1, 'variants.sku': 1 }, unique: true },
        { name: 'variants.id_1', key: { 'variants.id': 1 } },
      ]);
      await createIndexes(db, 'stock_movements', [
        { name: 'variantId_1_at_-1__id_-1', key: { variantId: 1, at: -1, _id: -1 } },
        { name: 'variantId_1_key_1', key: { variantId: 1, key: 1 }, unique: true, partialFilterExpression: { key: { $type: 'string' } } },
      ]);
      await createIndexes(db, 'stock_reservations', [
        { name: 'key_1', key: { key: 1 }, unique: true },
        { name: 'expiresAt_1', key: { expiresAt: 1 }, partialFilterExpression: { status: 'active' } },
      ]);
    },
  },
  {
    // The address book: one default per customer, one slot per live address (the cap), and the live list.
    name: '0006-addresses',
    async up(db) {
      await createIndexes(db, 'addresses', [
        { name: 'customerId_1_default', key: { customerId: 1 }, unique: true, partialFilterExpression: { isDefault: true } },
        { name: 'customerId_1_slot_1', key: { customerId: 1, slot: 1 }, unique: true, partialFilterExpression: { slot: { $type: 'number' } } },
        { name: 'customerId_1_createdAt_-1__id_-1', key: { customerId: 1, createdAt: -1, _id: -1 } },
      ]);
    },
  },
  {
    // Marketplace settings: a key's history newest first (the current values are read by _id).
    name: '0007-settings',
    async up(db) {
      await createIndexes(db, 'settings_history', [{ name: 'key_1_version_-1', key: { key: 1, version: -1 } }]);
    },
  },
  {
    // Stores' delivery zones: read by _id (the store id) and in full by each process's zone index; no secondary index.
    name: '0008-store-zones',
    async up(db) {
      const exists = await db.listCollections({ name: 'store_zones' }).hasNext();
      if (!exists) await db.createCollection('store_zones');
    },
  },
  {
    // The store profile and its verification: stores written before it get the defaults the
    // SQL migration gives (unverified, no profile), then the public list and the verifiers' queue.
    name: '0009-store-profile',
    async up(db) {
      const stores = db.collection('stores');
      await stores.updateMany({ verification: { $exists: false } }, {
        $set: {
          pickupInstructions: null, cuisine: null, logo: null, hours: null, minimumOrder: 0, rating: { average: null, count: 0 },
          verification: { status: 'not_submitted', submittedAt: null, reason: null, decidedBy: null, decidedAt: null, documents: [] },
        },
      });
      await createIndexes(db, 'stores', [
        { name: 'listed_createdAt_-1__id_-1', key: { createdAt: -1, _id: -1 }, partialFilterExpression: { status: 'open', 'verification.status': 'approved' } },
        { name: 'verification.status_1_verification.submittedAt_1', key: { 'verification.status': 1, 'verification.submittedAt': 1 } },
      ]);
    },
  },
  {
    // Product search: fills the derived search fields of products written before, then the text index over
    // them. Language 'none': no stemming or stop words, Arabic and English alike (the SQL side uses 'simple').
    name: '0010-product-search',
    async up(db) {
      type Written = { _id: string } & Pick<ProductProps, 'name' | 'description'>;
      const products = db.collection<Written>('products');
      let batch: mongo.AnyBulkWriteOperation<Written>[] = [];
      for await (const p of products.find({}, { projection: { name: 1, description: 1 } })) {
        batch.push({ updateOne: { filter: { _id: p._id }, update: { $set: { search: searchFields({ name: p.name, description: p.description ?? { ar: null, en: null } }) } } } });
        if (batch.length === 500) await products.bulkWrite(batch).then(() => (batch = []));
      }
      if (batch.length) await products.bulkWrite(batch);
      await createIndexes(db, 'products', [
        { name: 'search_text', key: { 'search.names': 'text', 'search.descriptions': 'text' }, weights: { 'search.names': 4, 'search.descriptions': 1 }, default_language: 'none' },
      ]);
    },
  },
  {
    // Carts: one active cart per customer (guest carts have no customer), one cart per guest token hash,
    // and the expiry job's scan of active carts by idle time.
    name: '0011-carts',
    async up(db) {
      await createIndexes(db, 'carts', [
        { name: 'customerId_1_active', key: { customerId: 1 }, unique: true, partialFilterExpression: { status: 'active', customerId: { $type: 'string' } } },
        { name: 'tokenHash_1', key: { tokenHash: 1 }, unique: true, partialFilterExpression: { tokenHash: { $type: 'string' } } },
        { name: 'lastActivityAt_1_active', key: { lastActivityAt: 1 }, partialFilterExpression: { status: 'active' } },
      ]);
    },
  },
  {
    // Carts record when they closed (merged, converted, expired): carts closed before get their last change's time,
    // then the purge's index over closed carts.
    name: '0012-carts-closed-at',
    async up(db) {
      const carts = db.collection<{ _id: string; updatedAt: Date }>('carts');
      for await (const c of carts.find({ status: { $ne: 'active' }, closedAt: { $exists: false } }, { projection: { updatedAt: 1 } })) {
        await carts.updateOne({ _id: c._id }, { $set: { closedAt: c.updatedAt } });
      }
      await createIndexes(db, 'carts', [{ name: 'closedAt_1', key: { closedAt: 1 }, partialFilterExpression: { closedAt: { $type: 'date' } } }]);
    },
  },
  {
    // Idempotency keys: read by _id (the scope and key), purged by age.
    name: '0012-idempotency-keys',
    async up(db) {
      await createIndexes(db, 'idempotency_keys', [{ name: 'createdAt_1', key: { createdAt: 1 } }]);
    },
  },
  {
    // Orders: by store, by customer, by checkout and all, newest first; one order per number.
    name: '0100-orders',
    async up(db) {
      await createIndexes(db, 'orders', [
        { name: 'number_1', key: { number: 1 }, unique: true },
        { name: 'storeId_1_createdAt_-1__id_-1', key: { storeId: 1, createdAt: -1, _id: -1 } },
        { name: 'customerId_1_createdAt_-1__id_-1', key: { customerId: 1, createdAt: -1, _id: -1 } },
        { name: 'checkoutId_1', key: { checkoutId: 1 } },
        { name: 'createdAt_-1__id_-1', key: { createdAt: -1, _id: -1 } },
      ]);
    },
  },
  {
    // Payments: one per order, found by the provider's reference (webhooks) and by checkout.
    name: '0110-payments',
    async up(db) {
      await createIndexes(db, 'payments', [
        { name: 'orderId_1', key: { orderId: 1 }, unique: true },
        { name: 'providerRef_1', key: { providerRef: 1 }, unique: true, partialFilterExpression: { providerRef: { $type: 'string' } } },
        { name: 'checkoutId_1_createdAt_1', key: { checkoutId: 1, createdAt: 1 } },
      ]);
    },
  },
  {
    // Checkouts: one per customer and idempotency key (the retry's lookup), and a customer's checkouts newest first.
    name: '0121-checkouts',
    async up(db) {
      await createIndexes(db, 'checkouts', [
        { name: 'customerId_1_idempotencyKey_1', key: { customerId: 1, idempotencyKey: 1 }, unique: true },
        { name: 'customerId_1_createdAt_-1', key: { customerId: 1, createdAt: -1 } },
      ]);
    },
  },
  {
    // The ledger: one account per owner and currency; transfers by account (statements), by the pending transfer they
    // resolve (exactly once) and by business reference; pending states by status and expiry (the expiry job).
    name: '0200-ledger',
    async up(db) {
      await createIndexes(db, 'ledger_accounts', [{ name: 'ownerKind_1_ownerId_1_currency_1', key: { ownerKind: 1, ownerId: 1, currency: 1 }, unique: true }]);
      await createIndexes(db, 'ledger_transfers', [
        { name: 'debitAccountId_1_createdAt_1__id_1', key: { debitAccountId: 1, createdAt: 1, _id: 1 } },
        { name: 'creditAccountId_1_createdAt_1__id_1', key: { creditAccountId: 1, createdAt: 1, _id: 1 } },
        { name: 'pendingId_1', key: { pendingId: 1 }, unique: true, partialFilterExpression: { pendingId: { $type: 'string' } } },
        { name: 'reference_1_createdAt_1', key: { reference: 1, createdAt: 1 } },
      ]);
      await createIndexes(db, 'ledger_pending', [{ name: 'status_1_expiresAt_1', key: { status: 1, expiresAt: 1 } }]);
    },
  },
  {
    // Commission rules by scope and start; an order's commission lines are one document keyed by the order (_id).
    name: '0210-commission',
    async up(db) {
      await createIndexes(db, 'commission_rules', [{ name: 'scope.type_1_scope.id_1_effectiveFrom_1', key: { 'scope.type': 1, 'scope.id': 1, effectiveFrom: 1 } }]);
    },
  },
  {
    // The setting finance.commissionRules becomes data, once (as 0211-commission-rules-from-setting.sql does):
    // each stored rule is in force since the epoch under the id `setting:<scope>`; without a stored
    // setting, its default as it was when this step was written (10 % of each line).
    name: '0211-commission-rules-from-setting',
    async up(db) {
      const stored = await db.collection<{ _id: string; value: unknown }>('settings').findOne({ _id: 'finance.commissionRules' });
      type Old = { scope: { type: string; id?: string }; kind: string; rateBps?: number; amountMinor?: number };
      const old: Old[] = stored ? (stored.value as Old[]) : [{ scope: { type: 'marketplace' }, kind: 'percentage', rateBps: 1_000 }];
      const now = new Date();
      for (const r of old) {
        const scope = r.scope.type === 'marketplace' ? { type: 'default' } : { type: r.scope.type, id: r.scope.id };
        const id = `setting:${scope.type === 'default' ? 'default' : `${scope.type}:${scope.id}`}`;
        await db.collection<{ _id: string }>('commission_rules').updateOne({ _id: id }, {
          $setOnInsert: {
            scope, rateBps: r.kind === 'percentage' ? r.rateBps : null, fixedMinor: r.kind === 'fixed' ? r.amountMinor : null, effectiveFrom: new Date(0), effectiveTo: null,
            note: stored ? 'imported from the setting finance.commissionRules' : 'the default of the setting finance.commissionRules',
            changedBy: 'setting:finance.commissionRules', version: 1, createdAt: now, updatedAt: now,
          },
        }, { upsert: true });
      }
    },
  },
  {
    // Wallet top-ups: one per customer and idempotency key, found by the provider's payment (webhooks), a customer's newest first.
    name: '0220-wallet-top-ups',
    async up(db) {
      await createIndexes(db, 'wallet_top_ups', [
        { name: 'customerId_1_idempotencyKey_1', key: { customerId: 1, idempotencyKey: 1 }, unique: true },
        { name: 'providerRef_1', key: { providerRef: 1 }, unique: true, partialFilterExpression: { providerRef: { $type: 'string' } } },
        { name: 'customerId_1_createdAt_-1__id_-1', key: { customerId: 1, createdAt: -1, _id: -1 } },
      ]);
    },
  },
  {
    // Payouts: an owner's history, and the next batch (approved, oldest first). Bank accounts are keyed by owner (_id).
    name: '0230-payouts',
    async up(db) {
      await createIndexes(db, 'payouts', [
        { name: 'ownerKind_1_ownerId_1_createdAt_1', key: { ownerKind: 1, ownerId: 1, createdAt: 1 } },
        { name: 'status_1_createdAt_1', key: { status: 1, createdAt: 1 } },
      ]);
    },
  },
  {
    // Notifications: push devices per account, the inbox newest first, a bulk send's deliveries.
    name: '0300-notifications',
    async up(db) {
      await createIndexes(db, 'notification_devices', [{ name: 'accountId_1_lastSeenAt_1', key: { accountId: 1, lastSeenAt: 1 } }]);
      await createIndexes(db, 'notification_inbox', [{ name: 'accountId_1_createdAt_-1__id_-1', key: { accountId: 1, createdAt: -1, _id: -1 } }]);
      await createIndexes(db, 'notification_deliveries', [{ name: 'bulkId_1', key: { bulkId: 1 }, partialFilterExpression: { bulkId: { $type: 'string' } } }]);
    },
  },
  {
    // Webhooks: endpoints by store; one message per endpoint and event, an endpoint's log newest first, an entity's pending messages (ordered delivery).
    name: '0400-webhooks',
    async up(db) {
      await createIndexes(db, 'webhook_endpoints', [{ name: 'storeId_1_createdAt_-1', key: { storeId: 1, createdAt: -1 } }]);
      await createIndexes(db, 'webhook_messages', [
        { name: 'endpointId_1_eventId_1', key: { endpointId: 1, eventId: 1 }, unique: true },
        { name: 'endpointId_1_createdAt_-1__id_-1', key: { endpointId: 1, createdAt: -1, _id: -1 } },
        { name: 'endpointId_1_aggregateId_1_status_1', key: { endpointId: 1, aggregateId: 1, status: 1 } },
      ]);
      await createIndexes(db, 'webhook_attempts', [{ name: 'messageId_1_n_1', key: { messageId: 1, n: 1 }, unique: true }]);
    },
  },
  {
    // Webhooks: the enabled endpoints subscribed to an event type, looked up once per event (multikey on the array).
    name: '0401-webhook-endpoint-event-types',
    async up(db) {
      await createIndexes(db, 'webhook_endpoints', [{ name: 'eventTypes_1', key: { eventTypes: 1 }, partialFilterExpression: { status: 'enabled' } }]);
    },
  },
  {
    // Dispatch: a delivery's offers by round, a courier's pending offers, open dispatch states oldest first.
    name: '0500-dispatch',
    async up(db) {
      await createIndexes(db, 'dispatch_offers', [
        { name: 'deliveryId_1_round_1', key: { deliveryId: 1, round: 1 } },
        { name: 'courierId_1_status_1', key: { courierId: 1, status: 1 } },
      ]);
      await createIndexes(db, 'dispatch_states', [{ name: 'open_openedAt_1', key: { openedAt: 1 }, partialFilterExpression: { status: 'open' } }]);
    },
  },
  {
    // Dispatch: the open dispatches of a region, counted to decide whether its new deliveries wait for the batch round.
    name: '0512-dispatch-region',
    async up(db) {
      await createIndexes(db, 'dispatch_states', [{ name: 'open_region_1', key: { region: 1 }, partialFilterExpression: { status: 'open' } }]);
    },
  },
];
