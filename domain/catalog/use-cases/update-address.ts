import { conflict } from '../../shared/errors.js';
import type { Clock } from '../../shared/ids.js';
import type { Principal } from '../../shared/principal.js';
import type { AddressPatch, AddressView } from '../address.js';
import { addressYouMay, assertIsCustomer, locate, viewOf, type AddressBookDeps } from './address-support.js';

const ATTEMPTS = 5;

export type UpdateAddressInput = AddressPatch & { point?: { lat: number; lng: number } };

/**
 * The customer edits one of their addresses. A new pin moves it; a new line
 * without a pin is geocoded again when a geocoder is configured (else the old
 * point stays: the customer only fixed the spelling).
 */
export class UpdateAddress {
  constructor(private readonly deps: AddressBookDeps & { clock: Clock }) {}

  async execute(principal: Principal, id: string, input: UpdateAddressInput): Promise<AddressView> {
    assertIsCustomer(principal);
    const { point, ...patch } = input;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const address = await addressYouMay(this.deps, principal, id, 'write');
      const read = address.version;
      const moved = point || (patch.line !== undefined && this.deps.geocoder) ? await locate(this.deps, patch.line ?? address.toProps().line, point) : null;
      if (!address.update(patch, moved, this.deps.clock.now())) return viewOf(this.deps, address);
      if (await this.deps.addresses.save(address, read)) return viewOf(this.deps, address);
    }
    throw conflict('The address kept changing; try again');
  }
}
