import { AppError } from '../../shared/errors.js';
import type { Outbox, UnitOfWork } from '../../shared/events.js';
import type { Clock, IdGenerator } from '../../shared/ids.js';
import type { Principal } from '../../shared/principal.js';
import { Store, type CreateStoreFields, type StoreView } from '../model.js';
import type { StoreRepository } from '../ports.js';
import { storeEvent } from '../store-events.js';

/** What the owner sends: the store's fields but its id, owner and time, which the use case sets. */
export type CreateStoreInput = Omit<CreateStoreFields, 'id' | 'ownerId' | 'at'>;

/** A store owner opens a store of their own; it stays unlisted until a verifier approves it. */
export class CreateStore {
  constructor(private readonly deps: { stores: StoreRepository; outbox: Outbox; unitOfWork: UnitOfWork; clock: Clock; ids: IdGenerator }) {}

  async execute(principal: Principal, input: CreateStoreInput): Promise<StoreView> {
    assertIsStoreOwner(principal);
    const now = this.deps.clock.now();
    const store = Store.create({ ...input, id: this.deps.ids.next(), ownerId: principal.accountId, at: now });
    await this.deps.unitOfWork.transaction(async () => {
      await this.deps.stores.create(store);
      await this.deps.outbox.add([storeEvent('created', store, now)]);
    });
    return store.toView();
  }
}

function assertIsStoreOwner(principal: Principal): void {
  if (principal.role !== 'store_owner') throw new AppError('FORBIDDEN', 'Only store owners create stores');
}
