-- up
-- Checkouts: one per customer and idempotency key; the orders (one per store) and totals frozen at checkout.
create table checkouts (
  id                  text primary key,
  customer_id         text not null,
  idempotency_key     text not null,
  cart_id             text not null,
  currency            text not null,
  payment_method      text not null,
  vat_rate_bps        integer not null,
  orders              jsonb not null,
  subtotal_minor      bigint not null,
  delivery_fees_minor bigint not null,
  vat_minor           bigint not null,
  total_minor         bigint not null,
  created_at          timestamptz not null,
  check (total_minor = subtotal_minor + delivery_fees_minor + vat_minor)
);
create unique index checkouts_customer_key_idx on checkouts (customer_id, idempotency_key);
create index checkouts_customer_created_idx on checkouts (customer_id, created_at desc);
-- down
drop table checkouts;
