import { toPage, type Page, type PageRequest } from '../../shared/pagination.js';
import { hasPermission, type Principal } from '../../shared/principal.js';
import type { Delivery, DeliveryStatus, DeliveryView } from '../model.js';
import type { DeliveryFilter, DeliveryRepository } from '../ports.js';
import { visible, type StoreLookup } from './support.js';

export interface DeliveryListFilter {
  storeId?: string;
  statuses?: DeliveryStatus[];
}

const STORES_PAGE = 100;
const newestFirst = (a: Delivery, b: Delivery) => {
  const [x, y] = [a.toView().createdAt, b.toView().createdAt];
  return x === y ? (a.id < b.id ? 1 : a.id > b.id ? -1 : 0) : x < y ? 1 : -1;
};

/**
 * Read side of deliveries, scoped by the one visibility rule (support.ts): a
 * customer reads their own, a store owner their stores', a courier those
 * assigned to them, an admin with `deliveries:manage` every delivery. Anything
 * else is 404 (one) or absent (lists).
 */
export class DeliveryQueries {
  constructor(private readonly deps: { deliveries: DeliveryRepository; stores: StoreLookup }) {}

  async get(principal: Principal, id: string): Promise<DeliveryView> {
    return (await visible(principal, await this.deps.deliveries.findById(id), this.deps.stores)).delivery.toView();
  }

  async byOrderId(principal: Principal, orderId: string): Promise<DeliveryView> {
    return (await visible(principal, await this.deps.deliveries.findByOrderId(orderId), this.deps.stores)).delivery.toView();
  }

  /** Newest first, within what the caller may see. */
  async list(principal: Principal, filter: DeliveryListFilter, page: PageRequest): Promise<Page<DeliveryView>> {
    const r = await this.scopedList(principal, filter, page);
    return { items: r.items.map((d) => d.toView()), pagination: r.pagination };
  }

  private async scopedList(principal: Principal, filter: DeliveryListFilter, page: PageRequest): Promise<Page<Delivery>> {
    const base: DeliveryFilter = { ...(filter.storeId !== undefined ? { storeId: filter.storeId } : {}), ...(filter.statuses?.length ? { statuses: filter.statuses } : {}) };
    if (hasPermission(principal, 'deliveries:manage')) return this.deps.deliveries.list(base, page);
    switch (principal.role) {
      case 'customer':
        return this.deps.deliveries.list({ ...base, customerId: principal.accountId }, page);
      case 'courier':
        return this.deps.deliveries.list({ ...base, courierId: principal.accountId }, page);
      case 'store_owner':
        return this.listOfStores(await this.storesOwnedBy(principal.accountId, filter.storeId), base, page);
      default:
        return toPage([], 0, page);
    }
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

  /**
   * One page across several stores: each store's newest `page × limit`
   * deliveries, merged newest first (an owner rarely has more than a few stores).
   */
  private async listOfStores(storeIds: string[], base: DeliveryFilter, page: PageRequest): Promise<Page<Delivery>> {
    if (storeIds.length === 0) return toPage([], 0, page);
    if (storeIds.length === 1) return this.deps.deliveries.list({ ...base, storeId: storeIds[0]! }, page);
    const window = { page: 1, limit: page.page * page.limit };
    const perStore = await Promise.all(storeIds.map((storeId) => this.deps.deliveries.list({ ...base, storeId }, window)));
    const merged = perStore.flatMap((r) => r.items).sort(newestFirst);
    const total = perStore.reduce((n, r) => n + r.pagination.total, 0);
    return toPage(merged.slice((page.page - 1) * page.limit, page.page * page.limit), total, page);
  }
}
