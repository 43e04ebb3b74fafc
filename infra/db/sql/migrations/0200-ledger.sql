-- up
-- The double-entry ledger (domain/finance). Balances are written only by the ledger's
-- transactions, under row locks; the checks below repeat the domain's rules as a last guard.
create table ledger_accounts (
  id               text primary key,
  currency         text not null,
  owner_kind       text not null check (owner_kind in ('customer_wallet', 'store_payable', 'courier_earnings', 'courier_cash_in_hand', 'platform_revenue', 'gateway_clearing', 'payouts_clearing')),
  owner_id         text not null,
  debits_must_not_exceed_credits boolean not null,
  credits_must_not_exceed_debits boolean not null,
  debits_pending   bigint not null default 0 check (debits_pending >= 0),
  debits_posted    bigint not null default 0 check (debits_posted >= 0),
  credits_pending  bigint not null default 0 check (credits_pending >= 0),
  credits_posted   bigint not null default 0 check (credits_posted >= 0),
  created_at       timestamptz not null,
  check (not (debits_must_not_exceed_credits and credits_must_not_exceed_debits)),
  check (not debits_must_not_exceed_credits or debits_pending + debits_posted <= credits_posted),
  check (not credits_must_not_exceed_debits or credits_pending + credits_posted <= debits_posted)
);
-- one account per owner and currency
create unique index ledger_accounts_owner_key on ledger_accounts (owner_kind, owner_id, currency);

-- Immutable: rows are inserted, never updated or deleted.
create table ledger_transfers (
  id                text primary key,
  debit_account_id  text not null references ledger_accounts (id),
  credit_account_id text not null references ledger_accounts (id),
  amount_minor      bigint not null check (amount_minor > 0),
  currency          text not null,
  code              text not null,
  reference         text not null,
  kind              text not null check (kind in ('posted', 'pending', 'post_pending', 'void_pending', 'expire_pending')),
  pending_id        text references ledger_transfers (id),
  timeout_seconds   integer not null default 0,
  created_at        timestamptz not null,
  check ((kind in ('posted', 'pending')) = (pending_id is null))
);
-- statements: an account's entries on either side, oldest first
create index ledger_transfers_debit_idx on ledger_transfers (debit_account_id, created_at, id);
create index ledger_transfers_credit_idx on ledger_transfers (credit_account_id, created_at, id);
-- a pending transfer is resolved (posted, voided or expired) by exactly one transfer
create unique index ledger_transfers_pending_key on ledger_transfers (pending_id) where pending_id is not null;
-- money flows and reconciliation find what was posted for a business object
create index ledger_transfers_reference_idx on ledger_transfers (reference, created_at);

-- Where each pending transfer stands; it leaves 'pending' exactly once.
create table ledger_pending (
  transfer_id text primary key references ledger_transfers (id),
  status      text not null check (status in ('pending', 'posted', 'voided', 'expired')),
  expires_at  timestamptz,
  resolved_by text
);
-- the expiry job's scan
create index ledger_pending_expiry_idx on ledger_pending (status, expires_at);
-- down
drop table ledger_pending;
drop table ledger_transfers;
drop table ledger_accounts;
