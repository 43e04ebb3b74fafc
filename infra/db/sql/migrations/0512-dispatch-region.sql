-- up
-- The pickup's region (the courier index's region cell), set when a round opens the dispatch:
-- the open dispatches of a region are counted to decide whether new ones wait for the batch round.
alter table dispatch_states add column region text;
create index dispatch_states_open_region_idx on dispatch_states (region) where status = 'open';
-- down
drop index dispatch_states_open_region_idx;
alter table dispatch_states drop column region;
