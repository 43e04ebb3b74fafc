import { notFound } from '../../shared/errors.js';
import type { Clock } from '../../shared/ids.js';
import type { Principal } from '../../shared/principal.js';
import type { AccountView } from '../model.js';
import type { AccountRepository } from '../ports.js';
import type { AuditWriter, Origin } from '../security-log.js';

/** An admin approves or rejects a pending verification, with a reason; the decision is audited. */
export class DecideVerification {
  constructor(private readonly deps: { accounts: AccountRepository; recordAuditEntry: AuditWriter; clock: Clock }) {}

  async execute(admin: Principal, accountId: string, input: { decision: 'approve' | 'reject'; reason?: string | undefined }, origin: Origin = {}): Promise<AccountView> {
    const account = await this.deps.accounts.findById(accountId);
    if (!account) throw notFound('Account');
    account.decideVerification(input.decision, input.reason ?? null, admin.accountId, this.deps.clock.now());
    await this.deps.accounts.save(account);
    await this.deps.recordAuditEntry.execute({
      actor: { id: admin.accountId, role: admin.role },
      action: `account.verification_${input.decision === 'approve' ? 'approved' : 'rejected'}`,
      resource: { type: 'account', id: account.id },
      origin,
      metadata: { reason: input.reason ?? null, role: account.role },
    });
    return account.toView();
  }
}
