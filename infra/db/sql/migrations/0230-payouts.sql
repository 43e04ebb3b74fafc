-- up
-- Payouts (domain/finance/payout.ts): each store's or courier's one bank account, and payout requests.
create table payout_bank_accounts (
  owner_kind  text not null check (owner_kind in ('store', 'courier')),
  owner_id    text not null,
  holder_name text not null,
  iban        text not null,
  bic         text,
  updated_at  timestamptz not null,
  primary key (owner_kind, owner_id)
);

create table payouts (
  id                   text primary key,
  owner_kind           text not null check (owner_kind in ('store', 'courier')),
  owner_id             text not null,
  recipient_account_id text not null,
  amount_minor         bigint not null check (amount_minor > 0),
  currency             text not null,
  status               text not null check (status in ('requested', 'approved', 'rejected', 'paid', 'failed')),
  holder_name          text not null,
  iban                 text not null,
  bic                  text,
  requested_by         text not null,
  decided_by           text,
  reason               text,
  batch_id             text,
  provider_ref         text,
  version              integer not null,
  created_at           timestamptz not null,
  updated_at           timestamptz not null
);
-- an owner's payout history, newest first
create index payouts_owner_idx on payouts (owner_kind, owner_id, created_at);
-- the next batch: approved payouts, oldest first
create index payouts_status_idx on payouts (status, created_at);
-- down
drop table payouts;
drop table payout_bank_accounts;
