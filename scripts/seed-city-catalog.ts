/**
 * The demo city's shelves, as three steps of the city seed: the category tree
 * (an admin's ManageCategories), each store's products with Arabic and English
 * names and variants (its owner's ManageProducts), and their opening stock
 * (RecordStockMovement receipts with a seed key, and ConfigureStock's low-stock
 * threshold). Idempotent like the other steps: a category is found again by
 * slug, a store that already has products is left as is, and a receipt's key
 * records it once.
 */
import type { Principal } from '../domain/shared/principal.js';
import type { StoreView } from '../domain/catalog/model.js';
import type { CategoryView } from '../domain/catalog/category.js';
import type { ProductInput, ProductView, VariantInput } from '../domain/catalog/product.js';
import { ManageCategories, CATALOG_PERMISSION } from '../domain/catalog/use-cases/manage-categories.js';
import { ManageProducts } from '../domain/catalog/use-cases/manage-products.js';
import { RecordStockMovement } from '../domain/catalog/use-cases/record-stock-movement.js';
import { ConfigureStock } from '../domain/catalog/use-cases/configure-stock.js';
import type { CityContext, CitySeedStep } from './seed-city-kit.js';
import { CATEGORY_TREE, KINDS_BY_STORE_KIND, VARIANT_OPTIONS, type LeafCategory } from './seed-catalog-words.js';
import { STORE_KINDS } from './seed-words.js';

/** Products per store when --products is not given. */
export const DEFAULT_PRODUCTS_PER_STORE = 10;
const LOW_STOCK_THRESHOLD = 5;

/** Qualifiers that make a store's second "Baklava" a different product. */
const QUALIFIERS = [{ ar: '', en: '' }, { ar: 'ممتاز', en: 'Premium' }, { ar: 'بيتي', en: 'Homemade' }, { ar: 'طازج', en: 'Fresh' }, { ar: 'عضوي', en: 'Organic' }];

const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)] as T;
const adminPrincipal = (ctx: CityContext): Principal => ({ accountId: ctx.verifierId, role: 'admin', permissions: [CATALOG_PERMISSION], sessionId: 'seed-city', tokenId: 'seed-city', expiresAt: 0 });
const ownerPrincipal = (ownerId: string): Principal => ({ accountId: ownerId, role: 'store_owner', permissions: [], sessionId: 'seed-city', tokenId: 'seed-city', expiresAt: 0 });

/** The kind a seeded store sells, read back from its name ("… · Jasmine Bakery"). */
export function storeKindOf(store: StoreView): string {
  const english = store.name.split(' · ')[1] ?? store.name;
  return STORE_KINDS.find((k) => english.endsWith(k.en))?.en ?? 'Grocery';
}

const nodeCount = CATEGORY_TREE.reduce((n, root) => n + 1 + root.kinds.reduce((m, k) => m + 1 + k.leaves.length, 0), 0);

/** Root → kind → leaf, three levels, ranked in list order. */
const categories: CitySeedStep = {
  name: 'categories',
  total: () => nodeCount,
  async run(ctx) {
    const { c } = ctx;
    const manage = new ManageCategories({ categories: c.categories, products: c.products, unitOfWork: c.unitOfWork, clock: c.clock, ids: ctx.ids });
    const admin = adminPrincipal(ctx);
    let created = 0;
    const ensure = async (slug: string, name: { ar: string; en: string }, rank: number, parentId: string | null): Promise<CategoryView> => {
      const found = await c.categories.findBySlug(slug);
      ctx.progress.tick();
      if (found) return found.toView();
      created++;
      return manage.create(admin, { slug, name, rank, parentId, seo: { title: `${name.en} delivered in Damascus`, description: `${name.ar} · ${name.en}` } });
    };
    for (const [i, root] of CATEGORY_TREE.entries()) {
      const r = await ensure(root.slug, root, i, null);
      for (const [j, kind] of root.kinds.entries()) {
        const k = await ensure(kind.slug, kind, j, r.id);
        for (const [l, leaf] of kind.leaves.entries()) ctx.leafIds.set(leaf.slug, (await ensure(leaf.slug, leaf, l, k.id)).id);
      }
    }
    return `${nodeCount} categories (${created} new)`;
  },
};

