import { AppError, notFound, validationError } from '../../shared/errors.js';
import { coordinate, type Coordinate } from '../../shared/coordinate.js';
import { canAccess, type Principal } from '../../shared/principal.js';
import type { Address, AddressView, PointSource } from '../address.js';
import type { AddressRepository, Geocoder, StoreCoverage } from '../ports.js';

/** Admins read any customer's addresses with this permission (addresses are account data). */
export const ADDRESS_READ_PERMISSION = 'accounts:read';

export interface AddressBookDeps {
  addresses: AddressRepository;
  /** Null when no geocoding service is configured: the client must send the point. */
  geocoder: Geocoder | null;
  /** Null until store zones exist: `deliversTo` then reads as null (unknown). */
  storeCoverage: StoreCoverage | null;
}

export function assertIsCustomer(principal: Principal): void {
  if (principal.role !== 'customer') throw new AppError('FORBIDDEN', 'Only customers keep an address book');
}

/** A live address the caller owns (or, for reads, may see as an admin); anything else is NOT_FOUND. */
export async function addressYouMay(deps: AddressBookDeps, principal: Principal, id: string, mode: 'read' | 'write'): Promise<Address> {
  const address = await deps.addresses.findById(id);
  const allowed = address && (mode === 'read' ? canAccess(principal, address.customerId, ADDRESS_READ_PERMISSION) : principal.accountId === address.customerId);
  if (!address || address.isDeleted || !allowed) throw notFound('Address');
  return address;
}

/**
 * The client's pin wins (it is where the courier should go); without one the
 * geocoder reads the line; without a geocoder the pin is required.
 */
export async function locate(deps: AddressBookDeps, line: string, point: { lat: number; lng: number } | undefined): Promise<{ at: Coordinate; source: PointSource }> {
  if (point) return { at: coordinate(point.lat, point.lng, 'point'), source: 'client' };
  if (!deps.geocoder) throw validationError('point is required: no geocoding service is configured', [{ field: 'point', reason: 'POINT_REQUIRED', message: 'send the point of the address' }]);
  const found = await deps.geocoder.geocode(line);
  if (!found) throw new AppError('UNPROCESSABLE_ENTITY', 'The address could not be located; send its point', { details: [{ field: 'line', reason: 'ADDRESS_NOT_FOUND', message: 'no match for this address' }] });
  return { at: coordinate(found.lat, found.lng, 'point'), source: 'geocoder' };
}

export async function viewOf(deps: AddressBookDeps, address: Address): Promise<AddressView> {
  return address.toView(deps.storeCoverage ? await deps.storeCoverage.deliversTo(address.point) : null);
}

export async function viewsOf(deps: AddressBookDeps, list: Address[]): Promise<AddressView[]> {
  return Promise.all(list.map((a) => viewOf(deps, a)));
}
