-- up
-- Notifications: saved templates, preferences, push devices, the in-app inbox, the at-most-once delivery log, bulk sends.
create table notification_templates (
  event_type  text not null,
  channel     text not null check (channel in ('email', 'sms', 'push', 'in_app')),
  locale      text not null check (locale in ('ar', 'en')),
  title       text,
  body        text not null,
  updated_at  timestamptz not null,
  updated_by  text,
  primary key (event_type, channel, locale)
);
create table notification_preferences (
  account_id   text primary key,
  locale       text not null check (locale in ('ar', 'en')),
  time_zone    text not null,
  quiet_hours  jsonb,
  muted        jsonb not null,
  updated_at   timestamptz not null
);
create table notification_devices (
  token         text primary key,
  account_id    text not null,
  platform      text not null check (platform in ('ios', 'android', 'web')),
  app_version   text not null,
  last_seen_at  timestamptz not null,
  created_at    timestamptz not null
);
create index notification_devices_account_idx on notification_devices (account_id, last_seen_at);
create table notification_inbox (
  id          text primary key,
  account_id  text not null,
  event_type  text not null,
  category    text not null,
  title       text not null,
  body        text not null,
  data        jsonb not null,
  created_at  timestamptz not null,
  read_at     timestamptz
);
create index notification_inbox_account_idx on notification_inbox (account_id, created_at desc, id desc);
create table notification_deliveries (
  key         text primary key,
  source_id   text not null,
  account_id  text not null,
  channel     text not null,
  event_type  text not null,
  bulk_id     text,
  status      text not null check (status in ('claimed', 'sent', 'failed', 'skipped', 'retrying')),
  reason      text,
  attempts    integer not null,
  created_at  timestamptz not null,
  updated_at  timestamptz not null
);
create index notification_deliveries_bulk_idx on notification_deliveries (bulk_id) where bulk_id is not null;
create table notification_bulk_sends (
  id           text primary key,
  created_by   text not null,
  segment      jsonb not null,
  channels     jsonb not null,
  category     text not null,
  content      jsonb not null,
  status       text not null check (status in ('queued', 'running', 'done')),
  recipients   integer not null,
  created_at   timestamptz not null,
  finished_at  timestamptz
);
-- down
drop table notification_bulk_sends;
drop table notification_deliveries;
drop table notification_inbox;
drop table notification_devices;
drop table notification_preferences;
drop table notification_templates;
