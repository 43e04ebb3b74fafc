import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { forEachBackend } from '../helpers/databases.js';
import { createRepositories, type Repositories } from '../../infra/db/index.js';
import { Category } from '../../domain/catalog/category.js';
import { Product } from '../../domain/catalog/product.js';
import { ManageCategories } from '../../domain/catalog/use-cases/manage-categories.js';
import { pageRequest } from '../../domain/shared/pagination.js';
import { uuidIds } from '../../domain/shared/ids.js';
import { isAppError } from '../../domain/shared/errors.js';
import type { Principal } from '../../domain/shared/principal.js';

const at = (m: number) => new Date(Date.UTC(2026, 0, 1, 12, m));
const code = (e: unknown) => (isAppError(e) ? e.code : e);
const catalogAdmin: Principal = { accountId: 'admin-1', role: 'admin', permissions: ['catalog:manage'], sessionId: 's', tokenId: 't', expiresAt: 0 };

forEachBackend('CategoryRepository and ProductRepository contract', (ctx) => {
  let repos: Repositories;
  beforeEach(() => {
    repos = createRepositories(ctx.store);
  });
  const category = (parent: Category | null, slug = `c-${randomUUID().slice(0, 8)}`) => Category.create({ id: randomUUID(), parent, slug, name: { ar: 'فئة', en: 'Category' }, rank: 1, seo: { title: 'T' }, at: at(0) });
  const product = (storeId: string, skus: string[], categoryId: string | null = null, minute = 0) =>
    Product.create({ id: randomUUID(), storeId, categoryId, name: { ar: 'شاي', en: 'Tea' }, attributes: { origin: 'Ceylon' }, variants: skus.map((sku, i) => ({ sku, price: 100 + i, options: { size: String(i) } })), at: at(minute), newId: () => randomUUID() });

  it('when categories are created, then they read back by id and slug, a taken slug is a CONFLICT, and list is shallowest first', async () => {
    const root = category(null);
    const child = category(root);
    await repos.categories.create(root);
    await repos.categories.create(child);
    expect((await repos.categories.findById(child.id))!.toView()).to.deep.equal(child.toView());
    expect((await repos.categories.findBySlug(root.toView().slug))!.id).to.equal(root.id);
    expect(code(await repos.categories.create(category(null, root.toView().slug)).catch((e: unknown) => e))).to.equal('CONFLICT');
    const ids = (await repos.categories.list()).map((c) => c.id);
    expect(ids.indexOf(root.id)).to.be.below(ids.indexOf(child.id));
    expect((await repos.categories.children(root.id)).map((c) => c.id)).to.deep.equal([child.id]);
  });

  it('when a node moves, then every node below it gets the new path; a stale save is refused', async () => {
    const [a, b] = [category(null), category(null)];
    const a1 = category(a);
    const a2 = category(a1);
    for (const c of [a, b, a1, a2]) await repos.categories.create(c);
    const stale = (await repos.categories.findById(a1.id))!;
    const v = a1.version;
    a1.moveUnder(b, at(1));
    expect(await repos.categories.save(a1, v)).to.equal(true);
    await repos.categories.rewriteSubtreePaths(a1.id, a1.ancestorIds);
    expect((await repos.categories.findById(a2.id))!.ancestorIds).to.deep.equal([b.id, a1.id]);
    stale.update({ rank: 9 }, at(2));
    expect(await repos.categories.save(stale, v)).to.equal(false);
    expect(await repos.categories.delete(a2.id)).to.equal(true);
    expect(await repos.categories.findById(a2.id)).to.equal(null);
  });

  ctx.itIsolation('when two nodes are moved under each other at once, then one move wins and the tree has no cycle', async () => {
    const manage = new ManageCategories({ categories: repos.categories, products: repos.products, unitOfWork: repos.unitOfWork, clock: { now: () => at(3) }, ids: uuidIds });
    const [x, y] = [await manage.create(catalogAdmin, { slug: `x-${randomUUID().slice(0, 8)}`, name: { ar: 'س', en: 'X' } }), await manage.create(catalogAdmin, { slug: `y-${randomUUID().slice(0, 8)}`, name: { ar: 'ص', en: 'Y' } })];
    const outcomes = await Promise.all([manage.update(catalogAdmin, x.id, { parentId: y.id }).then(() => 'ok', code), manage.update(catalogAdmin, y.id, { parentId: x.id }).then(() => 'ok', code)]);
    expect(outcomes.filter((o) => o === 'ok')).to.have.length(1);
    expect(outcomes.filter((o) => o !== 'ok')[0]).to.be.oneOf(['CATEGORY_CYCLE', 'CONFLICT']);
    const [sx, sy] = [(await repos.categories.findById(x.id))!, (await repos.categories.findById(y.id))!];
    expect(sx.ancestorIds.includes(y.id) && sy.ancestorIds.includes(x.id)).to.equal(false);
  });

  it('when a product is created, then it reads back with its variants, by id and by variant id', async () => {
    const p = product(`store-${randomUUID()}`, ['A-1', 'A-2']);
    await repos.products.create(p);
    expect((await repos.products.findById(p.id))!.toView()).to.deep.equal(p.toView());
    expect((await repos.products.findByVariantId(p.variants[1]!.id))!.id).to.equal(p.id);
    expect(await repos.products.findByVariantId(randomUUID())).to.equal(null);
  });

  it('when a SKU is used by another product of the store, then CONFLICT (duplicate_sku) and nothing is written; another store may use it', async () => {
    const storeId = `store-${randomUUID()}`;
    const first = product(storeId, ['SKU-1']);
    await repos.products.create(first);
    const clash = product(storeId, ['SKU-2', 'SKU-1']);
    const err = await repos.products.create(clash).catch((e: unknown) => e);
    expect(isAppError(err) && err.code).to.equal('CONFLICT');
    expect(isAppError(err) && (err.details as { reason: string; field: string }[])[0]).to.deep.include({ reason: 'duplicate_sku', field: 'variants.1.sku' });
    expect(await repos.products.findById(clash.id)).to.equal(null);
    await repos.products.create(product(`store-${randomUUID()}`, ['SKU-1']));

    const v = first.version;
    first.update({ variants: [{ id: first.variants[0]!.id, sku: 'SKU-1', price: 555 }, { sku: 'SKU-3', price: 1 }] }, at(4), () => randomUUID());
    expect(await repos.products.save(first, v)).to.equal(true);
    const stored = (await repos.products.findById(first.id))!.toView();
    expect(stored.variants.map((x) => x.sku)).to.deep.equal(['SKU-1', 'SKU-3']);
    expect(stored).to.deep.include({ priceMin: 1, priceMax: 555 });
    const other = product(storeId, ['SKU-9']);
    await repos.products.create(other);
    const ov = other.version;
    other.update({ variants: [{ sku: 'SKU-3', price: 1 }] }, at(5), () => randomUUID());
    expect(code(await repos.products.save(other, ov).catch((e: unknown) => e))).to.equal('CONFLICT');
    expect((await repos.products.findById(other.id))!.variants.map((x) => x.sku)).to.deep.equal(['SKU-9']);
    expect(await repos.products.save(first, v), 'stale').to.equal(false);
  });

  it('when products are listed and moved between categories, then filters apply, newest first, and counts follow', async () => {
    const storeId = `store-${randomUUID()}`;
    const cat = `cat-${randomUUID()}`;
    const older = product(storeId, ['L-1'], cat, 1);
    const newer = product(storeId, ['L-2'], cat, 2);
    await repos.products.create(older);
    await repos.products.create(newer);
    const page = await repos.products.list({ storeId }, pageRequest(1, 10));
    expect(page.items.map((p) => p.id)).to.deep.equal([newer.id, older.id]);
    expect(page.pagination.total).to.equal(2);
    expect((await repos.products.list({ storeId, status: 'active' }, pageRequest(1, 10))).pagination.total).to.equal(0);
    expect(await repos.products.countInCategory(cat)).to.equal(2);
    expect(await repos.products.moveCategory(cat, null)).to.equal(2);
    expect(await repos.products.countInCategory(cat)).to.equal(0);
  });
});
