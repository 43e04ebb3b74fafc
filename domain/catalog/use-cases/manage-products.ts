import { AppError, conflict, notFound } from '../../shared/errors.js';
import type { Outbox, UnitOfWork } from '../../shared/events.js';
import type { Clock, IdGenerator } from '../../shared/ids.js';
import { canAccess, type Principal } from '../../shared/principal.js';
import { Product, type ProductInput, type ProductPatch, type ProductView } from '../product.js';
import type { CategoryRepository, InventoryRepository, ProductRepository, StoreRepository } from '../ports.js';
import { productEvent } from '../product-events.js';
import { STORES_PERMISSION } from './stock-support.js';
import { storeYouManage } from './update-store.js';

export interface ProductDeps {
  stores: StoreRepository;
  products: ProductRepository;
  categories: CategoryRepository;
  inventory: InventoryRepository;
  outbox: Outbox;
  unitOfWork: UnitOfWork;
  clock: Clock;
  ids: IdGenerator;
}

const ATTEMPTS = 5;

/**
 * Store owners create and edit products of their own stores (admins with
 * `stores:manage` of any). Each write, the variants' stock levels and the
 * event commit together.
 */
export class ManageProducts {
  constructor(private readonly deps: ProductDeps) {}

  async create(principal: Principal, storeId: string, input: ProductInput): Promise<ProductView> {
    await storeYouManage(this.deps, principal, storeId);
    await this.assertCategoryExists(input.categoryId);
    const now = this.deps.clock.now();
    const product = Product.create({ ...input, id: this.deps.ids.next(), storeId, at: now, newId: () => this.deps.ids.next() });
    await this.deps.unitOfWork.transaction(async () => {
      await this.deps.products.create(product);
      await this.ensureLevels(product, now);
      await this.deps.outbox.add([productEvent('created', product, now)]);
    });
    return product.toView();
  }

  async update(principal: Principal, productId: string, patch: ProductPatch): Promise<ProductView> {
    if (patch.categoryId !== undefined) await this.assertCategoryExists(patch.categoryId);
    return this.change(principal, productId, (p, now) => p.update(patch, now, () => this.deps.ids.next()));
  }

  /** Reads the product the caller may manage, applies `edit`, and saves with its event; retried on a concurrent change. */
  async change(principal: Principal, productId: string, edit: (p: Product, now: Date) => boolean): Promise<ProductView> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const product = await productYouManage(this.deps, principal, productId);
      const read = product.version;
      const now = this.deps.clock.now();
      if (!edit(product, now)) return product.toView();
      const saved = await this.deps.unitOfWork.transaction(async () => {
        if (!(await this.deps.products.save(product, read))) return false;
        await this.ensureLevels(product, now);
        await this.deps.outbox.add([productEvent('updated', product, now)]);
        return true;
      });
      if (saved) return product.toView();
    }
    throw conflict('The product kept changing; try again');
  }

  private async ensureLevels(product: Product, at: Date): Promise<void> {
    for (const v of product.variants) await this.deps.inventory.ensureLevel({ variantId: v.id, productId: product.id, storeId: product.storeId, at });
  }

  private async assertCategoryExists(categoryId: string | null | undefined): Promise<void> {
    if (!categoryId) return;
    if (!(await this.deps.categories.findById(categoryId))) {
      throw new AppError('UNPROCESSABLE_ENTITY', 'The category does not exist', { details: [{ field: 'categoryId', message: 'no such category' }] });
    }
  }
}

export { storeYouManage };

export async function productYouManage(deps: { stores: StoreRepository; products: ProductRepository }, principal: Principal, productId: string): Promise<Product> {
  const product = await deps.products.findById(productId);
  const store = product ? await deps.stores.findById(product.storeId) : null;
  if (!product || !store || !canAccess(principal, store.ownerId, STORES_PERMISSION)) throw notFound('Product');
  return product;
}
