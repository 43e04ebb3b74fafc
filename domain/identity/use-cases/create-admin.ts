import type { Clock, IdGenerator } from '../../shared/ids.js';
import { Account, type AccountView, type AdminRole } from '../model.js';
import type { AccountRepository, PasswordHasher } from '../ports.js';
import type { AuditWriter } from '../security-log.js';
import { assertPasswordPolicy, assertValidPhone } from './register-account.js';

/** Creates an admin (used by `npm run admin:create`; there is no HTTP route for it). */
export class CreateAdmin {
  constructor(private readonly deps: { accounts: AccountRepository; passwords: PasswordHasher; recordAuditEntry: AuditWriter; clock: Clock; ids: IdGenerator }) {}

  async execute(input: { phone: string; email: string; password: string; name: string; adminRole: AdminRole }): Promise<AccountView> {
    const phone = assertValidPhone(input.phone);
    assertPasswordPolicy(input.password);
    const account = Account.create({ id: this.deps.ids.next(), role: 'admin', phone, email: input.email, name: input.name, adminRole: input.adminRole, passwordHash: await this.deps.passwords.hash(input.password), at: this.deps.clock.now() });
    await this.deps.accounts.create(account);
    await this.deps.recordAuditEntry.execute({ actor: { id: null, role: 'system' }, action: 'account.admin_created', resource: { type: 'account', id: account.id }, metadata: { adminRole: input.adminRole } });
    return account.toView();
  }
}
