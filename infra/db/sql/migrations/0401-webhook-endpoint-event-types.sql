-- up
-- The webhooks consumer finds, for every event, the enabled endpoints subscribed to its type
-- (`event_types @> '["<type>"]'`): without this it reads every endpoint per event.
create index webhook_endpoints_event_types_idx on webhook_endpoints using gin (event_types jsonb_path_ops) where status = 'enabled';

-- down
drop index if exists webhook_endpoints_event_types_idx;
