import { AppError } from '../../shared/errors.js';
import type { Clock, IdGenerator } from '../../shared/ids.js';
import type { Principal } from '../../shared/principal.js';
import type { UnitOfWork } from '../../shared/events.js';
import { Address, type AddressView } from '../address.js';
import { assertIsCustomer, locate, viewOf, type AddressBookDeps } from './address-support.js';

export interface AddAddressInput {
  label: string;
  line: string;
  building?: string | null;
  floor?: string | null;
  notes?: string | null;
  point?: { lat: number; lng: number };
  /** Make it the default (the first address always is). */
  makeDefault?: boolean;
}

/** A customer adds an address to their book; it is located by their pin or the geocoder. */
export class AddAddress {
  constructor(private readonly deps: AddressBookDeps & { unitOfWork: UnitOfWork; clock: Clock; ids: IdGenerator; addressSettings: { maxPerCustomer: number } }) {}

  async execute(principal: Principal, input: AddAddressInput): Promise<AddressView> {
    assertIsCustomer(principal);
    const point = await locate(this.deps, input.line, input.point);
    const address = Address.create({ ...input, id: this.deps.ids.next(), customerId: principal.accountId, point: point.at, pointSource: point.source, at: this.deps.clock.now() });
    await this.deps.unitOfWork.transaction(async () => {
      await this.insertWithinLimit(address);
      await this.becomeDefaultIfNeeded(address, input.makeDefault === true);
    });
    return viewOf(this.deps, (await this.deps.addresses.findById(address.id)) ?? address);
  }

  private async insertWithinLimit(address: Address): Promise<void> {
    const max = this.deps.addressSettings.maxPerCustomer;
    if (!(await this.deps.addresses.insert(address, max))) {
      throw new AppError('CONFLICT', `An address book holds at most ${max} addresses; delete one first`, { details: [{ reason: 'ADDRESS_LIMIT_REACHED', message: `at most ${max} addresses`, limit: max }] });
    }
  }

  private async becomeDefaultIfNeeded(address: Address, asked: boolean): Promise<void> {
    const first = await this.deps.addresses.listLive(address.customerId, { page: 1, limit: 1 });
    const hasDefault = first.items[0]?.isDefault === true;
    if (asked || !hasDefault) await this.deps.addresses.setDefault(address.customerId, address.id);
  }
}
