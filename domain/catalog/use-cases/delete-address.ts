import { conflict, notFound } from '../../shared/errors.js';
import type { Clock } from '../../shared/ids.js';
import type { Principal } from '../../shared/principal.js';
import type { UnitOfWork } from '../../shared/events.js';
import { assertIsCustomer, type AddressBookDeps } from './address-support.js';

/**
 * The customer deletes an address (soft: orders keep pointing at it). Deleting
 * the default makes the newest remaining address the default, in the same
 * transaction. A repeated delete answers as the first did.
 */
export class DeleteAddress {
  constructor(private readonly deps: AddressBookDeps & { unitOfWork: UnitOfWork; clock: Clock }) {}

  async execute(principal: Principal, id: string): Promise<{ id: string; deleted: true }> {
    assertIsCustomer(principal);
    const address = await this.deps.addresses.findById(id);
    if (!address || address.customerId !== principal.accountId) throw notFound('Address');
    const read = address.version;
    const wasDefault = address.isDefault;
    if (!address.remove(this.deps.clock.now())) return { id, deleted: true };
    await this.deps.unitOfWork.transaction(async () => {
      if (!(await this.deps.addresses.save(address, read))) throw conflict('The address changed meanwhile; try again');
      const next = wasDefault ? await this.deps.addresses.newestLive(address.customerId) : null;
      if (next) await this.deps.addresses.setDefault(address.customerId, next.id);
    });
    return { id, deleted: true };
  }
}
