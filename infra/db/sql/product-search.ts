import { LISTED_STORE_STATUS, LISTED_VERIFICATION_STATUS } from '../../../domain/catalog/model.js';
import { PRICE_BAND_EDGES, type ProductSearch, type ProductSearchCriteria, type ProductSearchHit, type ProductSearchResult, type ProductSort } from '../../../domain/catalog/search.js';
import type { SearchQuery } from '../../../domain/catalog/search-text.js';
import { offsetOf, type PageRequest } from '../../../domain/shared/pagination.js';
import { EARTH_RADIUS_M } from '../../../geo/distance.js';
import type { SqlClient } from './client.js';

/** A tsquery of prefix terms: every word as the start of a word, and none of the excluded ones. */
export function toTsquery(q: SearchQuery): string {
  const term = (w: string) => `'${w.replaceAll("'", "''")}':*`;
  return [...q.words.map(term), ...q.excluded.map((w) => `!${term(w)}`)].join(' & ');
}

/** Parameters numbered as they are added, so each condition reads `$n` where it uses its value. */
export class SqlSearchParams {
  constructor(readonly values: unknown[] = []) {}
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
  /** The same parameters, to extend for another statement over the same conditions. */
  fork(): SqlSearchParams {
    return new SqlSearchParams([...this.values]);
  }
}

interface HitRow { id: string; store_id: string; store_name: string; store_rating: number | string | null; distance_m: number | string | null }
interface FacetRow { category_id: string | null; band: number | string; n: number | string }

/**
 * Product search on PostgreSQL and PGlite: `products.search` is a generated
 * tsvector over both languages' names (weight A) and descriptions (B), normalised
 * by `catalog_search_normalize` (migration 0080), with a GIN index; a query is
 * a conjunction of prefix terms ranked by ts_rank. One query reads the page,
 * one the total and both facets (a group by category and price band).
 */
export class SqlProductSearch implements ProductSearch {
  constructor(private readonly db: SqlClient) {}

  async search(c: ProductSearchCriteria, page: PageRequest): Promise<ProductSearchResult> {
    const filter = new SqlSearchParams();
    const { where, rank } = this.conditions(c, filter);
    const from = `from products p join stores s on s.id = p.store_id ${where}`;
    const hitParams = filter.fork();
    const distance = c.near ? distanceSql(hitParams.add(c.near.lat), hitParams.add(c.near.lng)) : 'null';
    const facetParams = filter.fork();
    const band = `width_bucket(p.price_min, ${facetParams.add([...PRICE_BAND_EDGES])}::bigint[]) - 1`;
    const [hits, facets] = await Promise.all([
      this.db.query<HitRow>(
        `select p.id, s.id as store_id, s.name as store_name, s.rating_average as store_rating, ${distance} as distance_m
         ${from} order by ${orderBy(c.sort, rank, distance)} limit ${page.limit} offset ${offsetOf(page)}`,
        hitParams.values,
      ),
      this.db.query<FacetRow>(`select p.category_id, ${band} as band, count(*) as n ${from} group by 1, 2`, facetParams.values),
    ]);
    const categories = new Map<string | null, number>();
    const bands = new Map<number, number>();
    let total = 0;
    for (const f of facets.rows) {
      const n = Number(f.n);
      total += n;
      categories.set(f.category_id, (categories.get(f.category_id) ?? 0) + n);
      bands.set(Number(f.band), (bands.get(Number(f.band)) ?? 0) + n);
    }
    return {
      hits: hits.rows.map(hitOf),
      total,
      categoryCounts: [...categories].map(([categoryId, count]) => ({ categoryId, count })),
      priceBandCounts: [...bands].sort((a, b) => a[0] - b[0]).map(([b, count]) => ({ band: b, count })),
    };
  }