function productInput(ctx: CityContext, leaf: LeafCategory, storeIndex: number, n: number, taken: Set<string>): ProductInput {
  let good = pick(ctx.rand, leaf.goods);
  let q = QUALIFIERS[0]!;
  for (let tries = 0; taken.has(`${good.en}|${q.en}`) && tries < 20; tries++) {
    good = pick(ctx.rand, leaf.goods);
    q = pick(ctx.rand, QUALIFIERS);
  }
  taken.add(`${good.en}|${q.en}`);
  const style = VARIANT_OPTIONS[leaf.style];
  // Prices vary ±20 % between stores, rounded to 500 pounds, in minor units (piastres).
  const base = Math.max(500, Math.round((good.pounds * (0.8 + ctx.rand() * 0.4)) / 500) * 500) * 100;
  const sku = (v: number) => `${leaf.slug.slice(0, 4).toUpperCase()}-${storeIndex}-${n}-${v}`;
  const variants: VariantInput[] = style.values.length === 0
    ? [{ sku: sku(0), price: base, barcode: `629${String(storeIndex).padStart(5, '0')}${String(n).padStart(3, '0')}0`, weightGrams: 500 }]
    : style.values.map((value, v) => ({
        sku: sku(v),
        price: Math.round((base * style.factor[v]!) / 100) * 100,
        compareAtPrice: ctx.rand() < 0.15 ? Math.round((base * style.factor[v]! * 1.2) / 100) * 100 : null,
        options: { [style.option]: value.en },
        barcode: `629${String(storeIndex).padStart(5, '0')}${String(n).padStart(3, '0')}${v}`,
        weightGrams: leaf.style === 'weight' ? [500, 1000][v] ?? null : null,
      }));
  const ar = q.ar ? `${good.ar} ${q.ar}` : good.ar;
  const en = q.en ? `${q.en} ${good.en.toLowerCase()}` : good.en;
  return {
    name: { ar, en },
    description: { ar: `${ar} من ${leaf.ar}، توصيل في دمشق`, en: `${en} from our ${leaf.en.toLowerCase()}, delivered across Damascus` },
    categoryId: ctx.leafIds.get(leaf.slug) ?? null,
    status: ctx.rand() < 0.05 ? 'draft' : 'active',
    attributes: style.option ? { [style.option]: style.values.map((x) => x.en).join(', ') } : {},
    variants,
  };
}

/** Each store's products, from the leaves of the kinds it sells. */
const products: CitySeedStep = {
  name: 'products',
  total: (ctx) => ctx.stores.length,
  async run(ctx) {
    const { c } = ctx;
    const manage = new ManageProducts({ stores: c.stores, products: c.products, categories: c.categories, inventory: c.inventory, outbox: c.outbox, unitOfWork: c.unitOfWork, clock: c.clock, ids: ctx.ids });
    const perStore = ctx.opts.products ?? DEFAULT_PRODUCTS_PER_STORE;
    const leavesBySlug = new Map(CATEGORY_TREE.flatMap((r) => r.kinds).map((k) => [k.slug, k.leaves]));
    let created = 0;
    for (const [i, store] of ctx.stores.entries()) {
      const leaves = (KINDS_BY_STORE_KIND[storeKindOf(store)] ?? ['pantry']).flatMap((k) => leavesBySlug.get(k) ?? []);
      // Draw every input before looking up, so a re-run draws the same numbers for the same store.
      const taken = new Set<string>();
      const inputs = Array.from({ length: perStore }, (_, n) => productInput(ctx, pick(ctx.rand, leaves), i, n, taken));
      const existing = await c.products.list({ storeId: store.id }, { page: 1, limit: 200 });
      if (existing.pagination.total > 0) ctx.products.push(...existing.items.map((p) => p.toView()));
      else {
        for (const input of inputs) ctx.products.push(await manage.create(ownerPrincipal(store.ownerId), store.id, input));
        created += inputs.length;
      }
      ctx.progress.tick();
    }
    return `${ctx.products.length} products, ${ctx.products.reduce((n, p) => n + p.variants.length, 0)} variants (${created} new products)`;
  },
};

/** Opening stock per variant: a receipt keyed by the variant, and a low-stock threshold. */
const stock: CitySeedStep = {
  name: 'stock',
  total: (ctx) => ctx.products.length,
  async run(ctx) {
    const { c } = ctx;
    const deps = { stores: c.stores, inventory: c.inventory, outbox: c.outbox, unitOfWork: c.unitOfWork, clock: c.clock, ids: ctx.ids };
    const receive = new RecordStockMovement(deps);
    const configure = new ConfigureStock(deps);
    const owners = new Map(ctx.stores.map((s) => [s.id, s.ownerId]));
    let units = 0;
    // A fixed order (by SKU), so a re-run draws the same quantity for the same variant and
    // records nothing new: a new movement would take an id the first run already used.
    const ordered = [...ctx.products].sort((a, b) => (a.variants[0]?.sku ?? '').localeCompare(b.variants[0]?.sku ?? ''));
    for (const p of ordered as ProductView[]) {
      const owner = ownerPrincipal(owners.get(p.storeId)!);
      for (const v of p.variants) {
        // A few variants start sold out, a few low, so the shelves look lived in.
        const roll = ctx.rand();
        const quantity = roll < 0.05 ? 0 : roll < 0.15 ? 1 + Math.floor(ctx.rand() * 4) : 10 + Math.floor(ctx.rand() * 90);
            if (quantity > 0) await receive.execute(owner, v.id, { kind: 'receipt', quantity, key: `seed-city:${v.id}`, note: 'demo city opening stock' });
        await configure.execute(owner, v.id, { lowStockThreshold: LOW_STOCK_THRESHOLD, allowBackorder: false });
        units += quantity;
      }
      ctx.progress.tick();
    }
    return `${units} units of opening stock`;
  },
};

export const CATALOG_STEPS: CitySeedStep[] = [categories, products, stock];
