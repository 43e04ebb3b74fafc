import type { Connection } from 'mongoose';
import { LISTED_STORE_STATUS, LISTED_VERIFICATION_STATUS } from '../../../domain/catalog/model.js';
import { PRICE_BAND_EDGES, type ProductSearch, type ProductSearchCriteria, type ProductSearchHit, type ProductSearchResult, type ProductSort } from '../../../domain/catalog/search.js';
import { offsetOf, type PageRequest } from '../../../domain/shared/pagination.js';
import { haversineM } from '../../../geo/distance.js';

type Doc = Record<string, unknown>;
interface StoreDoc { _id: string; name: string; location: { lat: number; lng: number }; rating?: { average: number | null } }
interface Hit { _id: string; storeId: string; _distance?: number }
interface Faceted { hits: Hit[]; facets: { _id: { c: string | null; b: number }; n: number }[] }

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const startsWith = (w: string) => new RegExp(`^${escapeRegex(w)}`);

/**
 * Product search on MongoDB. The text index over the prefix fields of
 * search-fields.ts finds and scores candidates ($text is an OR of terms); the
 * `search.tokens` conditions make every word required and the excluded ones
 * absent, as the SQL side's tsquery does. Listed stores are read first (their
 * ids filter the products, their points give the distances): this suits
 * thousands of stores, not millions.
 */
export class MongoProductSearch implements ProductSearch {
  constructor(private readonly conn: Connection) {}

  async search(c: ProductSearchCriteria, page: PageRequest): Promise<ProductSearchResult> {
    const stores = await this.listedStores(c);
    const byId = new Map(stores.map((s) => [s._id, s]));
    const [out] = await this.conn.collection('products').aggregate<Faceted>(this.pipeline(c, stores, page)).toArray();
    const counts = new Map<string | null, number>();
    const bands = new Map<number, number>();
    let total = 0;
    for (const f of out?.facets ?? []) {
      total += f.n;
      counts.set(f._id.c ?? null, (counts.get(f._id.c ?? null) ?? 0) + f.n);
      bands.set(f._id.b, (bands.get(f._id.b) ?? 0) + f.n);
    }
    return {
      hits: (out?.hits ?? []).map((h) => hitOf(h, byId)),
      total,
      categoryCounts: [...counts].map(([categoryId, count]) => ({ categoryId, count })),
      priceBandCounts: [...bands].sort((a, b) => a[0] - b[0]).map(([band, count]) => ({ band, count })),
    };
  }

  async bestPerStore(c: ProductSearchCriteria, perStore: number): Promise<ProductSearchHit[]> {
    const stores = await this.listedStores(c);
    const byId = new Map(stores.map((s) => [s._id, s]));
    // $group keeps the order of the $sort before it, so each store's list is best first.
    const stages = [
      ...this.matching(c, stores),
      { $sort: sortOf(c.sort, !!c.text) },
      { $group: { _id: '$storeId', hits: { $push: { _id: '$_id', storeId: '$storeId', _distance: '$_distance' } } } },
      { $sort: { _id: 1 } },
      { $project: { hits: { $slice: ['$hits', perStore] } } },
    ];
    const groups = await this.conn.collection('products').aggregate<{ hits: Hit[] }>(stages).toArray();
    return groups.flatMap((g) => g.hits.map((h) => hitOf(h, byId)));
  }

  private async listedStores(c: ProductSearchCriteria): Promise<StoreDoc[]> {
    const q: Doc = { status: LISTED_STORE_STATUS, 'verification.status': LISTED_VERIFICATION_STATUS };
    const ids = c.storeIds ? c.storeIds.filter((id) => c.storeId === undefined || id === c.storeId) : c.storeId !== undefined ? [c.storeId] : null;
    if (ids) q._id = { $in: ids };
    if (c.minRating !== undefined) q['rating.average'] = { $gte: c.minRating };
    return this.conn.collection<StoreDoc>('stores').find(q, { projection: { name: 1, location: 1, rating: 1 } }).toArray();
  }

