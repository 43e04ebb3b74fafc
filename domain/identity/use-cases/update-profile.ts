import { notFound } from '../../shared/errors.js';
import type { Clock } from '../../shared/ids.js';
import { canAccess, type Principal } from '../../shared/principal.js';
import type { AccountView, ProfilePatch } from '../model.js';
import type { AccountRepository } from '../ports.js';

/**
 * Profile completion and later edits, by the owner only. Only the role's
 * profile fields and email are settable: role, status, verification,
 * permissions and balances are not part of any patch.
 */
export class UpdateProfile {
  constructor(private readonly deps: { accounts: AccountRepository; clock: Clock }) {}

  async execute(principal: Principal, accountId: string, patch: ProfilePatch): Promise<AccountView> {
    const account = canAccess(principal, accountId) ? await this.deps.accounts.findById(accountId) : null;
    if (!account) throw notFound('Account');
    account.updateProfile(patch, this.deps.clock.now());
    await this.deps.accounts.save(account);
    return account.toView();
  }
}
