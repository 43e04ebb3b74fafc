import type { PageRequest } from '../shared/pagination.js';
import type { SearchQuery } from './search-text.js';

export const PRODUCT_SORTS = ['relevance', 'price_asc', 'price_desc', 'newest', 'distance'] as const;
export type ProductSort = (typeof PRODUCT_SORTS)[number];

/**
 * Lower bounds of the price bands the facets count, in minor units. A product
 * falls in the band of its cheapest variant (`priceMin`); the last band is open.
 */
export const PRICE_BAND_EDGES = [0, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000] as const;

/** The band (index into PRICE_BAND_EDGES) of a price. */
export const priceBandOf = (price: number): number => {
  let band = 0;
  for (let i = 0; i < PRICE_BAND_EDGES.length; i++) if (price >= PRICE_BAND_EDGES[i]!) band = i;
  return band;
};

/** What a search may ask of the adapter; the use case has resolved names to ids and checked ranges. */
export interface ProductSearchCriteria {
  /** Parsed text; absent for browsing. */
  text?: SearchQuery;
  /** The category and every category below it (ids); absent for all. */
  categoryIds?: string[];
  storeId?: string;
  /** Only these stores' products ("products near me": the stores that deliver to a point). */
  storeIds?: readonly string[];
  /** Some variant's price is in [priceMin, priceMax] (minor units) and, with `inStock`, that same variant can be bought now. */
  priceMin?: number;
  priceMax?: number;
  /** Some variant (within the price range, if any) has available stock or takes backorders. */
  inStock?: boolean;
  /** The store's average rating is at least this (unrated stores are left out). */
  minRating?: number;
  sort: ProductSort;
  /** Required by the `distance` sort; every hit then carries `distanceM`. */
  near?: { lat: number; lng: number };
}

export interface ProductSearchHit {
  productId: string;
  store: { id: string; name: string; rating: number | null };
  /** Metres from `near` to the store, rounded; null without `near`. */
  distanceM: number | null;
}

export interface ProductSearchResult {
  hits: ProductSearchHit[];
  total: number;
  /** Matching products per (direct) category id; `null` for products without a category. */
  categoryCounts: { categoryId: string | null; count: number }[];
  /** Matching products per price band (index into PRICE_BAND_EDGES); bands without any are absent. */
  priceBandCounts: { band: number; count: number }[];
}

/**
 * Full-text product search and browsing over the active products of listed
 * stores (isListedStore: open and approved; adapters filter on LISTED_STORE_STATUS
 * and LISTED_VERIFICATION_STATUS). Implementations: SqlProductSearch (PostgreSQL full text: a generated
 * tsvector with a GIN index) and MongoProductSearch (a text index), judged by
 * test/contract/product-search.test.ts: the same data gives the same hits,
 * totals and facets on every backend. Only `relevance` may order differently,
 * since each engine ranks by its own formula.
 *
 * Sorts end with the product id, so pages never overlap: relevance (rank, then
 * newest), price (the cheapest variant), newest (created at), distance (the
 * store's, then newest).
 */
export interface ProductSearch {
  search(criteria: ProductSearchCriteria, page: PageRequest): Promise<ProductSearchResult>;
  /**
   * The first `perStore` hits of each store in the criteria's sort (the same
   * matching and order as `search`), stores in id order: "products near me",
   * where one store with many matches must not crowd out the others. No total
   * and no facets.
   */
  bestPerStore(criteria: ProductSearchCriteria, perStore: number): Promise<ProductSearchHit[]>;
}
