-- up
create table webhook_endpoints (
  id              text primary key,
  -- null: a platform endpoint (admins), which may receive any event
  store_id        text,
  created_by      text not null,
  url             text not null,
  description     text not null,
  event_types     jsonb not null,
  ordered         boolean not null,
  status          text not null check (status in ('enabled', 'disabled')),
  disabled_reason text,
  failing_since   timestamptz,
  -- [{ key, expiresAt }]: the current secret and one rotated out but still signing
  secrets         jsonb not null,
  version         integer not null,
  created_at      timestamptz not null,
  updated_at      timestamptz not null
);
create index webhook_endpoints_store_idx on webhook_endpoints (store_id, created_at DESC);
create table webhook_messages (
  id              text primary key,
  endpoint_id     text not null references webhook_endpoints (id) on delete cascade,
  event_id        text not null,
  event_type      text not null,
  aggregate_id    text not null,
  sequence        integer not null,
  occurred_at     timestamptz not null,
  body            text not null,
  status          text not null check (status in ('pending', 'delivered', 'failed', 'aborted')),
  attempts        integer not null,
  round_start     integer not null,
  next_attempt_at timestamptz,
  version         integer not null,
  created_at      timestamptz not null,
  updated_at      timestamptz not null
);
-- one message per endpoint and event: a repeated fan-out stores nothing new
create unique index webhook_messages_endpoint_event_idx on webhook_messages (endpoint_id, event_id);
create index webhook_messages_endpoint_created_idx on webhook_messages (endpoint_id, created_at DESC, id DESC);
-- ordered delivery: is an earlier message of this entity still pending at the endpoint
create index webhook_messages_entity_idx on webhook_messages (endpoint_id, aggregate_id, status);
create table webhook_attempts (
  message_id      text not null references webhook_messages (id) on delete cascade,
  n               integer not null,
  endpoint_id     text not null,
  at              timestamptz not null,
  status_code     integer,
  latency_ms      integer not null,
  outcome         text not null,
  response        text not null,
  error           text,
  primary key (message_id, n)
);
-- down
drop table webhook_attempts;
drop table webhook_messages;
drop table webhook_endpoints;
