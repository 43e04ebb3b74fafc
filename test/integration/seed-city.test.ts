import { expect } from 'chai';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { seedCity, CITY_STEPS, cityPhone, type Progress } from '../../scripts/seed-city.js';
import { NEIGHBOURHOODS } from '../../scripts/seed-words.js';
import { isListedStore } from '../../domain/catalog/model.js';
import { CATEGORY_TREE } from '../../scripts/seed-catalog-words.js';

const OPTS = { stores: 12, customers: 10, seed: 7, products: 4 };
const ARABIC = /[\u0600-\u06FF]/;
const LATIN = /[A-Za-z]/;

describe('seed: the demo city (npm run seed -- --city)', function () {
  this.timeout(120_000);
  let app: TestApp;
  let twin: TestApp;
  before(async () => {
    // The api role is enough (no hub, no workers); started one after the other, as a shared box is slow.
    app = await startTestApp({ role: 'api' });
    twin = await startTestApp({ role: 'api' });
  });
  after(async () => {
    await Promise.all([app?.stop(), twin?.stop()]);
  });

  const cityOf = async (t: TestApp) => {
    const c = t.system.composed.container.cradle;
    const stores = (await c.stores.list({}, { page: 1, limit: 100 })).items.map((s) => s.toView());
    const books = await Promise.all(Array.from({ length: OPTS.customers }, async (_, i) => {
      const customer = (await c.accounts.findByPhone(cityPhone('customer', i)))!;
      return (await c.addresses.listLive(customer.id, { page: 1, limit: 50 })).items.map((a) => a.toProps());
    }));
    const products = (await Promise.all(stores.map(async (s) => (await c.products.list({ storeId: s.id }, { page: 1, limit: 100 })).items.map((p) => p.toView())))).flat();
    const categories = (await c.categories.list()).map((x) => x.toView());
    const levels = await Promise.all(products.flatMap((p) => p.variants.map(async (v) => ({ v, level: await c.inventory.findLevel(v.id), moves: (await c.inventory.movements(v.id, { page: 1, limit: 50 })).items }))));
    return { stores, books, products, categories, levels };
  };

  it('when the city is seeded, then every step reports progress to its total, and stores and addresses are bilingual and lie in Damascus', async () => {
    const bars: Record<string, { total: number; ticks: number; done: boolean }> = {};
    const progress: Progress = (step, total) => {
      const bar: { total: number; ticks: number; done: boolean } = { total, ticks: 0, done: false };
      bars[step] = bar;
      return { tick: () => void bar.ticks++, done: () => void (bar.done = true) };
    };
    const { lines } = await seedCity(app.system.composed.container.cradle, OPTS, progress);
    expect(Object.keys(bars)).to.deep.equal(CITY_STEPS.map((s) => s.name));
    for (const [step, bar] of Object.entries(bars)) expect(bar, step).to.deep.include({ ticks: bar.total, done: true });
    expect(lines).to.have.length(CITY_STEPS.length);

    const { stores, books } = await cityOf(app);
    expect(stores).to.have.length(OPTS.stores);
    const owners = new Set(stores.map((s) => s.ownerId));
    expect(owners.size, 'one owner per store').to.equal(OPTS.stores);
    for (const s of stores) {
      expect(isListedStore(s), `${s.name} is listed`).to.equal(true);
      expect(s.hours?.timeZone).to.equal('Asia/Damascus');
      expect(s.hours!.weekly).to.have.length(7);
      expect(s.cuisine).to.match(/^[a-zé]+$/);
      expect(s.minimumOrder % 100_000, 'whole thousands of pounds').to.equal(0);
      expect(s.logo).to.equal(null);
      expect(s.name).to.match(ARABIC).and.match(LATIN);
      const km = Math.min(...NEIGHBOURHOODS.map((h) => Math.hypot(h.lat - s.location.lat, (h.lng - s.location.lng) * 0.83) * 111.32));
      expect(km, s.name).to.be.below(1);
    }
    for (const book of books) {
      expect(book.length).to.be.within(1, 3);
      expect(book.filter((a) => a.isDefault)).to.have.length(1);
      for (const a of book) expect(a.label).to.match(ARABIC).and.match(LATIN);
    }
  });

  it('when the city is seeded, then the shelves hold a three-level category tree, bilingual products with priced variants in its leaves, and stock whose movements sum to on hand', async () => {
    const { stores, products, categories, levels } = await cityOf(app);
    const leaves = CATEGORY_TREE.flatMap((r) => r.kinds.flatMap((k) => k.leaves.map((l) => l.slug)));
    const bySlug = new Map(categories.map((x) => [x.slug, x]));
    for (const slug of leaves) {
      const leaf = bySlug.get(slug)!;
      const kind = categories.find((x) => x.id === leaf.parentId)!;
      expect(kind.parentId, `${slug} is three levels deep`).to.be.a('string');
      expect(categories.find((x) => x.id === kind.parentId)!.parentId).to.equal(null);
    }
    expect(products).to.have.length(OPTS.stores * OPTS.products);
    const leafIds = new Set(leaves.map((s) => bySlug.get(s)!.id));
    for (const p of products) {
      expect(p.name.ar).to.match(ARABIC);
      expect(p.name.en).to.match(LATIN);
      expect(leafIds.has(p.categoryId!), p.name.en).to.equal(true);
      expect(p.variants.length).to.be.within(1, 3);
      for (const v of p.variants) expect(Number.isInteger(v.price) && v.price > 0, v.sku).to.equal(true);
    }
    for (const s of stores) {
      const skus = products.filter((p) => p.storeId === s.id).flatMap((p) => p.variants.map((v) => v.sku));
      expect(new Set(skus).size, 'SKUs unique per store').to.equal(skus.length);
    }
    expect(levels.filter((l) => l.level!.onHand > 0).length, 'most variants are stocked').to.be.above(levels.length / 2);
    for (const { v, level, moves } of levels) {
      expect(level, v.sku).to.not.equal(null);
      expect(level!.lowStockThreshold, v.sku).to.equal(5);
      expect(moves.reduce((n, m) => n + m.onHandDelta, 0), v.sku).to.equal(level!.onHand);
    }
  });

  it('when it runs again, then nothing is added; on a fresh store with the same seed, then the same city comes out, ids included', async () => {
    const before = await cityOf(app);
    await seedCity(app.system.composed.container.cradle, OPTS);
    const again = await cityOf(app);
    expect(again.stores.map((s) => s.id).sort()).to.deep.equal(before.stores.map((s) => s.id).sort());
    expect(again.books.map((b) => b.length)).to.deep.equal(before.books.map((b) => b.length));
    expect(again.products.map((p) => p.id).sort()).to.deep.equal(before.products.map((p) => p.id).sort());
    expect(again.levels.map((l) => l.moves.length)).to.deep.equal(before.levels.map((l) => l.moves.length));

    await seedCity(twin.system.composed.container.cradle, OPTS);
    const other = await cityOf(twin);
    const shape = (x: typeof before) => ({
      stores: x.stores.map((s) => [s.id, s.name, s.address, s.location.lat, s.location.lng]).sort(),
      books: x.books.map((b) => b.map((a) => [a.id, a.label, a.line, a.point.lat, a.point.lng, a.isDefault])),
      products: x.products.map((p) => [p.id, p.storeId, p.name.en, p.variants.map((v) => [v.id, v.sku, v.price])]).sort(),
      stock: x.levels.map((l) => [l.v.id, l.level!.onHand]).sort(),
    });
    expect(shape(other)).to.deep.equal(shape(before));
  });
});
