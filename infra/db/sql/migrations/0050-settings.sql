-- up
-- Marketplace settings: one row per key an admin has changed (the others read their
-- default from domain/platform/settings.ts), and every version ever written.
create table settings (
  key         text primary key,
  value       jsonb not null,
  version     integer not null check (version >= 1),
  updated_at  timestamptz not null,
  updated_by  text
);
-- Newest first per key is the primary key read backwards: no other index.
create table settings_history (
  key             text not null,
  version         integer not null check (version >= 1),
  value           jsonb not null,
  previous_value  jsonb not null,
  at              timestamptz not null,
  by              text,
  reason          text,
  primary key (key, version)
);
-- down
drop table settings_history;
drop table settings;
