/**
 * The benchmark's catalog, written straight into the SQL tables in batches:
 * 100,000 products through the use cases would take the better part of an hour
 * on a shared 2-core box, and search reads the very same rows either way (the
 * generated `search` column is computed by PostgreSQL as for any insert).
 *
 * Deterministic (a seeded generator), so every run searches the same catalog.
 * Words come in three frequencies, which give the query classes:
 * - brands: 2,000 made-up names, each in 50 products, most of one kind (selective);
 * - kinds: 60 product kinds (bread, cheese, …), each in about 1,700 products (medium);
 * - qualities: 12 words (fresh, organic, …), each in about 8% of products (broad).
 */
import type { SqlClient } from '../infra/db/sql/client.js';
import { LISTED_STORE_STATUS, LISTED_VERIFICATION_STATUS } from '../domain/catalog/model.js';
import { rng } from '../scripts/rng.js';

export const KINDS: [string, string][] = [
  ['خبز', 'bread'], ['حليب', 'milk'], ['جبن', 'cheese'], ['قهوة', 'coffee'], ['شاي', 'tea'], ['أرز', 'rice'], ['عسل', 'honey'], ['زيت', 'oil'],
  ['زيتون', 'olives'], ['تمر', 'dates'], ['لبن', 'yogurt'], ['زبدة', 'butter'], ['بيض', 'eggs'], ['دجاج', 'chicken'], ['لحم', 'beef'], ['سمك', 'fish'],
  ['طماطم', 'tomatoes'], ['خيار', 'cucumbers'], ['بطاطا', 'potatoes'], ['بصل', 'onions'], ['ثوم', 'garlic'], ['ليمون', 'lemons'], ['برتقال', 'oranges'], ['تفاح', 'apples'],
  ['موز', 'bananas'], ['عنب', 'grapes'], ['فراولة', 'strawberries'], ['بطيخ', 'watermelon'], ['سكر', 'sugar'], ['ملح', 'salt'], ['طحين', 'flour'], ['معكرونة', 'pasta'],
  ['عدس', 'lentils'], ['حمص', 'chickpeas'], ['فول', 'beans'], ['كعك', 'cake'], ['بسكويت', 'biscuits'], ['شوكولاتة', 'chocolate'], ['عصير', 'juice'], ['ماء', 'water'],
  ['صابون', 'soap'], ['شامبو', 'shampoo'], ['مناديل', 'tissues'], ['منظف', 'detergent'], ['قهوة عربية', 'cardamom coffee'], ['زعتر', 'thyme'], ['سماق', 'sumac'], ['كمون', 'cumin'],
  ['فلفل', 'pepper'], ['قرفة', 'cinnamon'], ['هيل', 'cardamom'], ['حلاوة', 'halva'], ['معمول', 'maamoul'], ['كنافة', 'knafeh'], ['بقلاوة', 'baklava'], ['فستق', 'pistachios'],
  ['لوز', 'almonds'], ['جوز', 'walnuts'], ['مكسرات', 'nuts'], ['مربى', 'jam'],
];
export const QUALITIES: [string, string][] = [
  ['طازج', 'fresh'], ['عضوي', 'organic'], ['بلدي', 'local'], ['فاخر', 'premium'], ['مجمد', 'frozen'], ['مدخن', 'smoked'],
  ['محمص', 'roasted'], ['خفيف', 'light'], ['كامل', 'whole'], ['حار', 'spicy'], ['حلو', 'sweet'], ['صغير', 'small'],
];
const FILLER = ['من', 'مع', 'في', 'يومي', 'جودة', 'عالية', 'the', 'best', 'for', 'family', 'daily', 'pack', 'quality', 'taste', 'every', 'morning', 'market', 'حي', 'السوق', 'مختار'];
const SYLLABLES = ['ka', 'ra', 'mi', 'lo', 'za', 'tu', 'ne', 'sha', 'di', 'bo', 'fa', 'ye', 'qu', 'ho', 'la'];

export const STORES = 2_000;
export const PRODUCTS = 100_000;
export const BRANDS = 2_000;

/** The seeds' generator (mulberry32), so the catalog is the same on every run. */
export const seeded = rng;
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

export const brandName = (i: number): string => {
  const r = seeded(1_000 + i);
  return `${pick(r, SYLLABLES)}${pick(r, SYLLABLES)}${pick(r, SYLLABLES)}${i}`;
};

export interface SeededCatalog {
  categoryIds: string[];
  /** Root categories with their children (for category filters). */
  roots: string[];
  storeIds: string[];
  seedMs: number;
}

async function insertBatches(db: SqlClient, rows: unknown[][], sql: string, columns: number, batch = 2_000): Promise<void> {
  for (let i = 0; i < rows.length; i += batch) {
    const chunk = rows.slice(i, i + batch);
    const cols = Array.from({ length: columns }, (_, c) => chunk.map((r) => r[c]));
    await db.query(sql, cols);
  }
}

