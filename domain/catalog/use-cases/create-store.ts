import { AppError } from '../../shared/errors.js';
import type { Clock, IdGenerator } from '../../shared/ids.js';
import type { Principal } from '../../shared/principal.js';
import { Store, type StoreStatus, type StoreView } from '../model.js';
import type { StoreRepository } from '../ports.js';

export interface CreateStoreInput {
  name: string;
  phone?: string | null;
  address: string;
  location: { lat: number; lng: number };
  status?: StoreStatus;
}

/** A store owner opens a store of their own. */
export class CreateStore {
  constructor(private readonly deps: { stores: StoreRepository; clock: Clock; ids: IdGenerator }) {}

  async execute(principal: Principal, input: CreateStoreInput): Promise<StoreView> {
    assertIsStoreOwner(principal);
    const store = Store.create({ ...input, id: this.deps.ids.next(), ownerId: principal.accountId, at: this.deps.clock.now() });
    await this.deps.stores.create(store);
    return store.toView();
  }
}

function assertIsStoreOwner(principal: Principal): void {
  if (principal.role !== 'store_owner') throw new AppError('FORBIDDEN', 'Only store owners create stores');
}
