-- up
create table accounts (
  id                text primary key,
  role              text not null,
  phone             text not null unique,
  email             text unique,
  password_hash     text not null,
  status            text not null,
  phone_verified_at timestamptz,
  profile           jsonb not null,
  admin_role        text,
  verification      jsonb not null,
  suspension        jsonb,
  created_at        timestamptz not null,
  updated_at        timestamptz not null,
  version           integer not null default 0
);
create index accounts_created_idx on accounts (created_at desc, id desc);
create index accounts_role_status_idx on accounts (role, status);

create table sessions (
  id             text primary key,
  account_id     text not null,
  created_at     timestamptz not null,
  expires_at     timestamptz not null,
  revoked_at     timestamptz,
  revoked_reason text,
  ip             text,
  user_agent     text
);
create index sessions_account_idx on sessions (account_id) where revoked_at is null;

create table refresh_tokens (
  token_hash text primary key,
  session_id text not null,
  account_id text not null,
  issued_at  timestamptz not null,
  expires_at timestamptz not null,
  used_at    timestamptz
);
create index refresh_tokens_session_idx on refresh_tokens (session_id);

create table otp_challenges (
  id            text primary key,
  account_id    text not null,
  purpose       text not null,
  code_hash     text not null,
  created_at    timestamptz not null,
  expires_at    timestamptz not null,
  attempts      integer not null default 0,
  max_attempts  integer not null,
  consumed_at   timestamptz,
  superseded_at timestamptz
);
create index otp_challenges_open_idx on otp_challenges (account_id, purpose, created_at desc);

create table verification_documents (
  id           text primary key,
  account_id   text not null,
  kind         text not null,
  content_type text not null,
  size_bytes   integer not null,
  sha256       text not null,
  storage_key  text not null,
  uploaded_at  timestamptz not null
);
create index verification_documents_account_idx on verification_documents (account_id, uploaded_at);
-- down
drop table verification_documents;
drop table otp_challenges;
drop table refresh_tokens;
drop table sessions;
drop table accounts;
