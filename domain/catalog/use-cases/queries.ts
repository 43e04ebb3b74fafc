import { notFound } from '../../shared/errors.js';
import { toPage, type Page, type PageRequest } from '../../shared/pagination.js';
import { canAccess, hasPermission, type Principal } from '../../shared/principal.js';
import type { StoreFilter, StoreView } from '../model.js';
import type { StoreRepository } from '../ports.js';
import type { StoreDocument } from '../store-verification.js';
import type { DocumentStorage } from '../../identity/ports.js';

/** Read side of stores: owners see their own, admins with `stores:manage` every store. Foreign stores are 404. */
export class StoreQueries {
  constructor(private readonly deps: { stores: StoreRepository; documentStorage: DocumentStorage }) {}

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

  /** One verification document with its bytes: for the store's owner and for verifiers (`verification:decide`); anyone else NOT_FOUND. */
  async document(principal: Principal, storeId: string, documentId: string): Promise<Omit<StoreDocument, 'storageKey'> & { bytes: Buffer }> {
    const store = await this.deps.stores.findById(storeId);
    const doc = store && canAccess(principal, store.ownerId, 'verification:decide') ? store.verification.documents.find((d) => d.id === documentId) : undefined;
    if (!doc) throw notFound('Document');
    const { storageKey, ...meta } = doc;
    return { ...meta, bytes: await this.deps.documentStorage.get(storageKey) };
  }
}
