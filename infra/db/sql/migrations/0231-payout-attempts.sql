-- up
-- Payout batches that survive a crash (domain/finance/payout.ts): a payout is claimed (`sending`)
-- before the provider call, accepted ones wait `in_transit`, failures are retried with backoff.
alter table payouts drop constraint payouts_status_check;
alter table payouts add constraint payouts_status_check
  check (status in ('requested', 'approved', 'rejected', 'sending', 'in_transit', 'paid', 'failed'));
alter table payouts add column connected_account_id text;
alter table payouts add column attempts integer not null default 0;
alter table payouts add column next_attempt_at timestamptz;
alter table payouts add column last_error text;
-- a Stripe-Connect-style provider pays the owner's connected account
alter table payout_bank_accounts add column connected_account_id text;
-- down
alter table payout_bank_accounts drop column connected_account_id;
alter table payouts drop column last_error;
alter table payouts drop column next_attempt_at;
alter table payouts drop column attempts;
alter table payouts drop column connected_account_id;
alter table payouts drop constraint payouts_status_check;
alter table payouts add constraint payouts_status_check check (status in ('requested', 'approved', 'rejected', 'paid', 'failed'));
