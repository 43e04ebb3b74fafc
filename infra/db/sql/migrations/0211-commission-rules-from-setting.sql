-- up
-- The setting finance.commissionRules becomes data, once: each stored rule becomes a rule in force
-- since the epoch, with the id `setting:<scope>` (`marketplace` is now `default`). A database that
-- never stored the setting gets the setting's default as it was when this migration was written
-- (10 % of each line). From here on the setting is not read for commissions.
insert into commission_rules (id, scope_type, scope_id, rate_bps, fixed_minor, effective_from, effective_to, note, changed_by, version, created_at, updated_at)
select
  'setting:' || case when r->'scope'->>'type' = 'marketplace' then 'default' else (r->'scope'->>'type') || ':' || (r->'scope'->>'id') end,
  case when r->'scope'->>'type' = 'marketplace' then 'default' else r->'scope'->>'type' end,
  case when r->'scope'->>'type' = 'marketplace' then null else r->'scope'->>'id' end,
  case when r->>'kind' = 'percentage' then (r->>'rateBps')::integer end,
  case when r->>'kind' = 'fixed' then (r->>'amountMinor')::bigint end,
  timestamptz '1970-01-01 00:00:00+00', null, 'imported from the setting finance.commissionRules', 'setting:finance.commissionRules', 1, now(), now()
from settings s, jsonb_array_elements(s.value) r
where s.key = 'finance.commissionRules'
on conflict (id) do nothing;

insert into commission_rules (id, scope_type, scope_id, rate_bps, fixed_minor, effective_from, effective_to, note, changed_by, version, created_at, updated_at)
select 'setting:default', 'default', null, 1000, null, timestamptz '1970-01-01 00:00:00+00', null,
  'the default of the setting finance.commissionRules', 'setting:finance.commissionRules', 1, now(), now()
where not exists (select 1 from settings where key = 'finance.commissionRules')
on conflict (id) do nothing;
-- down
delete from commission_rules where changed_by = 'setting:finance.commissionRules' and version = 1;
