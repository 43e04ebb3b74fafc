import { notFound, validationError } from '../../shared/errors.js';
import { toPage, type Page, type PageRequest } from '../../shared/pagination.js';
import type { Category, CategoryView } from '../category.js';
import type { ProductView } from '../product.js';
import { MAX_PRICE_MINOR } from '../product.js';
import type { CategoryRepository, ProductRepository } from '../ports.js';
import { PRICE_BAND_EDGES, type ProductSearch, type ProductSearchCriteria, type ProductSearchResult, type ProductSort } from '../search.js';
import { MIN_QUERY_WORD, parseSearchQuery, type SearchQuery } from '../search-text.js';

export interface SearchProductsInput {
  q?: string;
  /** Id or slug; the category and everything below it. */
  category?: string;
  storeId?: string;
  priceMin?: number;
  priceMax?: number;
  inStock?: boolean;
  minRating?: number;
  /** Default: relevance with a query, newest without. */
  sort?: ProductSort;
  near?: { lat: number; lng: number };
}

export interface ProductSearchItem {
  product: ProductView;
  store: { id: string; name: string; rating: number | null };
  distanceM: number | null;
}

export interface ProductSearchFacets {
  /** The categories one level below the filtered one (or the roots), counting their whole subtree; empty ones left out. */
  categories: { id: string; slug: string; name: CategoryView['name']; count: number }[];
  /** Price bands of the cheapest variant: `max` is exclusive, null for the open last band. */
  priceBands: { min: number; max: number | null; count: number }[];
}

export type ProductSearchPage = Page<ProductSearchItem> & { facets: ProductSearchFacets };

export const MAX_RATING = 5;

/**
 * Public product search and browsing: what a customer finds among the active
 * products of listed stores, with facet counts for narrowing it down.
 */
export class SearchProducts {
  constructor(private readonly deps: { productSearch: ProductSearch; products: ProductRepository; categories: CategoryRepository }) {}

  async execute(input: SearchProductsInput, page: PageRequest): Promise<ProductSearchPage> {
    const tree = await this.deps.categories.list();
    const category = input.category === undefined ? null : categoryIn(tree, input.category);
    const criteria = criteriaOf(input, category, tree);
    const result = await this.deps.productSearch.search(criteria, page);
    const products = new Map((await this.deps.products.findByIds(result.hits.map((h) => h.productId))).map((p) => [p.id, p.toView()]));
    const items = result.hits.flatMap((h) => {
      const product = products.get(h.productId);
      return product ? [{ product, store: h.store, distanceM: h.distanceM }] : [];
    });
    return { ...toPage(items, result.total, page), facets: facetsOf(result, tree, category) };
  }
}

function categoryIn(tree: Category[], idOrSlug: string): Category {
  const found = tree.find((c) => c.id === idOrSlug) ?? tree.find((c) => c.toView().slug === idOrSlug);
  if (!found) throw notFound('Category');
  return found;
}

const invalid = (field: string, message: string) => validationError(`${field} ${message}`, [{ field, message }]);

/** The parsed search term, or VALIDATION_ERROR on `q` when it holds no word to search (shared by every search by text). */
export function searchTextOf(q: string): SearchQuery {
  const text = parseSearchQuery(q);
  if (!text) throw invalid('q', `must hold a word of at least ${MIN_QUERY_WORD} letters or digits`);
  return text;
}

function criteriaOf(input: SearchProductsInput, category: Category | null, tree: Category[]): ProductSearchCriteria {
  const criteria: ProductSearchCriteria = { sort: input.sort ?? (input.q?.trim() ? 'relevance' : 'newest') };
  if (input.q?.trim()) criteria.text = searchTextOf(input.q);
  for (const field of ['priceMin', 'priceMax'] as const) {
    const v = input[field];
    if (v === undefined) continue;
    if (!Number.isInteger(v) || v < 0 || v > MAX_PRICE_MINOR) throw invalid(field, `must be a whole number of minor units from 0 to ${MAX_PRICE_MINOR}`);
    criteria[field] = v;
  }
  if (criteria.priceMin !== undefined && criteria.priceMax !== undefined && criteria.priceMin > criteria.priceMax) throw invalid('priceMin', 'must not be above priceMax');
  if (input.minRating !== undefined) {
    if (!(input.minRating >= 0 && input.minRating <= MAX_RATING)) throw invalid('minRating', `must be from 0 to ${MAX_RATING}`);
    criteria.minRating = input.minRating;
  }
  if (criteria.sort === 'distance' && !input.near) throw invalid('lat', 'and lng are required to sort by distance');
  if (input.near) criteria.near = input.near;
  if (category) criteria.categoryIds = tree.filter((c) => c.id === category.id || c.ancestorIds.includes(category.id)).map((c) => c.id);
  if (input.storeId !== undefined) criteria.storeId = input.storeId;
  if (input.inStock) criteria.inStock = true;
  return criteria;
}

function facetsOf(result: ProductSearchResult, tree: Category[], category: Category | null): ProductSearchFacets {
  const byId = new Map(tree.map((c) => [c.id, c]));
  const level = tree.filter((c) => (category ? c.toView().parentId === category.id : c.toView().parentId === null));
  const counts = new Map<string, number>();
  for (const { categoryId, count } of result.categoryCounts) {
    const c = categoryId === null ? undefined : byId.get(categoryId);
    if (!c) continue;
    for (const id of [...c.ancestorIds, c.id]) counts.set(id, (counts.get(id) ?? 0) + count);
  }
  return {
    categories: level.flatMap((c) => {
      const v = c.toView();
      const count = counts.get(c.id) ?? 0;
      return count > 0 ? [{ id: c.id, slug: v.slug, name: v.name, count }] : [];
    }),
    priceBands: result.priceBandCounts.map(({ band, count }) => ({ min: PRICE_BAND_EDGES[band]!, max: PRICE_BAND_EDGES[band + 1] ?? null, count })),
  };
}
