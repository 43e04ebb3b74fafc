-- up
create table payments (
  id              text primary key,
  -- one payment per order
  order_id        text not null unique,
  checkout_id     text not null,
  customer_id     text not null,
  store_id        text not null,
  method          text not null check (method in ('cash', 'card', 'wallet')),
  status          text not null check (status in ('pending', 'authorized', 'captured', 'voided', 'failed', 'refunded', 'partially_refunded')),
  amount_minor    bigint not null check (amount_minor > 0),
  currency        text not null,
  provider_ref    text,
  decline_code    text,
  captured_minor  bigint not null default 0 check (captured_minor >= 0 and captured_minor <= amount_minor),
  refunded_minor  bigint not null default 0 check (refunded_minor >= 0 and refunded_minor <= captured_minor),
  -- [{ id, amountMinor, reason, providerRef, key, actor, at }], written whole under the version check
  refunds         jsonb not null default '[]'::jsonb,
  timeline        jsonb not null,
  version         integer not null,
  created_at      timestamptz not null,
  updated_at      timestamptz not null
);
-- webhooks find the payment by the provider's reference
create unique index payments_provider_ref_idx on payments (provider_ref) where provider_ref is not null;
-- a checkout's payments, one per store
create index payments_checkout_idx on payments (checkout_id, created_at);
-- down
drop table payments;
