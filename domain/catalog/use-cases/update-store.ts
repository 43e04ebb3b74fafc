import { conflict, notFound } from '../../shared/errors.js';
import type { Clock } from '../../shared/ids.js';
import { canAccess, type Principal } from '../../shared/principal.js';
import type { StorePatch, StoreView } from '../model.js';
import type { StoreRepository } from '../ports.js';

const ATTEMPTS = 5;

/**
 * The owner edits their store; an admin with `stores:manage` edits any. On a
 * concurrent change the store is re-read and the patch applied again.
 */
export class UpdateStore {
  constructor(private readonly deps: { stores: StoreRepository; clock: Clock }) {}

  async execute(principal: Principal, storeId: string, patch: StorePatch): Promise<StoreView> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const store = await this.deps.stores.findById(storeId);
      if (!store || !canAccess(principal, store.ownerId, 'stores:manage')) throw notFound('Store');
      const read = store.version;
      if (!store.update(patch, this.deps.clock.now())) return store.toView();
      if (await this.deps.stores.save(store, read)) return store.toView();
    }
    throw conflict('The store kept changing; try again');
  }
}
