-- up
-- Commission rules as data (domain/finance/commission-rule.ts) and the commission line each order
-- line keeps (domain/finance/commission.ts), written once when the order is settled.
create table commission_rules (
  id             text primary key,
  scope_type     text not null check (scope_type in ('store', 'category', 'default')),
  scope_id       text,
  rate_bps       integer check (rate_bps between 0 and 10000),
  fixed_minor    bigint check (fixed_minor >= 0),
  effective_from timestamptz not null,
  effective_to   timestamptz,
  note           text,
  changed_by     text not null,
  version        integer not null check (version >= 1),
  created_at     timestamptz not null,
  updated_at     timestamptz not null,
  check ((scope_type = 'default') = (scope_id is null)),
  check (rate_bps is not null or fixed_minor is not null),
  check (effective_to is null or effective_to > effective_from)
);
-- the rules of a scope, by when they take effect (settlement reads a store's, its categories' and the default)
create index commission_rules_scope_idx on commission_rules (scope_type, scope_id, effective_from);

create table commission_lines (
  order_id         text not null,
  line_index       integer not null check (line_index >= 0),
  store_id         text not null,
  variant_id       text not null,
  product_id       text not null,
  category_id      text,
  rule_id          text,
  scope            text not null,
  rate_bps         integer,
  fixed_minor      bigint,
  base_minor       bigint not null check (base_minor >= 0),
  commission_minor bigint not null check (commission_minor >= 0 and commission_minor <= base_minor),
  rule_at          timestamptz not null,
  computed_at      timestamptz not null,
  primary key (order_id, line_index)
);
-- down
drop table commission_lines;
drop table commission_rules;
