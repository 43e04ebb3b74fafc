-- up
create table addresses (
  id            text primary key,
  customer_id   text not null,
  label         text not null,
  line          text not null,
  building      text,
  floor         text,
  notes         text,
  lat           double precision not null,
  lng           double precision not null,
  point_source  text not null,
  is_default    boolean not null default false,
  -- one of the customer's live slots (0 .. max-1); null once deleted. Unique per customer,
  -- so concurrent inserts can never take a customer past the cap.
  slot          integer,
  deleted_at    timestamptz,
  version       integer not null,
  created_at    timestamptz not null,
  updated_at    timestamptz not null,
  check ((deleted_at is null) = (slot is not null)),
  check (not (is_default and deleted_at is not null))
);
create unique index addresses_one_default_idx on addresses (customer_id) where is_default = true;
create unique index addresses_slot_idx on addresses (customer_id, slot) where slot is not null;
create index addresses_live_idx on addresses (customer_id, created_at desc, id desc) where deleted_at is null;
-- down
drop table addresses;
