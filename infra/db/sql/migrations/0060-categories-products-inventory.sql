-- up
-- One row whose lock serialises changes to the tree's shape (see CategoryRepository.lockTree).
create table category_tree_lock (
  id      text primary key,
  version bigint not null
);
insert into category_tree_lock (id, version) values ('tree', 0);

create table categories (
  id              text primary key,
  parent_id       text,
  ancestor_ids    text[] not null,
  slug            text not null,
  name_ar         text not null,
  name_en         text not null,
  rank            integer not null,
  image_url       text,
  seo_title       text,
  seo_description text,
  version         integer not null,
  created_at      timestamptz not null,
  updated_at      timestamptz not null
);
create unique index categories_slug_key on categories (slug);
create index categories_parent_idx on categories (parent_id, rank, slug);

-- Names stay separate columns per language so a generated tsvector over both can be added in place.
create table products (
  id             text primary key,
  store_id       text not null,
  category_id    text,
  name_ar        text not null,
  name_en        text not null,
  description_ar text,
  description_en text,
  status         text not null check (status in ('draft', 'active', 'archived')),
  attributes     jsonb not null,
  images         jsonb not null,
  price_min      bigint not null,
  price_max      bigint not null,
  version        integer not null,
  created_at     timestamptz not null,
  updated_at     timestamptz not null
);
create index products_store_idx on products (store_id, created_at desc, id desc);
create index products_category_idx on products (category_id);

create table product_variants (
  id               text primary key,
  product_id       text not null references products (id) on delete cascade,
  store_id         text not null,
  position         integer not null,
  sku              text not null,
  options          jsonb not null,
  price            bigint not null check (price >= 0),
  compare_at_price bigint check (compare_at_price >= 0),
  barcode          text,
  weight_grams     integer
);
create unique index product_variants_store_sku_key on product_variants (store_id, sku);
create index product_variants_product_idx on product_variants (product_id, position);

create table stock_levels (
  variant_id          text primary key,
  product_id          text not null,
  store_id            text not null,
  on_hand             integer not null,
  reserved            integer not null check (reserved >= 0),
  allow_backorder     boolean not null,
  low_stock_threshold integer,
  low                 boolean not null,
  version             integer not null,
  updated_at          timestamptz not null
);

create table stock_movements (
  id              text primary key,
  variant_id      text not null,
  store_id        text not null,
  kind            text not null,
  on_hand_delta   integer not null,
  reserved_delta  integer not null,
  reservation_id  text,
  key             text,
  note            text,
  at              timestamptz not null
);
create index stock_movements_variant_idx on stock_movements (variant_id, at desc, id desc);
create unique index stock_movements_key_key on stock_movements (variant_id, key) where key is not null;

create table stock_reservations (
  id         text primary key,
  key        text not null,
  lines      jsonb not null,
  status     text not null,
  expires_at timestamptz not null,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create unique index stock_reservations_key_key on stock_reservations (key);
create index stock_reservations_expiry_idx on stock_reservations (expires_at) where status = 'active';
-- down
drop table stock_reservations;
drop table stock_movements;
drop table stock_levels;
drop table product_variants;
drop table products;
drop table categories;
drop table category_tree_lock;
