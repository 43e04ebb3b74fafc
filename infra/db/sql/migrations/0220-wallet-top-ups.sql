-- up
-- Wallet top-ups by card (domain/finance/top-up.ts): one per customer and idempotency key.
create table wallet_top_ups (
  id              text primary key,
  customer_id     text not null,
  amount_minor    bigint not null check (amount_minor > 0),
  currency        text not null,
  status          text not null check (status in ('pending', 'captured', 'failed')),
  idempotency_key text not null,
  provider_ref    text,
  decline_code    text,
  version         integer not null,
  created_at      timestamptz not null,
  updated_at      timestamptz not null
);
-- a retried request finds its top-up; two racing requests with one key make one
create unique index wallet_top_ups_key on wallet_top_ups (customer_id, idempotency_key);
-- a webhook finds the top-up by its provider payment
create unique index wallet_top_ups_provider_ref on wallet_top_ups (provider_ref) where provider_ref is not null;
-- a customer's top-ups, newest first
create index wallet_top_ups_customer_idx on wallet_top_ups (customer_id, created_at desc, id desc);
-- down
drop table wallet_top_ups;
