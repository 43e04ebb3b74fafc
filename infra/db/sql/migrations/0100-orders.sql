-- up
-- One store's part of a checkout (domain/ordering/order.ts). Lines, totals, dropoff and timeline are
-- frozen or small documents read whole, so they are jsonb; what lists filter on are columns.
create table orders (
  id              text primary key,
  number          text not null unique,
  checkout_id     text not null,
  store_id        text not null,
  customer_id     text not null,
  status          text not null check (status in ('placed', 'awaiting_payment', 'confirmed', 'rejected', 'preparing', 'ready_for_pickup', 'picked_up', 'delivered', 'completed', 'cancelled')),
  payment_method  text not null check (payment_method in ('cash', 'card', 'wallet')),
  currency        text not null,
  total_minor     bigint not null check (total_minor >= 0),
  totals          jsonb not null,
  lines           jsonb not null,
  dropoff         jsonb not null,
  timeline        jsonb not null,
  reason          text,
  version         integer not null,
  created_at      timestamptz not null,
  updated_at      timestamptz not null
);
create index orders_store_idx on orders (store_id, created_at desc, id desc);
create index orders_customer_idx on orders (customer_id, created_at desc, id desc);
create index orders_checkout_idx on orders (checkout_id);
create index orders_created_idx on orders (created_at desc, id desc);
-- The per-day order number counter: one row per UTC day (YYMMDD), incremented atomically.
create table order_number_counters (
  day    text primary key,
  value  integer not null
);
-- down
drop table order_number_counters;
drop table orders;
