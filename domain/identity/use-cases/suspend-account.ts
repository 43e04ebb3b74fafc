import { AppError, notFound } from '../../shared/errors.js';
import type { Clock } from '../../shared/ids.js';
import type { Principal } from '../../shared/principal.js';
import type { AccountView } from '../model.js';
import type { AccessRevocations, AccountRepository, IdentityEventPublisher } from '../ports.js';
import type { AuditWriter, Origin } from '../security-log.js';
import type { SessionTokens } from '../session-tokens.js';

export interface SuspendAccountDeps {
  accounts: AccountRepository;
  sessionTokens: SessionTokens;
  revocations: AccessRevocations;
  identityEvents: IdentityEventPublisher;
  recordAuditEntry: AuditWriter;
  clock: Clock;
}

/** Suspends an account: every session is revoked, live access tokens are refused, sockets are told to close. */
export class SuspendAccount {
  constructor(private readonly deps: SuspendAccountDeps) {}

  async execute(admin: Principal, accountId: string, input: { reason: string }, origin: Origin = {}): Promise<AccountView> {
    if (admin.accountId === accountId) throw new AppError('CONFLICT', 'Admins cannot suspend themselves');
    const account = await this.deps.accounts.findById(accountId);
    if (!account) throw notFound('Account');
    const now = this.deps.clock.now();
    account.suspend(input.reason, admin.accountId, now);
    await this.deps.accounts.save(account);
    await this.deps.revocations.blockAccount(account.id);
    await this.deps.identityEvents.publish({ type: 'identity.account_suspended', accountId: account.id, reason: input.reason, at: now.toISOString() });
    await this.deps.sessionTokens.revokeAll(account.id, 'suspended');
    await this.deps.recordAuditEntry.execute({ actor: { id: admin.accountId, role: admin.role }, action: 'account.suspended', resource: { type: 'account', id: account.id }, origin, metadata: { reason: input.reason } });
    return account.toView();
  }
}

/** Lifts a suspension. The account logs in again; old sessions stay revoked. */
export class UnsuspendAccount {
  constructor(private readonly deps: SuspendAccountDeps) {}

  async execute(admin: Principal, accountId: string, origin: Origin = {}): Promise<AccountView> {
    const account = await this.deps.accounts.findById(accountId);
    if (!account) throw notFound('Account');
    const now = this.deps.clock.now();
    account.unsuspend(now);
    await this.deps.accounts.save(account);
    await this.deps.revocations.unblockAccount(account.id);
    await this.deps.identityEvents.publish({ type: 'identity.account_unsuspended', accountId: account.id, at: now.toISOString() });
    await this.deps.recordAuditEntry.execute({ actor: { id: admin.accountId, role: admin.role }, action: 'account.unsuspended', resource: { type: 'account', id: account.id }, origin });
    return account.toView();
  }
}
