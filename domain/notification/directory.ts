import type { AccountRepository } from '../identity/ports.js';
import type { StoreRepository } from '../catalog/ports.js';
import type { Permission } from '../shared/principal.js';
import type { RecipientDirectory } from './ports.js';

/** Recipients as identity and catalog know them: an account's contacts, a store's owner, a role's active accounts. */
export class AccountDirectory implements RecipientDirectory {
  constructor(private readonly deps: { accounts: AccountRepository; stores: StoreRepository }) {}

  async account(accountId: string): Promise<{ id: string; role: string; phone: string; email: string | null } | null> {
    const a = await this.deps.accounts.findById(accountId);
    return a ? { id: a.id, role: a.role, phone: a.phone, email: a.email } : null;
  }

  async storeOwner(storeId: string): Promise<string | null> {
    const s = await this.deps.stores.findById(storeId);
    return s ? s.toProps().ownerId : null;
  }

  async accountsWithRole(role: string, page: number, limit: number): Promise<string[]> {
    const r = await this.deps.accounts.search({ role: role as never, status: 'active' }, { page, limit });
    return r.items.map((a) => a.id);
  }

  async adminsHolding(permission: Permission, page: number, limit: number): Promise<{ accountIds: string[]; more: boolean }> {
    const r = await this.deps.accounts.search({ role: 'admin', status: 'active' }, { page, limit });
    return { accountIds: r.items.filter((a) => a.permissions.includes(permission)).map((a) => a.id), more: r.items.length === limit };
  }
}
