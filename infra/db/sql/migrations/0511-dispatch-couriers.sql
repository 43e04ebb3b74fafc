-- up
-- One row per courier who ever accepted an offer. An accept's transaction upserts its courier's row first
-- (insert … on conflict do update), which holds the row lock until it ends: two accepts by one courier run
-- one after the other, and the second's capacity check reads the first's assignment.
create table dispatch_couriers (
  courier_id text primary key,
  locked_at timestamptz not null
);
-- down
drop table dispatch_couriers;
