-- up
-- A store's own preparation time (the first leg of its ETA); null: the marketplace default
-- (setting store.prepDefaultMinutes).
alter table stores add column prep_minutes integer check (prep_minutes between 1 and 240);
-- down
alter table stores drop column prep_minutes;
