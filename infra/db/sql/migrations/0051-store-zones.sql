-- up
-- One delivery zone per store. A removed zone stays as a tombstone (shape null) so its
-- revision keeps counting: processes compare revisions to refresh their zone index.
create table store_zones (
  store_id    text primary key,
  shape       jsonb,
  version     integer not null check (version >= 1),
  updated_at  timestamptz not null
);
-- down
drop table store_zones;
