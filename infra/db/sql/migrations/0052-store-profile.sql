-- up
-- The store profile customers read (cuisine, logo, hours, minimum order, rating) and its
-- verification. Existing stores start unverified, so they stay unlisted until approved.
alter table stores
  add column pickup_instructions        text,
  add column cuisine                    text,
  add column logo                       jsonb,
  add column hours                      jsonb,
  add column minimum_order              bigint not null default 0 check (minimum_order >= 0),
  add column rating_average             double precision,
  add column rating_count               integer not null default 0 check (rating_count >= 0),
  add column verification_status        text not null default 'not_submitted',
  add column verification_submitted_at  timestamptz,
  add column verification_reason        text,
  add column verification_decided_by    text,
  add column verification_decided_at    timestamptz,
  add column verification_documents     jsonb not null default '[]'::jsonb;
-- The public list: listed stores only (isListedStore), newest first.
create index stores_listed_idx on stores (created_at desc, id desc) where status = 'open' and verification_status = 'approved';
-- The verifiers' queue: pending stores, oldest submission first.
create index stores_verification_idx on stores (verification_status, verification_submitted_at);
-- down
drop index stores_verification_idx;
drop index stores_listed_idx;
alter table stores
  drop column pickup_instructions, drop column cuisine, drop column logo, drop column hours, drop column minimum_order,
  drop column rating_average, drop column rating_count, drop column verification_status, drop column verification_submitted_at,
  drop column verification_reason, drop column verification_decided_by, drop column verification_decided_at, drop column verification_documents;
