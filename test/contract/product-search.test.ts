import { expect } from 'chai';
import { forEachBackend, type BackendContext } from '../helpers/databases.js';
import { createRepositories, type Repositories } from '../../infra/db/index.js';
import { Category } from '../../domain/catalog/category.js';
import { Product } from '../../domain/catalog/product.js';
import { Store } from '../../domain/catalog/model.js';
import { SearchProducts, type SearchProductsInput } from '../../domain/catalog/use-cases/search-products.js';
import { pageRequest } from '../../domain/shared/pagination.js';
import { approveStore } from '../helpers/catalog.js';
import { isAppError } from '../../domain/shared/errors.js';
import type { ProductSearchCriteria } from '../../domain/catalog/search.js';
import { parseSearchQuery } from '../../domain/catalog/search-text.js';

const at = (m: number) => new Date(Date.UTC(2026, 0, 1, 12, m));
const code = (e: unknown) => (isAppError(e) ? e.code : e);
const HERE = { lat: 33.53, lng: 36.29 };

/** Sets a store's average rating as reviews will (no review use case writes it yet). */
async function rate(ctx: BackendContext, storeId: string, average: number): Promise<void> {
  if (ctx.store.kind === 'sql') await ctx.store.sql.query('update stores set rating_average = $1, rating_count = 1 where id = $2', [average, storeId]);
  else await ctx.store.mongo.collection('stores').updateOne({ _id: storeId as never }, { $set: { rating: { average, count: 1 } } });
}

/**
 * One catalog, and the very answers expected on every backend: the same data
 * gives the same hits, totals and facets (relevance may only order hits with
 * different ranks differently, so it is checked where the ranks clearly differ).
 */
