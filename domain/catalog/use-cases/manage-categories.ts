import { AppError, conflict, notFound } from '../../shared/errors.js';
import type { UnitOfWork } from '../../shared/events.js';
import type { Clock, IdGenerator } from '../../shared/ids.js';
import { hasPermission, type Principal } from '../../shared/principal.js';
import { Category, type CategoryInput, type CategoryPatch, type CategoryView } from '../category.js';
import type { CategoryRepository, ProductRepository } from '../ports.js';

export const CATALOG_PERMISSION = 'catalog:manage';

interface Deps {
  categories: CategoryRepository;
  products: ProductRepository;
  unitOfWork: UnitOfWork;
  clock: Clock;
  ids: IdGenerator;
}

/**
 * Admins with `catalog:manage` shape the one category tree. Every change to
 * the tree's shape runs under the tree lock in one transaction, so the cycle
 * check reads paths no concurrent move can change under it.
 */
export class ManageCategories {
  constructor(private readonly deps: Deps) {}

  async create(principal: Principal, input: CategoryInput & { parentId?: string | null }): Promise<CategoryView> {
    assertCatalogAdmin(principal);
    return this.deps.unitOfWork.transaction(async () => {
      await this.deps.categories.lockTree();
      const parent = await this.parentOf(input.parentId ?? null);
      const c = Category.create({ ...input, id: this.deps.ids.next(), parent, at: this.deps.clock.now() });
      await this.deps.categories.create(c);
      return c.toView();
    });
  }

  async update(principal: Principal, id: string, patch: CategoryPatch & { parentId?: string | null }): Promise<CategoryView> {
    assertCatalogAdmin(principal);
    const { parentId, ...fields } = patch;
    return this.deps.unitOfWork.transaction(async () => {
      if (parentId !== undefined) await this.deps.categories.lockTree();
      const c = await this.deps.categories.findById(id);
      if (!c) throw notFound('Category');
      const read = c.version;
      const now = this.deps.clock.now();
      const moved = parentId !== undefined && c.moveUnder(await this.parentOf(parentId), now);
      const changed = c.update(fields, now);
      if (!moved && !changed) return c.toView();
      if (!(await this.deps.categories.save(c, read))) throw conflict('The category changed meanwhile; read it again');
      if (moved) await this.deps.categories.rewriteSubtreePaths(c.id, c.ancestorIds);
      return (await this.deps.categories.findById(id))!.toView();
    });
  }

  /**
   * Refused with CATEGORY_NOT_EMPTY while children or products remain, unless
   * `reparent`: then children move to the deleted node's parent and its
   * products to that parent (or to no category at the root).
   */
  async delete(principal: Principal, id: string, opts: { reparent: boolean }): Promise<{ deleted: true; movedChildren: number; movedProducts: number }> {
    assertCatalogAdmin(principal);
    return this.deps.unitOfWork.transaction(async () => {
      await this.deps.categories.lockTree();
      const c = await this.deps.categories.findById(id);
      if (!c) throw notFound('Category');
      const children = await this.deps.categories.children(id);
      const products = await this.deps.products.countInCategory(id);
      if ((children.length > 0 || products > 0) && !opts.reparent) {
        throw new AppError('CATEGORY_NOT_EMPTY', 'The category still has children or products; delete with reparent=true to move them to its parent', {
          details: [{ field: 'id', reason: 'not_empty', message: 'has children or products', children: children.length, products }],
        });
      }
      const parent = c.parentId ? await this.deps.categories.findById(c.parentId) : null;
      const now = this.deps.clock.now();
      for (const child of children) {
        const read = child.version;
        child.moveUnder(parent, now);
        await this.deps.categories.save(child, read);
        await this.deps.categories.rewriteSubtreePaths(child.id, child.ancestorIds);
      }
      const movedProducts = products > 0 ? await this.deps.products.moveCategory(id, c.parentId) : 0;
      await this.deps.categories.delete(id);
      return { deleted: true as const, movedChildren: children.length, movedProducts };
    });
  }

  private async parentOf(parentId: string | null): Promise<Category | null> {
    if (parentId === null) return null;
    const parent = await this.deps.categories.findById(parentId);
    if (!parent) throw new AppError('UNPROCESSABLE_ENTITY', 'The parent category does not exist', { details: [{ field: 'parentId', message: 'no such category' }] });
    return parent;
  }
}

function assertCatalogAdmin(principal: Principal): void {
  if (!hasPermission(principal, CATALOG_PERMISSION)) throw new AppError('FORBIDDEN', `Missing permission ${CATALOG_PERMISSION}`);
}
