-- up
create table carts (
  id                text primary key,
  -- the customer's account; null for a guest cart
  customer_id       text,
  -- sha-256 (hex) of a guest cart's token; the token itself is never stored
  token_hash        text,
  status            text not null check (status in ('active', 'merged', 'converted', 'expired')),
  -- [{ variantId, productId, storeId, quantity, priceAtAddMinor, addedAt, updatedAt }], written whole under the version check
  lines             jsonb not null default '[]'::jsonb,
  destination       jsonb,
  merged_into       text,
  checkout_id       text,
  last_activity_at  timestamptz not null,
  version           integer not null,
  created_at        timestamptz not null,
  updated_at        timestamptz not null,
  check ((customer_id is null) <> (token_hash is null))
);
-- one active cart per customer: two concurrent first adds make one cart
create unique index carts_customer_active_idx on carts (customer_id) where status = 'active';
create unique index carts_token_hash_idx on carts (token_hash) where token_hash is not null;
-- the expiry job: active carts by idle time
create index carts_idle_idx on carts (last_activity_at) where status = 'active';
-- down
drop table carts;
