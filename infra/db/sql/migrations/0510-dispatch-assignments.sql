-- up
-- How often a delivery was assigned (accepted or by hand) and when first: the ops figures'
-- time to assign and reassignments per order.
alter table dispatch_states add column assignments integer not null default 0;
alter table dispatch_states add column first_assigned_at timestamptz;
-- down
alter table dispatch_states drop column first_assigned_at;
alter table dispatch_states drop column assignments;
