-- up
create table dispatch_offers (
  id           text primary key,
  delivery_id  text not null,
  order_id     text not null,
  courier_id   text not null,
  round        integer not null,
  status       text not null check (status in ('pending', 'accepted', 'declined', 'expired')),
  pickup_lat   double precision not null,
  pickup_lng   double precision not null,
  dropoff_lat  double precision not null,
  dropoff_lng  double precision not null,
  fee_minor    bigint not null,
  cash         boolean not null,
  cost         double precision not null,
  offered_at   timestamptz not null,
  expires_at   timestamptz not null,
  ended_at     timestamptz,
  end_reason   text
);
create index dispatch_offers_delivery_idx on dispatch_offers (delivery_id, round);
create index dispatch_offers_courier_idx on dispatch_offers (courier_id, status);
create table dispatch_states (
  delivery_id  text primary key,
  order_id     text not null,
  status       text not null check (status in ('open', 'assigned', 'closed')),
  round        integer not null,
  radius_m     integer not null,
  excluded     jsonb not null,
  alerted_at   timestamptz,
  opened_at    timestamptz not null,
  updated_at   timestamptz not null,
  version      integer not null
);
create index dispatch_states_open_idx on dispatch_states (opened_at) where status = 'open';
-- down
drop table dispatch_states;
drop table dispatch_offers;
