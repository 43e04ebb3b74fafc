import { AppError, validationError } from '../shared/errors.js';
import { charCount } from '../shared/text.js';
import { localized, type LocalizedText } from './category.js';

export const PRODUCT_STATUSES = ['draft', 'active', 'archived'] as const;
export type ProductStatus = (typeof PRODUCT_STATUSES)[number];

/**
 * The dearest price a variant may carry, in minor units (ten million in major
 * units): anything above is a typo or an attack on totals, not a product.
 */
export const MAX_PRICE_MINOR = 1_000_000_000;
export const MAX_VARIANTS = 100;
export const MAX_IMAGES = 10;
const MAX_ATTRIBUTES = 50;

export interface VariantProps {
  id: string;
  sku: string;
  /** Option name → value, e.g. { size: 'L', colour: 'red' }. */
  options: Record<string, string>;
  /** Integer minor units of the marketplace currency. */
  price: number;
  compareAtPrice: number | null;
  barcode: string | null;
  weightGrams: number | null;
}

/** One stored picture: the original (re-encoded) and its thumbnails, each content-addressed. */
export interface ProductImage {
  id: string;
  /** Size name → file; the URL carries the file's hash, so it never changes once served. */
  files: Record<string, { key: string; sha256: string; width: number; height: number; contentType: string }>;
  alt: string | null;
}

export interface ProductProps {
  id: string;
  storeId: string;
  categoryId: string | null;
  name: LocalizedText;
  description: { ar: string | null; en: string | null };
  status: ProductStatus;
  attributes: Record<string, string>;
  images: ProductImage[];
  variants: VariantProps[];
  /** Cheapest and dearest variant, kept for price filters and sorts. */
  priceMin: number;
  priceMax: number;
  version: number;
  createdAt: string;
  updatedAt: string;
}
export type ProductView = ProductProps;

export type VariantInput = Omit<VariantProps, 'id' | 'compareAtPrice' | 'barcode' | 'weightGrams' | 'options'> & {
  /** Present to change an existing variant; absent for a new one. */
  id?: string;
  options?: Record<string, string>;
  compareAtPrice?: number | null;
  barcode?: string | null;
  weightGrams?: number | null;
};

export interface ProductInput {
  name: LocalizedText;
  description?: { ar?: string | null; en?: string | null };
  categoryId?: string | null;
  status?: ProductStatus;
  attributes?: Record<string, string>;
  variants: VariantInput[];
}
export type ProductPatch = Partial<ProductInput>;

const fail = (field: string, message: string) => validationError(`${field} ${message}`, [{ field, message }]);

/** A price in minor units: a whole number, not negative, not absurd. */
export function priceOf(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw fail(field, 'must be a whole number of minor units');
  if (v < 0) throw fail(field, 'must not be negative');
  if (v > MAX_PRICE_MINOR) throw fail(field, `must be at most ${MAX_PRICE_MINOR}`);
  return v;
}

const shortText = (v: unknown, field: string, max: number): string => {
  const s = typeof v === 'string' ? v.trim() : '';
  if (!s || charCount(s) > max) throw fail(field, `must be 1 to ${max} characters`);
  return s;
};
const optionalText = (v: string | null | undefined, field: string, max: number): string | null => (v === null || v === undefined || v.trim() === '' ? null : shortText(v, field, max));

function dictionary(v: Record<string, string> | undefined, field: string, maxEntries: number): Record<string, string> {
  const out: Record<string, string> = {};
  const entries = Object.entries(v ?? {});
  if (entries.length > maxEntries) throw fail(field, `must have at most ${maxEntries} entries`);
  for (const [k, value] of entries) out[shortText(k, `${field} key`, 40)] = shortText(value, `${field}.${k}`, 200);
  return out;
}

function variantOf(v: VariantInput, id: string, i: number): VariantProps {
  const field = `variants.${i}`;
  const sku = shortText(v.sku, `${field}.sku`, 64);
  const price = priceOf(v.price, `${field}.price`);
  const compareAtPrice = v.compareAtPrice === null || v.compareAtPrice === undefined ? null : priceOf(v.compareAtPrice, `${field}.compareAtPrice`);
  if (compareAtPrice !== null && compareAtPrice < price) throw fail(`${field}.compareAtPrice`, 'must not be below price');
  const barcode = v.barcode === null || v.barcode === undefined ? null : v.barcode;
  if (barcode !== null && !/^[0-9A-Za-z-]{4,48}$/.test(barcode)) throw fail(`${field}.barcode`, 'must be 4 to 48 letters, digits or dashes');
  const weightGrams = v.weightGrams === null || v.weightGrams === undefined ? null : v.weightGrams;
  if (weightGrams !== null && (!Number.isInteger(weightGrams) || weightGrams < 0 || weightGrams > 1_000_000)) throw fail(`${field}.weightGrams`, 'must be whole grams, 0 to 1000000');
  return { id, sku, options: dictionary(v.options, `${field}.options`, 10), price, compareAtPrice, barcode, weightGrams };
}

