import { toPage, type Page, type PageRequest } from '../../shared/pagination.js';
import { hasPermission, type Principal } from '../../shared/principal.js';
import type { OrderStatus, OrderView } from '../order.js';
import type { OrderFilter, OrderRepository } from '../ports.js';
import { ORDERS_MANAGE, visibleOrder, type StoreLookup } from './order-support.js';

export interface OrderListFilter {
  storeId?: string;
  statuses?: OrderStatus[];
  placedFrom?: Date;
  placedTo?: Date;
  numberPrefix?: string;
}

const STORES_PAGE = 100;

/**
 * The read side of orders, within the one visibility rule (order-support.ts):
 * a store owner their stores' incoming orders, a customer their history, an
 * admin with `orders:manage` everything. A foreign order is 404; lists hold only what the caller may see.
 */
export class OrderQueries {
  constructor(private readonly deps: { orders: OrderRepository; stores: StoreLookup }) {}

  async get(principal: Principal, id: string): Promise<OrderView> {
    return (await visibleOrder(principal, await this.deps.orders.findById(id), this.deps.stores)).order.toView();
  }

  async list(principal: Principal, filter: OrderListFilter, page: PageRequest): Promise<Page<OrderView>> {
    const base: OrderFilter = {
      ...(filter.statuses?.length ? { statuses: filter.statuses } : {}),
      ...(filter.placedFrom ? { placedFrom: filter.placedFrom } : {}),
      ...(filter.placedTo ? { placedTo: filter.placedTo } : {}),
      ...(filter.numberPrefix ? { numberPrefix: filter.numberPrefix } : {}),
    };
    let scoped: OrderFilter | null;
    if (hasPermission(principal, ORDERS_MANAGE)) scoped = { ...base, ...(filter.storeId ? { storeIds: [filter.storeId] } : {}) };
    else if (principal.role === 'customer') scoped = { ...base, customerId: principal.accountId, ...(filter.storeId ? { storeIds: [filter.storeId] } : {}) };
    else if (principal.role === 'store_owner') scoped = { ...base, storeIds: await this.storesOwnedBy(principal.accountId, filter.storeId) };
    else scoped = null;
    if (!scoped) return toPage([], 0, page);
    const r = await this.deps.orders.list(scoped, page);
    return { items: r.items.map((o) => o.toView()), pagination: r.pagination };
  }

  /** The owner's store ids, or only `storeId` when given and theirs. */
  private async storesOwnedBy(ownerId: string, storeId: string | undefined): Promise<string[]> {
    if (storeId !== undefined) return (await this.deps.stores.findById(storeId))?.ownerId === ownerId ? [storeId] : [];
    const ids: string[] = [];
    for (let p = 1; ; p++) {
      const r = await this.deps.stores.list({ ownerId }, { page: p, limit: STORES_PAGE });
      ids.push(...r.items.map((s) => s.id));
      if (p >= r.pagination.totalPages) return ids;
    }
  }
}
