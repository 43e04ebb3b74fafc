/**
 * Every secondary index, SQL and Mongo side by side: one row per access path, so a query
 * that is indexed on one store is indexed on the other. The SQL migrations and the Mongo
 * migrations must end exactly here; test/contract/index-parity.test.ts reads the real
 * indexes of both and fails on any drift. Add a row when you add a migration that indexes.
 */
export interface SqlIndex {
  table: string;
  name: string;
  /** As PostgreSQL prints it in pg_indexes, e.g. `created_at DESC, id DESC`. */
  columns: string;
  unique?: boolean;
  /** The partial index predicate as PostgreSQL prints it, without the outer parentheses. */
  where?: string;
  /** The access method when it is not btree (`gin` for full text). */
  using?: string;
}

export interface MongoIndex {
  collection: string;
  name: string;
  /** A text index reads back as `{ _fts: 'text', _ftsx: 1 }`, its fields and weights in `weights`. */
  key: Record<string, 1 | -1 | 'text'>;
  unique?: boolean;
  partialFilterExpression?: Record<string, unknown>;
  weights?: Record<string, number>;
}

/**
 * One access path on both stores. A side is absent only where that store serves the path
 * with its primary key or with the other row's index, and `otherwise` says which.
 */
export type IndexPair = { serves: string } & (
  | { sql: SqlIndex; mongo: MongoIndex }
  | { sql: SqlIndex; mongo?: undefined; otherwise: string }
  | { sql?: undefined; mongo: MongoIndex; otherwise: string }
);

