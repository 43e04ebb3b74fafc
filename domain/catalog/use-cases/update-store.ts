import { conflict, notFound } from '../../shared/errors.js';
import type { Outbox, UnitOfWork } from '../../shared/events.js';
import type { Clock } from '../../shared/ids.js';
import { canAccess, type Principal } from '../../shared/principal.js';
import type { Store, StorePatch, StoreView } from '../model.js';
import type { StoreRepository } from '../ports.js';
import { storeEvent } from '../store-events.js';
import { STORES_PERMISSION } from './stock-support.js';

const ATTEMPTS = 5;

export interface UpdateStoreDeps {
  stores: StoreRepository;
  outbox: Outbox;
  unitOfWork: UnitOfWork;
  clock: Clock;
}

/**
 * The owner edits their store; an admin with `stores:manage` edits any. Each
 * change commits with its `catalog.store.updated` event. On a concurrent
 * change the store is re-read and the edit applied again.
 */
export class UpdateStore {
  constructor(private readonly deps: UpdateStoreDeps) {}

  execute(principal: Principal, storeId: string, patch: StorePatch): Promise<StoreView> {
    return this.change(principal, storeId, (store, now) => store.update(patch, now));
  }

  /** Reads the store the caller may manage, applies `edit` (false: nothing to change), saves it with its event. */
  async change(principal: Principal, storeId: string, edit: (store: Store, now: Date) => boolean): Promise<StoreView> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const store = await storeYouManage(this.deps, principal, storeId);
      const read = store.version;
      const now = this.deps.clock.now();
      if (!edit(store, now)) return store.toView();
      const saved = await this.deps.unitOfWork.transaction(async () => {
        if (!(await this.deps.stores.save(store, read))) return false;
        await this.deps.outbox.add([storeEvent('updated', store, now)]);
        return true;
      });
      if (saved) return store.toView();
    }
    throw conflict('The store kept changing; try again');
  }
}

/** The store, when the caller owns it or manages every store; otherwise NOT_FOUND (never FORBIDDEN: its existence stays private). */
export async function storeYouManage(deps: { stores: StoreRepository }, principal: Principal, storeId: string): Promise<Store> {
  const store = await deps.stores.findById(storeId);
  if (!store || !canAccess(principal, store.ownerId, STORES_PERMISSION)) throw notFound('Store');
  return store;
}
