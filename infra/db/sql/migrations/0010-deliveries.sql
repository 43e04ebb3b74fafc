-- up
create table deliveries (
  id           text primary key,
  order_id     text not null unique,
  store_id     text not null,
  customer_id  text not null,
  courier_id   text,
  pickup_lat   double precision not null,
  pickup_lng   double precision not null,
  dropoff_lat  double precision not null,
  dropoff_lng  double precision not null,
  status       text not null,
  timestamps   jsonb not null,
  reason       text,
  version      integer not null,
  created_at   timestamptz not null,
  updated_at   timestamptz not null
);
create index deliveries_store_idx on deliveries (store_id, created_at desc);
create index deliveries_customer_idx on deliveries (customer_id, created_at desc);
create index deliveries_courier_active_idx on deliveries (courier_id, status);
-- down
drop table deliveries;