/** Writes the stores, categories, products, variants and stock levels; answers the ids the queries use. */
export async function seedCatalog(db: SqlClient, onProgress: (what: string) => void = () => undefined): Promise<SeededCatalog> {
  const t0 = performance.now();
  const r = seeded(42);
  const at = new Date(Date.UTC(2026, 0, 1)).getTime();
  const roots = Array.from({ length: 6 }, (_, i) => `cat-${i}`);
  const categories: unknown[][] = [];
  for (const [i, id] of roots.entries()) {
    categories.push([id, null, '', `root-${i}`, `فئة ${i}`, `Category ${i}`, i]);
    for (let j = 0; j < 5; j++) categories.push([`${id}-${j}`, id, id, `cat-${i}-${j}`, `فئة ${i} ${j}`, `Category ${i}.${j}`, j]);
  }
  await insertBatches(db, categories,
    `insert into categories (id, parent_id, ancestor_ids, slug, name_ar, name_en, rank, version, created_at, updated_at)
     select id, parent, string_to_array(anc, ',')::text[], slug, ar, en, rank, 1, now(), now()
     from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[]) as t(id, parent, anc, slug, ar, en, rank)`,
    7);
  const leaves = categories.filter((c) => c[1] !== null).map((c) => String(c[0]));
  onProgress(`categories: ${categories.length}`);

  const storeIds = Array.from({ length: STORES }, (_, i) => `store-${i}`);
  const stores = storeIds.map((id, i) => [id, `owner-${i}`, `Store ${i}`, 'Damascus', 33.45 + r() * 0.15, 36.2 + r() * 0.2, i % 20 === 0 ? 'closed' : LISTED_STORE_STATUS, i % 10 === 9 ? null : Math.round((2 + r() * 3) * 10) / 10]);
  await insertBatches(db, stores,
    `insert into stores (id, owner_id, name, address, lat, lng, status, rating_average, rating_count, verification_status, version, created_at, updated_at)
     select id, owner, name, address, lat, lng, status, rating, case when rating is null then 0 else 10 end, '${LISTED_VERIFICATION_STATUS}', 1, now(), now()
     from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::float8[], $7::text[], $8::float8[]) as t(id, owner, name, address, lat, lng, status, rating)`,
    8);
  onProgress(`stores: ${STORES}`);

  const products: unknown[][] = [];
  const variants: unknown[][] = [];
  for (let i = 0; i < PRODUCTS; i++) {
    // Most of a brand's products are of its own kind, so "kind brand" queries find a handful.
    const kind = r() < 0.7 ? KINDS[(i % BRANDS) % KINDS.length]! : pick(r, KINDS);
    const quality = r() < 0.5 ? pick(r, QUALITIES) : null;
    const brand = brandName(i % BRANDS);
    const words = (n: number) => Array.from({ length: n }, () => pick(r, FILLER)).join(' ');
    const storeId = pick(r, storeIds);
    const n = 1 + Math.floor(r() * 3);
    const base = 200 + Math.floor(r() * 30_000);
    const prices = Array.from({ length: n }, (_, k) => base * (k + 1));
    const id = `prod-${i}`;
    products.push([
      id, storeId, r() < 0.95 ? pick(r, leaves) : null,
      `${quality ? `${quality[0]} ` : ''}${kind[0]} ${brand}`, `${quality ? `${quality[1]} ` : ''}${kind[1]} ${brand}`,
      `${kind[0]} ${words(6)}`, `${kind[1]} ${words(6)}`, r() < 0.97 ? 'active' : 'draft', Math.min(...prices), Math.max(...prices), new Date(at + i * 60_000).toISOString(),
    ]);
    prices.forEach((price, k) => variants.push([`${id}-v${k}`, id, storeId, k, `${id}-${k}`, price, r() < 0.8 ? Math.floor(r() * 50) : 0]));
  }
  await insertBatches(db, products,
    `insert into products (id, store_id, category_id, name_ar, name_en, description_ar, description_en, status, attributes, images, price_min, price_max, version, created_at, updated_at)
     select id, store, cat, nar, nen, dar, den, status, '{}'::jsonb, '[]'::jsonb, pmin, pmax, 1, at, at
     from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[], $10::bigint[], $11::timestamptz[]) as t(id, store, cat, nar, nen, dar, den, status, pmin, pmax, at)`,
    11);
  onProgress(`products: ${PRODUCTS}`);
  await insertBatches(db, variants,
    `insert into product_variants (id, product_id, store_id, position, sku, options, price) select id, pid, sid, pos, sku, '{}'::jsonb, price
     from unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::bigint[]) as t(id, pid, sid, pos, sku, price)`,
    6);
  await insertBatches(db, variants.map((v) => [v[0], v[1], v[2], v[6]]),
    `insert into stock_levels (variant_id, product_id, store_id, on_hand, reserved, allow_backorder, low, version, updated_at)
     select vid, pid, sid, n, 0, false, false, 1, now() from unnest($1::text[], $2::text[], $3::text[], $4::int[]) as t(vid, pid, sid, n)`,
    4);
  onProgress(`variants and stock levels: ${variants.length}`);
  await db.exec('analyze');
  return { categoryIds: categories.map((c) => String(c[0])), roots, storeIds, seedMs: performance.now() - t0 };
}