export const INDEXES: IndexPair[] = [
  {
    serves: 'audit log, newest first',
    sql: { table: 'audit_log', name: 'audit_log_at_idx', columns: 'at DESC, id DESC' },
    mongo: { collection: 'audit_log', name: 'at_-1__id_-1', key: { at: -1, _id: -1 } },
  },
  {
    serves: 'audit log by actor',
    sql: { table: 'audit_log', name: 'audit_log_actor_idx', columns: 'actor_id, at DESC' },
    mongo: { collection: 'audit_log', name: 'actor.id_1_at_-1', key: { 'actor.id': 1, at: -1 } },
  },
  {
    serves: 'audit log by action',
    sql: { table: 'audit_log', name: 'audit_log_action_idx', columns: 'action, at DESC' },
    mongo: { collection: 'audit_log', name: 'action_1_at_-1', key: { action: 1, at: -1 } },
  },
  {
    serves: 'audit log by resource',
    sql: { table: 'audit_log', name: 'audit_log_resource_idx', columns: 'resource_type, resource_id, at DESC' },
    mongo: { collection: 'audit_log', name: 'resource.type_1_resource.id_1_at_-1', key: { 'resource.type': 1, 'resource.id': 1, at: -1 } },
  },
  {
    serves: 'one account per phone',
    sql: { table: 'accounts', name: 'accounts_phone_key', columns: 'phone', unique: true },
    mongo: { collection: 'accounts', name: 'phone_1', key: { phone: 1 }, unique: true },
  },
  {
    // SQL unique ignores nulls; Mongo needs the partial filter to do the same.
    serves: 'one account per email, among accounts with one',
    sql: { table: 'accounts', name: 'accounts_email_key', columns: 'email', unique: true },
    mongo: { collection: 'accounts', name: 'email_1', key: { email: 1 }, unique: true, partialFilterExpression: { email: { $type: 'string' } } },
  },
  {
    serves: 'accounts, newest first',
    sql: { table: 'accounts', name: 'accounts_created_idx', columns: 'created_at DESC, id DESC' },
    mongo: { collection: 'accounts', name: 'createdAt_-1__id_-1', key: { createdAt: -1, _id: -1 } },
  },
  {
    serves: 'admin account search by role and status',
    sql: { table: 'accounts', name: 'accounts_role_status_idx', columns: 'role, status' },
    mongo: { collection: 'accounts', name: 'role_1_status_1', key: { role: 1, status: 1 } },
  },
  {
    serves: "an account's open sessions",
    sql: { table: 'sessions', name: 'sessions_account_idx', columns: 'account_id', where: 'revoked_at IS NULL' },
    mongo: { collection: 'sessions', name: 'accountId_1_revokedAt_1', key: { accountId: 1, revokedAt: 1 } },
  },
  {
    serves: "a session's refresh tokens",
    sql: { table: 'refresh_tokens', name: 'refresh_tokens_session_idx', columns: 'session_id' },
    mongo: { collection: 'refresh_tokens', name: 'sessionId_1', key: { sessionId: 1 } },
  },
  {
    serves: "an account's open challenge for a purpose",
    sql: { table: 'otp_challenges', name: 'otp_challenges_open_idx', columns: 'account_id, purpose, created_at DESC' },
    mongo: { collection: 'otp_challenges', name: 'accountId_1_purpose_1_createdAt_-1', key: { accountId: 1, purpose: 1, createdAt: -1 } },
  },
  {
    serves: "an account's documents, oldest first",
    sql: { table: 'verification_documents', name: 'verification_documents_account_idx', columns: 'account_id, uploaded_at' },
    mongo: { collection: 'verification_documents', name: 'accountId_1_uploadedAt_1', key: { accountId: 1, uploadedAt: 1 } },
  },
  {
    serves: 'one delivery per order',
    sql: { table: 'deliveries', name: 'deliveries_order_id_key', columns: 'order_id', unique: true },
    mongo: { collection: 'deliveries', name: 'orderId_1', key: { orderId: 1 }, unique: true },
  },
  {
    serves: "a store's deliveries, newest first",
    sql: { table: 'deliveries', name: 'deliveries_store_idx', columns: 'store_id, created_at DESC' },
    mongo: { collection: 'deliveries', name: 'storeId_1_createdAt_-1', key: { storeId: 1, createdAt: -1 } },
  },
  {
    serves: "a customer's deliveries, newest first",
    sql: { table: 'deliveries', name: 'deliveries_customer_idx', columns: 'customer_id, created_at DESC' },
    mongo: { collection: 'deliveries', name: 'customerId_1_createdAt_-1', key: { customerId: 1, createdAt: -1 } },
  },
  {
    serves: "a courier's active deliveries",
    sql: { table: 'deliveries', name: 'deliveries_courier_active_idx', columns: 'courier_id, status' },
    mongo: { collection: 'deliveries', name: 'courierId_1_status_1', key: { courierId: 1, status: 1 } },
  },
  {
    serves: "an owner's stores, newest first",
    sql: { table: 'stores', name: 'stores_owner_idx', columns: 'owner_id, created_at DESC' },
    mongo: { collection: 'stores', name: 'ownerId_1_createdAt_-1', key: { ownerId: 1, createdAt: -1 } },
  },
  {
    serves: 'stores, newest first',
    sql: { table: 'stores', name: 'stores_created_idx', columns: 'created_at DESC, id DESC' },
    mongo: { collection: 'stores', name: 'createdAt_-1__id_-1', key: { createdAt: -1, _id: -1 } },
  },
  {
    serves: 'listed stores (open and approved), newest first',
    sql: { table: 'stores', name: 'stores_listed_idx', columns: 'created_at DESC, id DESC', where: "(status = 'open'::text) AND (verification_status = 'approved'::text)" },
    mongo: { collection: 'stores', name: 'listed_createdAt_-1__id_-1', key: { createdAt: -1, _id: -1 }, partialFilterExpression: { status: 'open', 'verification.status': 'approved' } },
  },
  {
    serves: 'the store verification queue, oldest submission first',
    sql: { table: 'stores', name: 'stores_verification_idx', columns: 'verification_status, verification_submitted_at' },
    mongo: { collection: 'stores', name: 'verification.status_1_verification.submittedAt_1', key: { 'verification.status': 1, 'verification.submittedAt': 1 } },
  },
  {
    serves: 'the relay: unpublished events in sequence order',
    sql: { table: 'outbox', name: 'outbox_unpublished_idx', columns: 'sequence', where: 'published_at IS NULL' },
    mongo: { collection: 'outbox', name: 'publishedAt_1_sequence_1', key: { publishedAt: 1, sequence: 1 } },
  },
  {
    serves: 'the purge: published events by age',
    sql: { table: 'outbox', name: 'outbox_published_idx', columns: 'published_at', where: 'published_at IS NOT NULL' },
    otherwise: 'Mongo: publishedAt_1_sequence_1 serves the publishedAt range',
  },
  {
    serves: 'one outbox row per event id',
    sql: { table: 'outbox', name: 'outbox_id_key', columns: 'id', unique: true },
    otherwise: 'Mongo: the event id is _id',
  },
  {
    serves: 'one outbox row per sequence',
    mongo: { collection: 'outbox', name: 'sequence_1', key: { sequence: 1 }, unique: true },
    otherwise: 'SQL: sequence is the primary key',
  },
  {
    serves: 'the purge: processed-event records by age',
    sql: { table: 'processed_events', name: 'processed_events_at_idx', columns: 'processed_at' },
    mongo: { collection: 'processed_events', name: 'processedAt_1', key: { processedAt: 1 } },
  },
  {
    serves: 'one category per slug',
    sql: { table: 'categories', name: 'categories_slug_key', columns: 'slug', unique: true },
    mongo: { collection: 'categories', name: 'slug_1', key: { slug: 1 }, unique: true },
  },
  {
    serves: 'children of a category, in rank order',
    sql: { table: 'categories', name: 'categories_parent_idx', columns: 'parent_id, rank, slug' },
    mongo: { collection: 'categories', name: 'parentId_1_rank_1_slug_1', key: { parentId: 1, rank: 1, slug: 1 } },
  },
  {
    serves: "a store's products, newest first",
    sql: { table: 'products', name: 'products_store_idx', columns: 'store_id, created_at DESC, id DESC' },
    mongo: { collection: 'products', name: 'storeId_1_createdAt_-1__id_-1', key: { storeId: 1, createdAt: -1, _id: -1 } },
  },
  {
    serves: 'products of a category',
    sql: { table: 'products', name: 'products_category_idx', columns: 'category_id' },
    mongo: { collection: 'products', name: 'categoryId_1', key: { categoryId: 1 } },
  },
  {
    serves: 'one SKU per store',
    sql: { table: 'product_variants', name: 'product_variants_store_sku_key', columns: 'store_id, sku', unique: true },
    mongo: { collection: 'products', name: 'storeId_1_variants.sku_1', key: { storeId: 1, 'variants.sku': 1 }, unique: true },
  },
  {
    serves: 'variants of a product, in order',
    sql: { table: 'product_variants', name: 'product_variants_product_idx', columns: 'product_id, "position"' },
    otherwise: 'Mongo: variants are embedded in their product',
  },
  {
    serves: 'the product of a variant',
    mongo: { collection: 'products', name: 'variants.id_1', key: { 'variants.id': 1 } },
    otherwise: "SQL: the variant id is product_variants' primary key",
  },
  {
    serves: "a variant's stock movements, newest first",
    sql: { table: 'stock_movements', name: 'stock_movements_variant_idx', columns: 'variant_id, at DESC, id DESC' },
    mongo: { collection: 'stock_movements', name: 'variantId_1_at_-1__id_-1', key: { variantId: 1, at: -1, _id: -1 } },
  },
  {
    serves: 'a manual movement once per idempotency key',
    sql: { table: 'stock_movements', name: 'stock_movements_key_key', columns: 'variant_id, key', unique: true, where: 'key IS NOT NULL' },
    mongo: { collection: 'stock_movements', name: 'variantId_1_key_1', key: { variantId: 1, key: 1 }, unique: true, partialFilterExpression: { key: { $type: 'string' } } },
  },
  {
    serves: 'a reservation once per checkout key',
    sql: { table: 'stock_reservations', name: 'stock_reservations_key_key', columns: 'key', unique: true },
    mongo: { collection: 'stock_reservations', name: 'key_1', key: { key: 1 }, unique: true },
  },
  {
    serves: 'active reservations by expiry (the release job)',
    sql: { table: 'stock_reservations', name: 'stock_reservations_expiry_idx', columns: 'expires_at', where: "status = 'active'::text" },
    mongo: { collection: 'stock_reservations', name: 'expiresAt_1', key: { expiresAt: 1 }, partialFilterExpression: { status: 'active' } },
  },
  {
    serves: 'one default address per customer',
    sql: { table: 'addresses', name: 'addresses_one_default_idx', columns: 'customer_id', unique: true, where: 'is_default = true' },
    mongo: { collection: 'addresses', name: 'customerId_1_default', key: { customerId: 1 }, unique: true, partialFilterExpression: { isDefault: true } },
  },
  {
    serves: 'the address cap: one slot per live address of a customer',
    sql: { table: 'addresses', name: 'addresses_slot_idx', columns: 'customer_id, slot', unique: true, where: 'slot IS NOT NULL' },
    mongo: { collection: 'addresses', name: 'customerId_1_slot_1', key: { customerId: 1, slot: 1 }, unique: true, partialFilterExpression: { slot: { $type: 'number' } } },
  },
  {
    serves: "a customer's live addresses, newest first",
    sql: { table: 'addresses', name: 'addresses_live_idx', columns: 'customer_id, created_at DESC, id DESC', where: 'deleted_at IS NULL' },
    mongo: { collection: 'addresses', name: 'customerId_1_createdAt_-1__id_-1', key: { customerId: 1, createdAt: -1, _id: -1 } },
  },
  {
    serves: "a setting's history, newest first",
    mongo: { collection: 'settings_history', name: 'key_1_version_-1', key: { key: 1, version: -1 } },
    otherwise: 'SQL: the primary key (key, version) of settings_history, read backwards',
  },
  {
    // Mongo text indexes match whole terms, so the prefixes of the words are indexed (search-fields.ts).
    serves: 'full-text product search (Arabic and English, prefix matching)',
    sql: { table: 'products', name: 'products_search_idx', columns: 'search', using: 'gin' },
    mongo: { collection: 'products', name: 'search_text', key: { _fts: 'text', _ftsx: 1 }, weights: { 'search.names': 4, 'search.descriptions': 1 } },
  },
  {
    serves: 'one active cart per customer (two concurrent first adds make one cart)',
    sql: { table: 'carts', name: 'carts_customer_active_idx', columns: 'customer_id', unique: true, where: "status = 'active'::text" },
    mongo: { collection: 'carts', name: 'customerId_1_active', key: { customerId: 1 }, unique: true, partialFilterExpression: { status: 'active', customerId: { $type: 'string' } } },
  },
  {
    serves: 'a guest cart by the hash of its token',
    sql: { table: 'carts', name: 'carts_token_hash_idx', columns: 'token_hash', unique: true, where: 'token_hash IS NOT NULL' },
    mongo: { collection: 'carts', name: 'tokenHash_1', key: { tokenHash: 1 }, unique: true, partialFilterExpression: { tokenHash: { $type: 'string' } } },
  },
  {
    serves: 'active carts by idle time (the expiry job)',
    sql: { table: 'carts', name: 'carts_idle_idx', columns: 'last_activity_at', where: "status = 'active'::text" },
    mongo: { collection: 'carts', name: 'lastActivityAt_1_active', key: { lastActivityAt: 1 }, partialFilterExpression: { status: 'active' } },
  },
  {
    serves: 'the purge: idempotency keys by age',
    sql: { table: 'idempotency_keys', name: 'idempotency_keys_created_idx', columns: 'created_at' },
    mongo: { collection: 'idempotency_keys', name: 'createdAt_1', key: { createdAt: 1 } },
  },
  {
    serves: 'one payment per order',
    sql: { table: 'payments', name: 'payments_order_id_key', columns: 'order_id', unique: true },
    mongo: { collection: 'payments', name: 'orderId_1', key: { orderId: 1 }, unique: true },
  },
  {
    serves: "a payment by its provider's reference (webhooks)",
    sql: { table: 'payments', name: 'payments_provider_ref_idx', columns: 'provider_ref', unique: true, where: 'provider_ref IS NOT NULL' },
    mongo: { collection: 'payments', name: 'providerRef_1', key: { providerRef: 1 }, unique: true, partialFilterExpression: { providerRef: { $type: 'string' } } },
  },
  {
    serves: "a checkout's payments, oldest first",
    sql: { table: 'payments', name: 'payments_checkout_idx', columns: 'checkout_id, created_at' },
    mongo: { collection: 'payments', name: 'checkoutId_1_createdAt_1', key: { checkoutId: 1, createdAt: 1 } },
  },
  {
    serves: 'one order per number (and the lookup by number)',
    sql: { table: 'orders', name: 'orders_number_key', columns: 'number', unique: true },
    mongo: { collection: 'orders', name: 'number_1', key: { number: 1 }, unique: true },
  },
  {
    serves: "a store's orders, newest first",
    sql: { table: 'orders', name: 'orders_store_idx', columns: 'store_id, created_at DESC, id DESC' },
    mongo: { collection: 'orders', name: 'storeId_1_createdAt_-1__id_-1', key: { storeId: 1, createdAt: -1, _id: -1 } },
  },
  {
    serves: "a customer's orders, newest first",
    sql: { table: 'orders', name: 'orders_customer_idx', columns: 'customer_id, created_at DESC, id DESC' },
    mongo: { collection: 'orders', name: 'customerId_1_createdAt_-1__id_-1', key: { customerId: 1, createdAt: -1, _id: -1 } },
  },
  {
    serves: 'the orders of a checkout',
    sql: { table: 'orders', name: 'orders_checkout_idx', columns: 'checkout_id' },
    mongo: { collection: 'orders', name: 'checkoutId_1', key: { checkoutId: 1 } },
  },
  {
    serves: 'every order, newest first (admins)',
    sql: { table: 'orders', name: 'orders_created_idx', columns: 'created_at DESC, id DESC' },
    mongo: { collection: 'orders', name: 'createdAt_-1__id_-1', key: { createdAt: -1, _id: -1 } },
  },
  {
    serves: 'one checkout per customer and idempotency key',
    sql: { table: 'checkouts', name: 'checkouts_customer_key_idx', columns: 'customer_id, idempotency_key', unique: true },
    mongo: { collection: 'checkouts', name: 'customerId_1_idempotencyKey_1', key: { customerId: 1, idempotencyKey: 1 }, unique: true },
  },
  {
    serves: "a customer's checkouts, newest first",
    sql: { table: 'checkouts', name: 'checkouts_customer_created_idx', columns: 'customer_id, created_at DESC' },
    mongo: { collection: 'checkouts', name: 'customerId_1_createdAt_-1', key: { customerId: 1, createdAt: -1 } },
  },
  {
    serves: 'closed carts by closing time (the purge)',
    sql: { table: 'carts', name: 'carts_closed_idx', columns: 'closed_at', where: 'closed_at IS NOT NULL' },
    mongo: { collection: 'carts', name: 'closedAt_1', key: { closedAt: 1 }, partialFilterExpression: { closedAt: { $type: 'date' } } },
  },
  {
    serves: 'one ledger account per owner and currency',
    sql: { table: 'ledger_accounts', name: 'ledger_accounts_owner_key', columns: 'owner_kind, owner_id, currency', unique: true },
    mongo: { collection: 'ledger_accounts', name: 'ownerKind_1_ownerId_1_currency_1', key: { ownerKind: 1, ownerId: 1, currency: 1 }, unique: true },
  },
  {
    serves: "an account's statement, debit side",
    sql: { table: 'ledger_transfers', name: 'ledger_transfers_debit_idx', columns: 'debit_account_id, created_at, id' },
    mongo: { collection: 'ledger_transfers', name: 'debitAccountId_1_createdAt_1__id_1', key: { debitAccountId: 1, createdAt: 1, _id: 1 } },
  },
  {
    serves: "an account's statement, credit side",
    sql: { table: 'ledger_transfers', name: 'ledger_transfers_credit_idx', columns: 'credit_account_id, created_at, id' },
    mongo: { collection: 'ledger_transfers', name: 'creditAccountId_1_createdAt_1__id_1', key: { creditAccountId: 1, createdAt: 1, _id: 1 } },
  },
  {
    serves: 'a pending transfer is resolved by one transfer only',
    sql: { table: 'ledger_transfers', name: 'ledger_transfers_pending_key', columns: 'pending_id', unique: true, where: 'pending_id IS NOT NULL' },
    mongo: { collection: 'ledger_transfers', name: 'pendingId_1', key: { pendingId: 1 }, unique: true, partialFilterExpression: { pendingId: { $type: 'string' } } },
  },
  {
    serves: 'transfers of a business object (money flows, reconciliation)',
    sql: { table: 'ledger_transfers', name: 'ledger_transfers_reference_idx', columns: 'reference, created_at' },
    mongo: { collection: 'ledger_transfers', name: 'reference_1_createdAt_1', key: { reference: 1, createdAt: 1 } },
  },
  {
    serves: 'pending transfers past their timeout (the expiry job)',
    sql: { table: 'ledger_pending', name: 'ledger_pending_expiry_idx', columns: 'status, expires_at' },
    mongo: { collection: 'ledger_pending', name: 'status_1_expiresAt_1', key: { status: 1, expiresAt: 1 } },
  },
  {
    serves: 'a retried wallet top-up finds its first attempt: one per customer and idempotency key',
    sql: { table: 'wallet_top_ups', name: 'wallet_top_ups_key', columns: 'customer_id, idempotency_key', unique: true },
    mongo: { collection: 'wallet_top_ups', name: 'customerId_1_idempotencyKey_1', key: { customerId: 1, idempotencyKey: 1 }, unique: true },
  },
  {
    serves: "a card webhook finds the wallet top-up it paid",
    sql: { table: 'wallet_top_ups', name: 'wallet_top_ups_provider_ref', columns: 'provider_ref', unique: true, where: 'provider_ref IS NOT NULL' },
    mongo: { collection: 'wallet_top_ups', name: 'providerRef_1', key: { providerRef: 1 }, unique: true, partialFilterExpression: { providerRef: { $type: 'string' } } },
  },
  {
    serves: "a customer's wallet top-ups, newest first",
    sql: { table: 'wallet_top_ups', name: 'wallet_top_ups_customer_idx', columns: 'customer_id, created_at DESC, id DESC' },
    mongo: { collection: 'wallet_top_ups', name: 'customerId_1_createdAt_-1__id_-1', key: { customerId: 1, createdAt: -1, _id: -1 } },
  },
  {
    serves: "an owner's payout history, newest first",
    sql: { table: 'payouts', name: 'payouts_owner_idx', columns: 'owner_kind, owner_id, created_at' },
    mongo: { collection: 'payouts', name: 'ownerKind_1_ownerId_1_createdAt_1', key: { ownerKind: 1, ownerId: 1, createdAt: 1 } },
  },
  {
    serves: 'the next payout batch: approved payouts, oldest first',
    sql: { table: 'payouts', name: 'payouts_status_idx', columns: 'status, created_at' },
    mongo: { collection: 'payouts', name: 'status_1_createdAt_1', key: { status: 1, createdAt: 1 } },
  },
  {
    serves: 'the commission rules of a scope by start (settlement: a store, its categories, the default)',
    sql: { table: 'commission_rules', name: 'commission_rules_scope_idx', columns: 'scope_type, scope_id, effective_from' },
    mongo: { collection: 'commission_rules', name: 'scope.type_1_scope.id_1_effectiveFrom_1', key: { 'scope.type': 1, 'scope.id': 1, effectiveFrom: 1 } },
  },
  {
    serves: "an account's push devices, and who was active since (bulk segments)",
    sql: { table: 'notification_devices', name: 'notification_devices_account_idx', columns: 'account_id, last_seen_at' },
    mongo: { collection: 'notification_devices', name: 'accountId_1_lastSeenAt_1', key: { accountId: 1, lastSeenAt: 1 } },
  },
  {
    serves: "an account's inbox, newest first, and its unread count",
    sql: { table: 'notification_inbox', name: 'notification_inbox_account_idx', columns: 'account_id, created_at DESC, id DESC' },
    mongo: { collection: 'notification_inbox', name: 'accountId_1_createdAt_-1__id_-1', key: { accountId: 1, createdAt: -1, _id: -1 } },
  },
  {
    serves: "a bulk send's report (its deliveries by channel and status)",
    sql: { table: 'notification_deliveries', name: 'notification_deliveries_bulk_idx', columns: 'bulk_id', where: 'bulk_id IS NOT NULL' },
    mongo: { collection: 'notification_deliveries', name: 'bulkId_1', key: { bulkId: 1 }, partialFilterExpression: { bulkId: { $type: 'string' } } },
  },
  {
    serves: "a store's webhook endpoints, newest first",
    sql: { table: 'webhook_endpoints', name: 'webhook_endpoints_store_idx', columns: 'store_id, created_at DESC' },
    mongo: { collection: 'webhook_endpoints', name: 'storeId_1_createdAt_-1', key: { storeId: 1, createdAt: -1 } },
  },
  {
    serves: 'the enabled endpoints subscribed to an event type (once per event)',
    sql: { table: 'webhook_endpoints', name: 'webhook_endpoints_event_types_idx', columns: 'event_types jsonb_path_ops', using: 'gin', where: "status = 'enabled'::text" },
    mongo: { collection: 'webhook_endpoints', name: 'eventTypes_1', key: { eventTypes: 1 }, partialFilterExpression: { status: 'enabled' } },
  },
  {
    serves: 'one webhook message per endpoint and event',
    sql: { table: 'webhook_messages', name: 'webhook_messages_endpoint_event_idx', columns: 'endpoint_id, event_id', unique: true },
    mongo: { collection: 'webhook_messages', name: 'endpointId_1_eventId_1', key: { endpointId: 1, eventId: 1 }, unique: true },
  },
  {
    serves: "an endpoint's messages, newest first (the delivery log)",
    sql: { table: 'webhook_messages', name: 'webhook_messages_endpoint_created_idx', columns: 'endpoint_id, created_at DESC, id DESC' },
    mongo: { collection: 'webhook_messages', name: 'endpointId_1_createdAt_-1__id_-1', key: { endpointId: 1, createdAt: -1, _id: -1 } },
  },
  {
    serves: "an entity's pending messages at an endpoint (ordered delivery)",
    sql: { table: 'webhook_messages', name: 'webhook_messages_entity_idx', columns: 'endpoint_id, aggregate_id, status' },
    mongo: { collection: 'webhook_messages', name: 'endpointId_1_aggregateId_1_status_1', key: { endpointId: 1, aggregateId: 1, status: 1 } },
  },
  {
    serves: "a delivery's offers, by round",
    sql: { table: 'dispatch_offers', name: 'dispatch_offers_delivery_idx', columns: 'delivery_id, round' },
    mongo: { collection: 'dispatch_offers', name: 'deliveryId_1_round_1', key: { deliveryId: 1, round: 1 } },
  },
  {
    serves: "a courier's pending offers, and their acceptance record",
    sql: { table: 'dispatch_offers', name: 'dispatch_offers_courier_idx', columns: 'courier_id, status' },
    mongo: { collection: 'dispatch_offers', name: 'courierId_1_status_1', key: { courierId: 1, status: 1 } },
  },
  {
    serves: 'open dispatches, oldest first (resumed after a restart)',
    sql: { table: 'dispatch_states', name: 'dispatch_states_open_idx', columns: 'opened_at', where: "status = 'open'::text" },
    mongo: { collection: 'dispatch_states', name: 'open_openedAt_1', key: { openedAt: 1 }, partialFilterExpression: { status: 'open' } },
  },
  {
    serves: "the open dispatches of a region (is it busy enough to batch)",
    sql: { table: 'dispatch_states', name: 'dispatch_states_open_region_idx', columns: 'region', where: "status = 'open'::text" },
    mongo: { collection: 'dispatch_states', name: 'open_region_1', key: { region: 1 }, partialFilterExpression: { status: 'open' } },
  },
  {
    serves: "a message's attempts, in order",
    mongo: { collection: 'webhook_attempts', name: 'messageId_1_n_1', key: { messageId: 1, n: 1 }, unique: true },
    otherwise: 'SQL: the primary key (message_id, n)',
  },
];
