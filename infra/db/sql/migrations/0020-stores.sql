-- up
create table stores (
  id          text primary key,
  owner_id    text not null,
  name        text not null,
  phone       text,
  address     text not null,
  lat         double precision not null,
  lng         double precision not null,
  status      text not null,
  version     integer not null,
  created_at  timestamptz not null,
  updated_at  timestamptz not null
);
create index stores_owner_idx on stores (owner_id, created_at desc);
create index stores_created_idx on stores (created_at desc, id desc);
-- down
drop table stores;
