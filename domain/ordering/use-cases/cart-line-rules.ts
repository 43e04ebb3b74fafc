import { AppError, notFound } from '../../shared/errors.js';
import { isListedStore } from '../../catalog/model.js';
import { openingState } from '../../catalog/opening-hours.js';
import type { InventoryRepository, ProductRepository, StoreRepository } from '../../catalog/ports.js';
import type { LineInput } from '../cart.js';

export interface LineRuleDeps {
  products: ProductRepository;
  stores: StoreRepository;
  inventory: InventoryRepository;
}

/**
 * Whether `quantity` units of a variant may be in a cart now: the product is
 * active, its store listed and open now, and the stock has them (available
 * units, unless the variant takes backorders). Answers the line as it goes in
 * the cart, priced now; throws PRODUCT_UNAVAILABLE, STORE_CLOSED or
 * INSUFFICIENT_STOCK (NOT_FOUND for an unknown variant).
 */
export async function sellableLine(deps: LineRuleDeps, variantId: string, quantity: number, now: Date): Promise<LineInput> {
  const product = await deps.products.findByVariantId(variantId);
  const variant = product?.variants.find((v) => v.id === variantId);
  if (!product || !variant) throw new AppError('NOT_FOUND', 'Variant not found', { details: [{ field: 'variantId', reason: 'unknown_variant', message: 'no such variant' }] });
  const p = product.toProps();
  if (p.status !== 'active') throw new AppError('PRODUCT_UNAVAILABLE', 'This product is not for sale', { details: [{ field: 'variantId', reason: `product_${p.status}`, message: `the product is ${p.status}` }] });
  const store = await deps.stores.findById(p.storeId);
  if (!store) throw notFound('Store');
  const s = store.toProps();
  if (!isListedStore(s)) throw new AppError('STORE_CLOSED', 'This store is not taking orders', { details: [{ field: 'variantId', reason: 'store_not_listed', storeId: s.id, message: 'the store is closed or not approved' }] });
  const state = openingState(s.hours, now);
  if (!state.openNow) throw new AppError('STORE_CLOSED', 'This store is closed now', { details: [{ field: 'variantId', reason: 'store_closed_now', storeId: s.id, nextOpeningAt: state.nextOpeningAt, message: 'the store is outside its opening hours' }] });
  const level = await deps.inventory.findLevel(variantId);
  const available = level?.available ?? 0;
  if (!level?.allowBackorder && available < quantity) {
    throw new AppError('INSUFFICIENT_STOCK', 'Not enough stock', { details: [{ field: 'quantity', reason: 'insufficient_stock', variantId, requested: quantity, available: Math.max(0, available), message: 'more than is available' }] });
  }
  return { variantId, productId: p.id, storeId: p.storeId, quantity, priceMinor: variant.price };
}

/** How many units of a variant a cart may hold now (the merge's cap): available stock, or any number when backordered. */
export async function stockCap(inventory: InventoryRepository, variantId: string): Promise<number> {
  const level = await inventory.findLevel(variantId);
  if (!level) return 0;
  return level.allowBackorder ? Number.MAX_SAFE_INTEGER : Math.max(0, level.available);
}
