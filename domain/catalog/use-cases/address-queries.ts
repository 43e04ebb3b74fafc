import type { Page, PageRequest } from '../../shared/pagination.js';
import { hasPermission, type Principal } from '../../shared/principal.js';
import { AppError } from '../../shared/errors.js';
import type { AddressView } from '../address.js';
import { ADDRESS_READ_PERMISSION, addressYouMay, viewsOf, viewOf, type AddressBookDeps } from './address-support.js';

/** Read side of the address book: customers their own; admins with accounts:read any customer's. */
export class AddressQueries {
  constructor(private readonly deps: AddressBookDeps) {}

  async get(principal: Principal, id: string): Promise<AddressView> {
    return viewOf(this.deps, await addressYouMay(this.deps, principal, id, 'read'));
  }

  /** A customer lists their own book; an admin names the customer (`customerId`). */
  async list(principal: Principal, customerId: string | undefined, page: PageRequest): Promise<Page<AddressView>> {
    const whose = principal.role === 'admin' ? this.adminTarget(principal, customerId) : principal.accountId;
    // A customer naming someone else finds an empty book, never theirs.
    if (customerId !== undefined && customerId !== whose) return { items: [], pagination: { page: page.page, limit: page.limit, total: 0, totalPages: 0 } };
    const r = await this.deps.addresses.listLive(whose, page);
    return { items: await viewsOf(this.deps, r.items), pagination: r.pagination };
  }

  private adminTarget(principal: Principal, customerId: string | undefined): string {
    if (!hasPermission(principal, ADDRESS_READ_PERMISSION)) throw new AppError('FORBIDDEN', `Missing permission ${ADDRESS_READ_PERMISSION}`);
    if (customerId === undefined) throw new AppError('VALIDATION_ERROR', 'customerId is required', { details: [{ field: 'query.customerId', message: 'name the customer whose addresses to list' }] });
    return customerId;
  }
}
