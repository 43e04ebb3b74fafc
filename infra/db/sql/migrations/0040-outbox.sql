-- up
create table outbox (
  sequence          bigint generated always as identity primary key,
  id                text not null unique,
  type              text not null,
  schema_version    integer not null,
  aggregate_type    text not null,
  aggregate_id      text not null,
  aggregate_version integer not null,
  occurred_at       timestamptz not null,
  payload           jsonb not null,
  published_at      timestamptz
);
create index outbox_unpublished_idx on outbox (sequence) where published_at is null;
create index outbox_published_idx on outbox (published_at) where published_at is not null;

create table processed_events (
  consumer     text not null,
  event_id     text not null,
  processed_at timestamptz not null,
  primary key (consumer, event_id)
);
create index processed_events_at_idx on processed_events (processed_at);
-- down
drop table processed_events;
drop table outbox;
