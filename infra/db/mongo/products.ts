import { Schema, type Connection, type Model } from 'mongoose';
import { duplicateSku, Product, type ProductFilter, type ProductProps } from '../../../domain/catalog/product.js';
import type { ProductRepository } from '../../../domain/catalog/ports.js';
import { offsetOf, toPage, type Page, type PageRequest } from '../../../domain/shared/pagination.js';
import { str } from './guard.js';
import { searchFields, type SearchFields } from './search-fields.js';

type Doc = Omit<ProductProps, 'id' | 'createdAt' | 'updatedAt'> & { _id: string; createdAt: Date; updatedAt: Date; search?: SearchFields };

const variant = new Schema(
  {
    id: { type: String, required: true },
    sku: { type: String, required: true },
    options: { type: Schema.Types.Mixed, required: true },
    price: { type: Number, required: true },
    compareAtPrice: { type: Number, default: null },
    barcode: { type: String, default: null },
    weightGrams: { type: Number, default: null },
  },
  { _id: false, minimize: false },
);

// name.ar and name.en are their own fields so one text index over both can be added in place.
const schema = new Schema<Doc>(
  {
    _id: { type: String, required: true },
    storeId: { type: String, required: true },
    categoryId: { type: String, default: null },
    name: { ar: { type: String, required: true }, en: { type: String, required: true } },
    description: { ar: { type: String, default: null }, en: { type: String, default: null } },
    status: { type: String, required: true },
    attributes: { type: Schema.Types.Mixed, required: true },
    images: { type: Schema.Types.Mixed, required: true },
    variants: { type: [variant], required: true },
    priceMin: { type: Number, required: true },
    priceMax: { type: Number, required: true },
    // Derived from the names and descriptions on every write, for the text index (see search-fields.ts).
    search: { tokens: { type: [String], default: undefined }, names: String, descriptions: String },
    version: { type: Number, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'products', versionKey: false, minimize: false },
);

export const productModel = (conn: Connection): Model<Doc> => (conn.models.Product as Model<Doc> | undefined) ?? conn.model<Doc>('Product', schema);

const toProduct = (d: Doc): Product =>
  Product.restore({
    id: d._id,
    storeId: d.storeId,
    categoryId: d.categoryId ?? null,
    name: { ar: d.name.ar, en: d.name.en },
    description: { ar: d.description?.ar ?? null, en: d.description?.en ?? null },
    status: d.status,
    attributes: d.attributes ?? {},
    images: d.images ?? [],
    variants: d.variants.map((v) => ({ id: v.id, sku: v.sku, options: v.options ?? {}, price: v.price, compareAtPrice: v.compareAtPrice ?? null, barcode: v.barcode ?? null, weightGrams: v.weightGrams ?? null })),
    priceMin: d.priceMin,
    priceMax: d.priceMax,
    version: d.version,
    createdAt: new Date(d.createdAt).toISOString(),
    updatedAt: new Date(d.updatedAt).toISOString(),
  });

const toDoc = (p: ProductProps): Doc => {
  const { id, createdAt, updatedAt, ...rest } = p;
  return { ...rest, _id: id, createdAt: new Date(createdAt), updatedAt: new Date(updatedAt), search: searchFields(p) };
};

/** The unique (storeId, variants.sku) index refuses a SKU another product of the store holds. */
function skuClash(err: unknown, product: Product): never {
  if ((err as { code?: number }).code !== 11000) throw err;
  const sku = (err as { keyValue?: Record<string, unknown> }).keyValue?.['variants.sku'];
  const i = product.variants.findIndex((v) => v.sku === sku);
  throw duplicateSku(typeof sku === 'string' ? sku : 'given', i >= 0 ? `variants.${i}.sku` : 'variants');
}

export class MongoProductRepository implements ProductRepository {
  private readonly model: Model<Doc>;
  constructor(conn: Connection) {
    this.model = productModel(conn);
  }

  async create(product: Product): Promise<void> {
    await this.assertSkusFree(product);
    await this.model.create(toDoc(product.toProps())).catch((err: unknown) => skuClash(err, product));
  }

  async findById(id: string): Promise<Product | null> {
    const d = await this.model.findById(str(id, 'id')).lean<Doc>().exec();
    return d ? toProduct(d) : null;
  }

  async findByIds(ids: readonly string[]): Promise<Product[]> {
    const docs = await this.model.find({ _id: { $in: ids.map((id) => str(id, 'id')) } }).lean<Doc[]>().exec();
    const byId = new Map(docs.map((d) => [d._id, d]));
    return ids.flatMap((id) => (byId.has(id) ? [toProduct(byId.get(id)!)] : []));
  }

  async findByVariantId(variantId: string): Promise<Product | null> {
    const d = await this.model.findOne({ 'variants.id': str(variantId, 'variantId') }).lean<Doc>().exec();
    return d ? toProduct(d) : null;
  }

  async save(product: Product, expectedVersion: number): Promise<boolean> {
    const { _id, createdAt: _c, storeId: _s, ...changes } = toDoc(product.toProps());
    await this.assertSkusFree(product);
    const r = await this.model
      .updateOne({ _id: str(_id, 'id'), version: expectedVersion }, { $set: changes })
      .exec()
      .catch((err: unknown) => skuClash(err, product));
    return r.matchedCount === 1;
  }

  /**
   * Names the clashing SKU before writing: a duplicate key error aborts a Mongo
   * transaction and may not say which key clashed. The unique index still
   * decides a race between two writers.
   */
  private async assertSkusFree(product: Product): Promise<void> {
    const skus = product.variants.map((v) => v.sku);
    const other = await this.model.findOne({ storeId: str(product.storeId, 'storeId'), 'variants.sku': { $in: skus }, _id: { $ne: product.id } }, { variants: 1 }).lean<Pick<Doc, 'variants'>>().exec();
    if (!other) return;
    const taken = new Set(other.variants.map((v) => v.sku));
    const i = skus.findIndex((s) => taken.has(s));
    throw duplicateSku(skus[i]!, `variants.${i}.sku`);
  }

  async list(filter: ProductFilter, page: PageRequest): Promise<Page<Product>> {
    const q: Record<string, unknown> = {};
    if (filter.storeId !== undefined) q.storeId = str(filter.storeId, 'storeId');
    if (filter.status !== undefined) q.status = str(filter.status, 'status');
    if (filter.categoryId !== undefined) q.categoryId = str(filter.categoryId, 'categoryId');
    const [total, docs] = await Promise.all([
      this.model.countDocuments(q).exec(),
      this.model.find(q).sort({ createdAt: -1, _id: -1 }).skip(offsetOf(page)).limit(page.limit).lean<Doc[]>().exec(),
    ]);
    return toPage(docs.map(toProduct), total, page);
  }

  async countInCategory(categoryId: string): Promise<number> {
    return this.model.countDocuments({ categoryId: str(categoryId, 'categoryId') }).exec();
  }

  async moveCategory(fromId: string, toId: string | null): Promise<number> {
    const r = await this.model.updateMany({ categoryId: str(fromId, 'categoryId') }, { $set: { categoryId: toId }, $inc: { version: 1 } }).exec();
    return r.modifiedCount;
  }
}
