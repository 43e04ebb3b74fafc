-- up
-- Idempotency keys: one row per (scope, key), the claim of the first request and then its answer.
create table idempotency_keys (
  scope         text not null,
  key           text not null,
  fingerprint   text not null,
  state         text not null check (state in ('in_flight', 'completed')),
  claim_token   text not null,
  locked_until  timestamptz not null,
  response      jsonb,
  created_at    timestamptz not null,
  primary key (scope, key)
);
create index idempotency_keys_created_idx on idempotency_keys (created_at);
-- down
drop table idempotency_keys;