forEachBackend('ProductSearch contract', (ctx) => {
  let repos: Repositories;
  let search: SearchProducts;
  const ids = (r: { items: { product: { id: string } }[] }) => r.items.map((i) => i.product.id);
  const find = (input: SearchProductsInput, page = 1, limit = 20) => search.execute(input, pageRequest(page, limit));
  const found = async (input: SearchProductsInput) => ids(await find(input)).sort();

  before(async function () {
    this.timeout(90_000);
    repos = createRepositories(ctx.store);
    search = new SearchProducts(repos);
    const store = (id: string, name: string, lat: number, status: 'open' | 'closed') => Store.create({ id, ownerId: `owner-${id}`, name, address: 'Damascus', location: { lat, lng: 36.29 }, status, at: at(0) });
    for (const s of [store('s1', 'Bakery One', 33.51, 'open'), store('s2', 'Dairy Two', 33.53, 'open'), store('s3', 'Closed Shop', 33.52, 'closed'), store('s4', 'Unapproved', 33.52, 'open')]) await repos.stores.create(s);
    for (const s of ['s1', 's2', 's3']) await approveStore(repos.stores, s, at(0));
    await rate(ctx, 's1', 4.5);
    await rate(ctx, 's2', 3);
    const food = Category.create({ id: 'c-food', parent: null, slug: 'food', name: { ar: 'طعام', en: 'Food' }, rank: 1, at: at(0) });
    const bakery = Category.create({ id: 'c-bakery', parent: food, slug: 'bakery', name: { ar: 'مخبز', en: 'Bakery' }, rank: 1, at: at(0) });
    const bread = Category.create({ id: 'c-bread', parent: bakery, slug: 'bread', name: { ar: 'خبز', en: 'Bread' }, rank: 1, at: at(0) });
    const drinks = Category.create({ id: 'c-drinks', parent: null, slug: 'drinks', name: { ar: 'مشروبات', en: 'Drinks' }, rank: 2, at: at(0) });
    for (const c of [food, bakery, bread, drinks]) await repos.categories.create(c);
    let n = 0;
    const product = async (id: string, storeId: string, categoryId: string | null, name: { ar: string; en: string }, description: { ar?: string; en?: string }, prices: number[], stock: number[], opts: { minute: number; status?: 'draft'; backorder?: boolean }) => {
      const p = Product.create({ id, storeId, categoryId, name, description, status: opts.status ?? 'active', variants: prices.map((price, i) => ({ sku: `${id}-${i}`, price })), at: at(opts.minute), newId: () => `${id}-v${n++}` });
      await repos.products.create(p);
      for (const [i, v] of p.variants.entries()) {
        await repos.inventory.ensureLevel({ variantId: v.id, productId: id, storeId, at: at(0) });
        if (stock[i]) await repos.inventory.applyChange(v.id, { onHand: stock[i]!, reserved: 0, guardAvailable: false }, at(0));
        if (opts.backorder) await repos.inventory.configure(v.id, { allowBackorder: true }, at(0));
      }
    };
    await product('p1', 's1', 'c-bread', { ar: 'خُبْزٌ عربيّ', en: 'Arabic bread' }, { en: 'Fresh every morning' }, [1500], [10], { minute: 1 });
    await product('p2', 's1', 'c-bakery', { ar: 'كعك بالسمسم', en: 'Sesame cake' }, { ar: 'يؤكل مع الخبز', en: 'Goes well with bread' }, [3000, 6000], [0, 5], { minute: 2 });
    await product('p3', 's2', 'c-drinks', { ar: 'الحليب الطازج', en: 'Fresh milk' }, {}, [800], [0], { minute: 3, backorder: true });
    await product('p4', 's2', 'c-food', { ar: 'شاي أخضر', en: 'Green tea' }, {}, [12000], [0], { minute: 4 });
    await product('p5', 's3', 'c-bread', { ar: 'خبز محمص', en: 'Toast bread' }, {}, [1000], [9], { minute: 5 });
    await product('p6', 's1', 'c-bread', { ar: 'خبز', en: 'Bread draft' }, {}, [1000], [9], { minute: 6, status: 'draft' });
    await product('p8', 's4', 'c-bread', { ar: 'خبز بلا ترخيص', en: 'Unlicensed bread' }, {}, [1000], [9], { minute: 8 });
    await product('p7', 's2', null, { ar: 'أعواد خبز', en: 'Breadsticks' }, {}, [2000], [3], { minute: 7 });
  });

  it('when searching Arabic, then tashkeel, alef forms, ta marbuta and the article do not matter; closed or unapproved stores and drafts stay hidden', async () => {
    expect(await found({ q: 'خبز' })).to.deep.equal(['p1', 'p2', 'p7']);
    expect(await found({ q: 'الخُبْز' })).to.deep.equal(['p1', 'p2', 'p7']);
    expect(await found({ q: 'حليب' })).to.deep.equal(['p3']);
    expect(await found({ q: 'والحليب طازج' })).to.deep.equal(['p3']);
    expect(await found({ q: 'اخضر' })).to.deep.equal(['p4']);
    expect(await found({ q: 'عربى' })).to.deep.equal(['p1']);
  });

  it('when searching English, then words match as prefixes, every word is required and -word excludes', async () => {
    expect(await found({ q: 'bre' })).to.deep.equal(['p1', 'p2', 'p7']);
    expect(await found({ q: 'BREAD arab' })).to.deep.equal(['p1']);
    expect(await found({ q: 'bread -breadst' })).to.deep.equal(['p1', 'p2']);
    expect(await found({ q: 'bread milk' })).to.deep.equal([]);
    expect((await find({ q: 'zzz' })).pagination.total).to.equal(0);
  });

  it('when ranked by relevance, then a match in the name comes before a match in the description only', async () => {
    const r = await find({ q: 'bread' });
    expect(ids(r)).to.have.length(3);
    expect(ids(r)[2]).to.equal('p2');
    expect(r.items[0]!.store).to.have.property('name').that.is.a('string');
  });

  it('when filtered, then category includes descendants, and store, price range, stock and rating narrow it', async () => {
    expect(await found({ category: 'food' })).to.deep.equal(['p1', 'p2', 'p4']);
    expect(await found({ category: 'c-bakery' })).to.deep.equal(['p1', 'p2']);
    expect(await found({ storeId: 's2' })).to.deep.equal(['p3', 'p4', 'p7']);
    expect(await found({ priceMin: 1000, priceMax: 2000 })).to.deep.equal(['p1', 'p7']);
    expect(await found({ priceMin: 5000 })).to.deep.equal(['p2', 'p4']);
    expect(await found({ inStock: true })).to.deep.equal(['p1', 'p2', 'p3', 'p7']);
    expect(await found({ inStock: true, priceMax: 4000 })).to.deep.equal(['p1', 'p3', 'p7']);
    expect(await found({ minRating: 4 })).to.deep.equal(['p1', 'p2']);
    expect(await found({ minRating: 3, q: 'خبز', category: 'food' })).to.deep.equal(['p1', 'p2']);
    expect(await found({ storeId: 's3' })).to.deep.equal([]);
    expect(await found({ storeId: 's4' })).to.deep.equal([]);
  });

  it('when sorted by price, newest or distance, then the order is the same on every backend', async () => {
    expect(ids(await find({ sort: 'price_asc' }))).to.deep.equal(['p3', 'p1', 'p7', 'p2', 'p4']);
    expect(ids(await find({ sort: 'price_desc' }))).to.deep.equal(['p4', 'p2', 'p7', 'p1', 'p3']);
    expect(ids(await find({}))).to.deep.equal(['p7', 'p4', 'p3', 'p2', 'p1']);
    expect(ids(await find({ sort: 'relevance' })), 'relevance without words: newest').to.deep.equal(['p7', 'p4', 'p3', 'p2', 'p1']);
    const near = await find({ sort: 'distance', near: HERE });
    expect(ids(near)).to.deep.equal(['p7', 'p4', 'p3', 'p2', 'p1']);
    expect(near.items.map((i) => i.distanceM)).to.deep.equal([0, 0, 0, 2224, 2224]);
    expect(ids(await find({ sort: 'distance', near: { lat: 33.5, lng: 36.29 } }))).to.deep.equal(['p2', 'p1', 'p7', 'p4', 'p3']);
  });

  it('when asked for facets, then categories count their subtree one level below the filter, and price bands count the cheapest variant', async () => {
    const all = await find({});
    expect(all.pagination.total).to.equal(5);
    expect(all.facets.categories.map((c) => [c.slug, c.count])).to.deep.equal([['food', 3], ['drinks', 1]]);
    expect(all.facets.priceBands).to.deep.equal([
      { min: 0, max: 1000, count: 1 }, { min: 1000, max: 2500, count: 2 }, { min: 2500, max: 5000, count: 1 }, { min: 10000, max: 25000, count: 1 },
    ]);
    const food = await find({ category: 'food' });
    expect(food.facets.categories.map((c) => [c.slug, c.count])).to.deep.equal([['bakery', 2]]);
    const text = await find({ q: 'خبز' });
    expect(text.facets.categories.map((c) => [c.slug, c.count])).to.deep.equal([['food', 2]]);
    expect(text.facets.priceBands.map((b) => [b.min, b.count])).to.deep.equal([[1000, 2], [2500, 1]]);
  });

  it('when paged, then pages do not overlap and the envelope counts the whole result', async () => {
    const second = await find({}, 2, 2);
    expect(ids(second)).to.deep.equal(['p3', 'p2']);
    expect(second.pagination).to.deep.equal({ page: 2, limit: 2, total: 5, totalPages: 3 });
    expect(ids(await find({}, 4, 2))).to.deep.equal([]);
  });

  it('when the search is narrowed to some stores, then only their listed stores\' products match, on the same text rules', async () => {
    const hitIds = async (c: Omit<ProductSearchCriteria, 'sort'>) => (await repos.productSearch.search({ sort: 'newest', ...c }, pageRequest(1, 20))).hits.map((h) => h.productId).sort();
    expect(await hitIds({ storeIds: ['s2', 's3', 's4'] })).to.deep.equal(['p3', 'p4', 'p7']);
    expect(await hitIds({ storeIds: ['s1', 's2'], text: parseSearchQuery('الخُبْز')! })).to.deep.equal(['p1', 'p2', 'p7']);
    expect(await hitIds({ storeIds: ['s1', 's2'], storeId: 's2' })).to.deep.equal(['p3', 'p4', 'p7']);
    expect(await hitIds({ storeIds: [] })).to.deep.equal([]);
  });

  it('when the best hits per store are asked for, then each store gives at most that many, best first, stores in id order', async () => {
    const best = async (c: Omit<ProductSearchCriteria, 'sort'> & { sort?: ProductSearchCriteria['sort'] }, n: number) =>
      (await repos.productSearch.bestPerStore({ sort: 'relevance', ...c }, n)).map((h) => `${h.store.id}:${h.productId}`);
    // s1 has bread in a name (p1) and in a description only (p2); s3 is closed, s4 unapproved.
    expect(await best({ text: parseSearchQuery('bread')!, storeIds: ['s1', 's2', 's3', 's4'] }, 5)).to.deep.equal(['s1:p1', 's1:p2', 's2:p7']);
    expect(await best({ text: parseSearchQuery('خبز')!, storeIds: ['s2', 's1'] }, 1)).to.deep.equal(['s1:p1', 's2:p7']);
    expect(await best({ storeIds: ['s1', 's2'], sort: 'price_asc' }, 2)).to.deep.equal(['s1:p1', 's1:p2', 's2:p3', 's2:p7']);
    expect(await best({ text: parseSearchQuery('bre')!, storeIds: ['s2'] }, 5)).to.deep.equal(['s2:p7']);
    const near = await repos.productSearch.bestPerStore({ sort: 'relevance', storeIds: ['s1'], text: parseSearchQuery('bread')!, near: HERE }, 1);
    expect(near.map((h) => [h.store.name, h.distanceM])).to.deep.equal([['Bakery One', 2224]]);
  });

  it('when the input is wrong, then a clear code: unknown category, no word to search, a reversed price range, distance without a point', async () => {
    expect(code(await find({ category: 'nope' }).catch((e: unknown) => e))).to.equal('NOT_FOUND');
    expect(code(await find({ q: 'a - ,' }).catch((e: unknown) => e))).to.equal('VALIDATION_ERROR');
    expect(code(await find({ priceMin: 5000, priceMax: 10 }).catch((e: unknown) => e))).to.equal('VALIDATION_ERROR');
    expect(code(await find({ sort: 'distance' }).catch((e: unknown) => e))).to.equal('VALIDATION_ERROR');
  });

  it('when a product is renamed, then search finds the new name and no longer the old one', async () => {
    const p = (await repos.products.findById('p4'))!;
    const v = p.version;
    p.update({ name: { ar: 'شاي ياسمين', en: 'Jasmine tea' } }, at(9), () => 'unused');
    expect(await repos.products.save(p, v)).to.equal(true);
    expect(await found({ q: 'jasm' })).to.deep.equal(['p4']);
    expect(await found({ q: 'ياسمين' })).to.deep.equal(['p4']);
    expect(await found({ q: 'green' })).to.deep.equal([]);
  });
});
