-- up
-- when a cart stopped being active; closed carts are purged some time after
alter table carts add column closed_at timestamptz;
update carts set closed_at = updated_at where status <> 'active';
alter table carts add constraint carts_closed_at_check check ((status = 'active') = (closed_at is null));
create index carts_closed_idx on carts (closed_at) where closed_at is not null;
-- down
drop index carts_closed_idx;
alter table carts drop constraint carts_closed_at_check;
alter table carts drop column closed_at;