  async bestPerStore(c: ProductSearchCriteria, perStore: number): Promise<ProductSearchHit[]> {
    const params = new SqlSearchParams();
    const { where, rank } = this.conditions(c, params);
    const distance = c.near ? distanceSql(params.add(c.near.lat), params.add(c.near.lng)) : 'null';
    const rows = await this.db.query<HitRow>(
      `select id, store_id, store_name, store_rating, distance_m from (
         select p.id, s.id as store_id, s.name as store_name, s.rating_average as store_rating, ${distance} as distance_m,
                row_number() over (partition by p.store_id order by ${orderBy(c.sort, rank, distance)}) as n
         from products p join stores s on s.id = p.store_id ${where}) ranked
       where n <= ${params.add(perStore)} order by store_id collate "C", n`,
      params.values,
    );
    return rows.rows.map(hitOf);
  }

  /**
   * The WHERE clause and the rank expression. The text condition is its own
   * method so the benchmark's baseline can swap in an ILIKE scan with every
   * other filter unchanged.
   */
  protected conditions(c: ProductSearchCriteria, params: SqlSearchParams): { where: string; rank: string | null } {
    const parts = [`p.status = 'active'`, `s.status = ${params.add(LISTED_STORE_STATUS)}`, `s.verification_status = ${params.add(LISTED_VERIFICATION_STATUS)}`];
    let rank: string | null = null;
    if (c.text) {
      const t = this.textCondition(c.text, params);
      parts.push(t.condition);
      rank = t.rank;
    }
    if (c.categoryIds) parts.push(`p.category_id = any(${params.add(c.categoryIds)}::text[])`);
    if (c.storeId !== undefined) parts.push(`p.store_id = ${params.add(c.storeId)}`);
    if (c.storeIds !== undefined) parts.push(`p.store_id = any(${params.add(c.storeIds)}::text[])`);
    if (c.minRating !== undefined) parts.push(`s.rating_average >= ${params.add(c.minRating)}`);
    if (c.priceMin !== undefined || c.priceMax !== undefined || c.inStock) {
      const v = ['v.product_id = p.id'];
      if (c.priceMin !== undefined) v.push(`v.price >= ${params.add(c.priceMin)}`);
      if (c.priceMax !== undefined) v.push(`v.price <= ${params.add(c.priceMax)}`);
      const stock = c.inStock ? 'join stock_levels l on l.variant_id = v.id and (l.on_hand - l.reserved > 0 or l.allow_backorder)' : '';
      parts.push(`exists (select 1 from product_variants v ${stock} where ${v.join(' and ')})`);
    }
    return { where: `where ${parts.join(' and ')}`, rank };
  }

  /** The text match and its rank (null: the engine cannot rank, so relevance falls back to newest). */
  protected textCondition(q: SearchQuery, params: SqlSearchParams): { condition: string; rank: string | null } {
    const query = `to_tsquery('simple', ${params.add(toTsquery(q))})`;
    return { condition: `p.search @@ ${query}`, rank: `ts_rank(p.search, ${query})` };
  }
}

const hitOf = (r: HitRow): ProductSearchHit => ({
  productId: r.id,
  store: { id: r.store_id, name: r.store_name, rating: r.store_rating === null ? null : Number(r.store_rating) },
  distanceM: r.distance_m === null ? null : Number(r.distance_m),
});

/** Haversine in metres, rounded, with the constant and operation order of geo/distance.ts. */
function distanceSql(lat: string, lng: string): string {
  const rad = '(pi() / 180)';
  return `round(2 * ${EARTH_RADIUS_M} * asin(sqrt(least(1,
    power(sin((s.lat - ${lat}::float8) * ${rad} * 0.5), 2) + cos(${lat}::float8 * ${rad}) * cos(s.lat * ${rad}) * power(sin((s.lng - ${lng}::float8) * ${rad} * 0.5), 2)))))`;
}

/** Ids compare byte-wise, as on Mongo, whatever the database's collation. */
const ID = 'p.id collate "C"';

function orderBy(sort: ProductSort, rank: string | null, distance: string): string {
  switch (sort) {
    case 'relevance': return `${rank ? `${rank} desc, ` : ''}p.created_at desc, ${ID}`;
    case 'price_asc': return `p.price_min, ${ID}`;
    case 'price_desc': return `p.price_min desc, ${ID}`;
    case 'newest': return `p.created_at desc, ${ID}`;
    case 'distance': return `${distance}, p.created_at desc, ${ID}`;
  }
}
