import { duplicateSku, Product, type ProductFilter, type ProductImage, type ProductStatus, type VariantProps } from '../../../domain/catalog/product.js';
import type { ProductRepository } from '../../../domain/catalog/ports.js';
import { offsetOf, toPage, type Page, type PageRequest } from '../../../domain/shared/pagination.js';
import type { SqlClient } from './client.js';
import { Where } from './where.js';

interface Row {
  id: string;
  store_id: string;
  category_id: string | null;
  name_ar: string;
  name_en: string;
  description_ar: string | null;
  description_en: string | null;
  status: string;
  attributes: Record<string, string>;
  images: ProductImage[];
  price_min: string | number;
  price_max: string | number;
  version: number;
  created_at: Date | string;
  updated_at: Date | string;
}
interface VariantRow {
  id: string;
  product_id: string;
  sku: string;
  options: Record<string, string>;
  price: string | number;
  compare_at_price: string | number | null;
  barcode: string | null;
  weight_grams: number | null;
}

const toVariant = (v: VariantRow): VariantProps => ({
  id: v.id,
  sku: v.sku,
  options: v.options,
  price: Number(v.price),
  compareAtPrice: v.compare_at_price === null ? null : Number(v.compare_at_price),
  barcode: v.barcode,
  weightGrams: v.weight_grams,
});

const toProduct = (r: Row, variants: VariantRow[]): Product =>
  Product.restore({
    id: r.id,
    storeId: r.store_id,
    categoryId: r.category_id,
    name: { ar: r.name_ar, en: r.name_en },
    description: { ar: r.description_ar, en: r.description_en },
    status: r.status as ProductStatus,
    attributes: r.attributes,
    images: r.images,
    variants: variants.map(toVariant),
    priceMin: Number(r.price_min),
    priceMax: Number(r.price_max),
    version: Number(r.version),
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  });

/** The constraint that keeps a SKU unique per store. */
const SKU_CONSTRAINT = 'product_variants_store_sku_key';
const skuClash = (err: unknown): string | null => {
  const e = err as { code?: string; constraint?: string; detail?: string };
  if (e.code !== '23505' || (e.constraint && e.constraint !== SKU_CONSTRAINT)) return null;
  return /\(store_id, sku\)=\([^,]*, (.*)\)/.exec(e.detail ?? '')?.[1] ?? '';
};

export class SqlProductRepository implements ProductRepository {
  constructor(private readonly db: SqlClient) {}

  async create(product: Product): Promise<void> {
    const p = product.toProps();
    await this.guarded(product, async () => {
      await this.db.query(
        `insert into products (id, store_id, category_id, name_ar, name_en, description_ar, description_en, status, attributes, images, price_min, price_max, version, created_at, updated_at)
         values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)`,
        [p.id, p.storeId, p.categoryId, p.name.ar, p.name.en, p.description.ar, p.description.en, p.status, JSON.stringify(p.attributes), JSON.stringify(p.images), p.priceMin, p.priceMax, p.version, p.createdAt, p.updatedAt],
      );
      await this.writeVariants(product);
      return true;
    });
  }

  async findById(id: string): Promise<Product | null> {
    const r = await this.db.query<Row>('select * from products where id = $1', [id]);
    return r.rows[0] ? (await this.hydrate(r.rows))[0]! : null;
  }

  async findByIds(ids: readonly string[]): Promise<Product[]> {
    if (ids.length === 0) return [];
    const r = await this.db.query<Row>('select * from products where id = any($1::text[])', [[...ids]]);
    const byId = new Map((await this.hydrate(r.rows)).map((p) => [p.id, p]));
    return ids.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : []));
  }

  async findByVariantId(variantId: string): Promise<Product | null> {
    const r = await this.db.query<Row>('select p.* from products p join product_variants v on v.product_id = p.id where v.id = $1', [variantId]);
    return r.rows[0] ? (await this.hydrate(r.rows))[0]! : null;
  }

  async save(product: Product, expectedVersion: number): Promise<boolean> {
    const p = product.toProps();
    return this.guarded(product, async () => {
      const r = await this.db.query(
        `update products set category_id = $2, name_ar = $3, name_en = $4, description_ar = $5, description_en = $6, status = $7, attributes = $8, images = $9, price_min = $10, price_max = $11, version = $12, updated_at = $13
         where id = $1 and version = $14`,
        [p.id, p.categoryId, p.name.ar, p.name.en, p.description.ar, p.description.en, p.status, JSON.stringify(p.attributes), JSON.stringify(p.images), p.priceMin, p.priceMax, p.version, p.updatedAt, expectedVersion],
      );
      if (r.rowCount !== 1) return false;
      await this.db.query('delete from product_variants where product_id = $1', [p.id]);
      await this.writeVariants(product);
      return true;
    });
  }

  async list(filter: ProductFilter, page: PageRequest): Promise<Page<Product>> {
    const where = new Where().add('store_id = ?', filter.storeId).add('status = ?', filter.status).add('category_id = ?', filter.categoryId);
    const clause = String(where);
    const count = await this.db.query<{ n: string | number }>(`select count(*) as n from products ${clause}`, where.params);
    const rows = await this.db.query<Row>(`select * from products ${clause} order by created_at desc, id desc limit ${page.limit} offset ${offsetOf(page)}`, where.params);
    return toPage(await this.hydrate(rows.rows), Number(count.rows[0]?.n ?? 0), page);
  }

  async countInCategory(categoryId: string): Promise<number> {
    const r = await this.db.query<{ n: string | number }>('select count(*) as n from products where category_id = $1', [categoryId]);
    return Number(r.rows[0]?.n ?? 0);
  }

  async moveCategory(fromId: string, toId: string | null): Promise<number> {
    const r = await this.db.query('update products set category_id = $2, version = version + 1 where category_id = $1', [fromId, toId]);
    return r.rowCount;
  }

  /** One transaction, so a SKU clash on the third variant leaves no half-written product. */
  private async guarded(product: Product, write: () => Promise<boolean>): Promise<boolean> {
    try {
      return await this.db.transaction(write);
    } catch (err) {
      const sku = skuClash(err);
      if (sku === null) throw err;
      const i = product.variants.findIndex((v) => v.sku === sku);
      throw duplicateSku(sku || 'given', i >= 0 ? `variants.${i}.sku` : 'variants');
    }
  }

  private async writeVariants(product: Product): Promise<void> {
    const p = product.toProps();
    for (const [i, v] of p.variants.entries()) {
      await this.db.query(
        `insert into product_variants (id, product_id, store_id, position, sku, options, price, compare_at_price, barcode, weight_grams)
         values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
        [v.id, p.id, p.storeId, i, v.sku, JSON.stringify(v.options), v.price, v.compareAtPrice, v.barcode, v.weightGrams],
      );
    }
  }

  private async hydrate(rows: Row[]): Promise<Product[]> {
    if (rows.length === 0) return [];
    const vs = await this.db.query<VariantRow>('select * from product_variants where product_id = any($1) order by product_id, position', [rows.map((r) => r.id)]);
    return rows.map((r) => toProduct(r, vs.rows.filter((v) => v.product_id === r.id)));
  }
}