  private pipeline(c: ProductSearchCriteria, stores: StoreDoc[], page: PageRequest): Doc[] {
    const stages = this.matching(c, stores);
    const band = { $subtract: [{ $size: { $filter: { input: [...PRICE_BAND_EDGES], as: 'edge', cond: { $lte: ['$$edge', '$priceMin'] } } } }, 1] };
    stages.push({
      $facet: {
        hits: [{ $sort: sortOf(c.sort, !!c.text) }, { $skip: offsetOf(page) }, { $limit: page.limit }, { $project: { _id: 1, storeId: 1, _distance: 1 } }],
        facets: [{ $group: { _id: { c: '$categoryId', b: band }, n: { $sum: 1 } } }],
      },
    });
    return stages;
  }

  /** The products that match, with the fields the sorts read (`_score`, `_distance`). */
  private matching(c: ProductSearchCriteria, stores: StoreDoc[]): Doc[] {
    const match: Doc = { status: 'active', storeId: { $in: stores.map((s) => s._id) } };
    const and: Doc[] = [];
    if (c.text) {
      // Terms longer than the indexed prefixes are looked up by their indexed start; tokens decide.
      match.$text = { $search: c.text.words.map((w) => [...w].slice(0, 32).join('')).join(' ') };
      for (const w of c.text.words) and.push({ 'search.tokens': startsWith(w) });
      for (const w of c.text.excluded) and.push({ 'search.tokens': { $not: startsWith(w) } });
    }
    if (and.length) match.$and = and;
    if (c.categoryIds) match.categoryId = { $in: c.categoryIds };
    const price: Doc = {};
    if (c.priceMin !== undefined) price.$gte = c.priceMin;
    if (c.priceMax !== undefined) price.$lte = c.priceMax;
    if (Object.keys(price).length) match.variants = { $elemMatch: { price } };
    const stages: Doc[] = [{ $match: match }];
    if (c.inStock) stages.push(...inStockStages(c));
    const fields: Doc = {};
    if (c.text) fields._score = { $meta: 'textScore' };
    if (c.near) {
      const { lat, lng } = c.near;
      fields._distance = { $arrayElemAt: [stores.map((s) => Math.round(haversineM(lat, lng, s.location.lat, s.location.lng))), { $indexOfArray: [stores.map((s) => s._id), '$storeId'] }] };
    }
    if (Object.keys(fields).length) stages.push({ $addFields: fields });
    return stages;
  }
}

function hitOf(h: Hit, stores: Map<string, StoreDoc>): ProductSearchHit {
  const s = stores.get(h.storeId)!;
  return { productId: h._id, store: { id: s._id, name: s.name, rating: s.rating?.average ?? null }, distanceM: h._distance ?? null };
}

/** Keeps products with a variant in the price range (if any) whose stock can be bought now. */
function inStockStages(c: ProductSearchCriteria): Doc[] {
  const inRange: Doc[] = [];
  if (c.priceMin !== undefined) inRange.push({ $gte: ['$$v.price', c.priceMin] });
  if (c.priceMax !== undefined) inRange.push({ $lte: ['$$v.price', c.priceMax] });
  const level = { $first: { $filter: { input: '$_stock', as: 's', cond: { $eq: ['$$s._id', '$$v.id'] } } } };
  const buyable = { $let: { vars: { l: level }, in: { $or: [{ $eq: ['$$l.allowBackorder', true] }, { $gt: [{ $subtract: ['$$l.onHand', '$$l.reserved'] }, 0] }] } } };
  return [
    { $lookup: { from: 'stock_levels', localField: 'variants.id', foreignField: '_id', as: '_stock' } },
    { $match: { $expr: { $anyElementTrue: [{ $map: { input: '$variants', as: 'v', in: { $and: [...inRange, buyable] } } }] } } },
    { $project: { _stock: 0 } },
  ];
}

/** The same orders as the SQL adapter; ids are compared byte-wise on both sides. */
function sortOf(sort: ProductSort, ranked: boolean): Doc {
  switch (sort) {
    case 'relevance': return ranked ? { _score: -1, createdAt: -1, _id: 1 } : { createdAt: -1, _id: 1 };
    case 'price_asc': return { priceMin: 1, _id: 1 };
    case 'price_desc': return { priceMin: -1, _id: 1 };
    case 'newest': return { createdAt: -1, _id: 1 };
    case 'distance': return { _distance: 1, createdAt: -1, _id: 1 };
  }
}
