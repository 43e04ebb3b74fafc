-- up
-- The statuses of domain/delivery/model.ts (DELIVERY_STATUSES). A status added there needs a migration
-- that replaces this constraint; test/contract/delivery-status.test.ts fails until it does.
alter table deliveries add constraint deliveries_status_check
  check (status in ('pending', 'assigned', 'at_pickup', 'picked_up', 'at_dropoff', 'delivered', 'cancelled', 'failed'));
-- down
alter table deliveries drop constraint deliveries_status_check;
