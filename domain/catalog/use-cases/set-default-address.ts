import { notFound } from '../../shared/errors.js';
import type { Principal } from '../../shared/principal.js';
import type { AddressView } from '../address.js';
import { addressYouMay, assertIsCustomer, viewOf, type AddressBookDeps } from './address-support.js';

/** The customer picks their default address; the previous default stops being one in the same transaction. */
export class SetDefaultAddress {
  constructor(private readonly deps: AddressBookDeps) {}

  async execute(principal: Principal, id: string): Promise<AddressView> {
    assertIsCustomer(principal);
    const address = await addressYouMay(this.deps, principal, id, 'write');
    // false: deleted between the read and the switch
    if (!(await this.deps.addresses.setDefault(address.customerId, address.id))) throw notFound('Address');
    return viewOf(this.deps, (await this.deps.addresses.findById(id)) ?? address);
  }
}
