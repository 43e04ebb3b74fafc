import { notFound } from '../../shared/errors.js';
import { toPage, type Page, type PageRequest } from '../../shared/pagination.js';
import { canAccess, hasPermission, type Principal } from '../../shared/principal.js';
import type { StoreFilter, StoreView } from '../model.js';
import type { StoreRepository } from '../ports.js';

/** Read side of stores: owners see their own, admins with `stores:manage` every store. Foreign stores are 404. */
export class StoreQueries {
  constructor(private readonly deps: { stores: StoreRepository }) {}

  async get(principal: Principal, id: string): Promise<StoreView> {
    const store = await this.deps.stores.findById(id);
    if (!store || !canAccess(principal, store.ownerId, 'stores:manage')) throw notFound('Store');
    return store.toView();
  }

  /** Everyone's stores with `stores:manage`; otherwise only the caller's (a foreign `ownerId` finds nothing). */
  async list(principal: Principal, filter: StoreFilter, page: PageRequest): Promise<Page<StoreView>> {
    const scoped = hasPermission(principal, 'stores:manage') ? filter : { ...filter, ownerId: principal.accountId };
    if (filter.ownerId !== undefined && scoped.ownerId !== filter.ownerId) return toPage([], 0, page);
    const r = await this.deps.stores.list(scoped, page);
    return { items: r.items.map((s) => s.toView()), pagination: r.pagination };
  }

  /** The verifiers' queue: pending stores, oldest submission first, documents included (an admin with `verification:decide`, checked by the route). */
  async verificationQueue(page: PageRequest): Promise<Page<StoreView>> {
    const r = await this.deps.stores.list({ verification: 'pending' }, page);
    return { items: r.items.map((s) => s.toView()), pagination: r.pagination };
  }
}
