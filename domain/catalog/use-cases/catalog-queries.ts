import { notFound } from '../../shared/errors.js';
import type { Page, PageRequest } from '../../shared/pagination.js';
import type { Principal } from '../../shared/principal.js';
import type { CategoryView } from '../category.js';
import type { StockLevel, StockMovement } from '../inventory.js';
import type { ProductStatus, ProductView } from '../product.js';
import type { CategoryRepository, InventoryRepository, ProductRepository, StoreRepository } from '../ports.js';
import { productYouManage, storeYouManage } from './manage-products.js';
import { levelYouManage } from './stock-support.js';

/** Read side of categories (public), products and stock (the store's owner, or `stores:manage`). */
export class CatalogQueries {
  constructor(private readonly deps: { categories: CategoryRepository; products: ProductRepository; stores: StoreRepository; inventory: InventoryRepository }) {}

  async categoryTree(): Promise<CategoryView[]> {
    return (await this.deps.categories.list()).map((c) => c.toView());
  }

  async category(idOrSlug: string): Promise<CategoryView> {
    const c = (await this.deps.categories.findById(idOrSlug)) ?? (await this.deps.categories.findBySlug(idOrSlug));
    if (!c) throw notFound('Category');
    return c.toView();
  }

  async product(principal: Principal, id: string): Promise<ProductView> {
    return (await productYouManage(this.deps, principal, id)).toView();
  }

  async storeProducts(principal: Principal, storeId: string, filter: { status?: ProductStatus; categoryId?: string }, page: PageRequest): Promise<Page<ProductView>> {
    await storeYouManage(this.deps, principal, storeId);
    const r = await this.deps.products.list({ ...filter, storeId }, page);
    return { items: r.items.map((p) => p.toView()), pagination: r.pagination };
  }

  stock(principal: Principal, variantId: string): Promise<StockLevel> {
    return levelYouManage(this.deps, principal, variantId);
  }

  async movements(principal: Principal, variantId: string, page: PageRequest): Promise<Page<StockMovement>> {
    await levelYouManage(this.deps, principal, variantId);
    return this.deps.inventory.movements(variantId, page);
  }
}