/** Variants as given, with ids kept for known ones and made for new ones; SKUs unique within the product. */
function variantsOf(input: VariantInput[], known: readonly VariantProps[], newId: () => string): VariantProps[] {
  if (!Array.isArray(input) || input.length === 0 || input.length > MAX_VARIANTS) throw fail('variants', `must hold 1 to ${MAX_VARIANTS} variants`);
  const out = input.map((v, i) => {
    if (v.id !== undefined && !known.some((k) => k.id === v.id)) throw fail(`variants.${i}.id`, 'is not a variant of this product');
    return variantOf(v, v.id ?? newId(), i);
  });
  const seen = new Set<string>();
  out.forEach((v, i) => {
    if (seen.has(v.sku)) throw duplicateSku(v.sku, `variants.${i}.sku`);
    seen.add(v.sku);
  });
  return out;
}

export const duplicateSku = (sku: string, field = 'sku'): AppError =>
  new AppError('CONFLICT', `SKU ${sku} is already used in this store`, { details: [{ field, reason: 'duplicate_sku', message: 'is already used in this store' }] });

const priceRange = (variants: VariantProps[]) => ({ priceMin: Math.min(...variants.map((v) => v.price)), priceMax: Math.max(...variants.map((v) => v.price)) });

/** A store's product: what a customer buys, in one or more variants. */
export class Product {
  private constructor(private props: ProductProps) {}

  static create(input: ProductInput & { id: string; storeId: string; at: Date; newId: () => string }): Product {
    const at = input.at.toISOString();
    const variants = variantsOf(input.variants, [], input.newId);
    return new Product({
      id: input.id,
      storeId: input.storeId,
      categoryId: input.categoryId ?? null,
      name: localized(input.name, 'name', 200),
      description: { ar: optionalText(input.description?.ar, 'description.ar', 5000), en: optionalText(input.description?.en, 'description.en', 5000) },
      status: input.status ?? 'draft',
      attributes: dictionary(input.attributes, 'attributes', MAX_ATTRIBUTES),
      images: [],
      variants,
      ...priceRange(variants),
      version: 1,
      createdAt: at,
      updatedAt: at,
    });
  }

  static restore(props: ProductProps): Product {
    return new Product(structuredClone(props));
  }

  get id(): string {
    return this.props.id;
  }
  get storeId(): string {
    return this.props.storeId;
  }
  get version(): number {
    return this.props.version;
  }
  get variants(): readonly VariantProps[] {
    return this.props.variants;
  }
  get images(): readonly ProductImage[] {
    return this.props.images;
  }

  /** Applies a patch; false when nothing changed. `variants`, when given, is the whole new list. */
  update(patch: ProductPatch, at: Date, newId: () => string): boolean {
    const next = structuredClone(this.props);
    if (patch.name !== undefined) next.name = localized(patch.name, 'name', 200);
    if (patch.description?.ar !== undefined) next.description.ar = optionalText(patch.description.ar, 'description.ar', 5000);
    if (patch.description?.en !== undefined) next.description.en = optionalText(patch.description.en, 'description.en', 5000);
    if (patch.categoryId !== undefined) next.categoryId = patch.categoryId;
    if (patch.status !== undefined) next.status = patch.status;
    if (patch.attributes !== undefined) next.attributes = dictionary(patch.attributes, 'attributes', MAX_ATTRIBUTES);
    if (patch.variants !== undefined) {
      next.variants = variantsOf(patch.variants, this.props.variants, newId);
      Object.assign(next, priceRange(next.variants));
    }
    return this.replace(next, at);
  }

  addImage(image: ProductImage, at: Date): void {
    if (this.props.images.length >= MAX_IMAGES) throw new AppError('UNPROCESSABLE_ENTITY', `A product holds at most ${MAX_IMAGES} images`, { details: [{ field: 'images', reason: 'too_many', message: `at most ${MAX_IMAGES}` }] });
    this.replace({ ...structuredClone(this.props), images: [...structuredClone(this.props.images), image] }, at);
  }

  removeImage(imageId: string, at: Date): boolean {
    if (!this.props.images.some((i) => i.id === imageId)) return false;
    return this.replace({ ...structuredClone(this.props), images: this.props.images.filter((i) => i.id !== imageId) }, at);
  }

  private replace(next: ProductProps, at: Date): boolean {
    if (JSON.stringify(next) === JSON.stringify(this.props)) return false;
    this.props = { ...next, version: this.props.version + 1, updatedAt: at.toISOString() };
    return true;
  }

  toProps(): ProductProps {
    return structuredClone(this.props);
  }
  toView(): ProductView {
    return this.toProps();
  }
}

export interface ProductFilter {
  storeId?: string;
  status?: ProductStatus;
  categoryId?: string;
}
