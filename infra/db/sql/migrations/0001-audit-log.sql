-- up
create table audit_log (
  id            text primary key,
  at            timestamptz not null,
  actor_id      text,
  actor_role    text not null,
  action        text not null,
  resource_type text not null,
  resource_id   text,
  outcome       text not null,
  ip            text,
  user_agent    text,
  request_id    text,
  metadata      jsonb not null default '{}'::jsonb
);
create index audit_log_at_idx on audit_log (at desc, id desc);
create index audit_log_actor_idx on audit_log (actor_id, at desc);
create index audit_log_action_idx on audit_log (action, at desc);
create index audit_log_resource_idx on audit_log (resource_type, resource_id, at desc);
-- down
drop table audit_log;
