import { notFound } from '../../shared/errors.js';
import type { Outbox, UnitOfWork } from '../../shared/events.js';
import type { Clock } from '../../shared/ids.js';
import type { Principal } from '../../shared/principal.js';
import type { AccountView } from '../model.js';
import type { AccountRepository } from '../ports.js';
import type { AuditWriter, Origin } from '../security-log.js';
import { verificationDecidedEvent } from '../events.js';

/**
 * An admin approves or rejects a pending verification, with a reason. The account and its
 * `identity.verification.decided` event (the courier or store owner is told) commit together;
 * the decision is audited.
 */
export class DecideVerification {
  constructor(private readonly deps: { accounts: AccountRepository; recordAuditEntry: AuditWriter; outbox: Outbox; unitOfWork: UnitOfWork; clock: Clock }) {}

  async execute(admin: Principal, accountId: string, input: { decision: 'approve' | 'reject'; reason?: string | undefined }, origin: Origin = {}): Promise<AccountView> {
    const account = await this.deps.accounts.findById(accountId);
    if (!account) throw notFound('Account');
    const now = this.deps.clock.now();
    account.decideVerification(input.decision, input.reason ?? null, admin.accountId, now);
    await this.deps.unitOfWork.transaction(async () => {
      await this.deps.accounts.save(account);
      await this.deps.outbox.add([verificationDecidedEvent(account, now)]);
    });
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
