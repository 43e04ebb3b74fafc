import type { Outbox, UnitOfWork } from '../../shared/events.js';
import type { Clock } from '../../shared/ids.js';
import { normalizePhone } from '../model.js';
import type { AccountRepository, PasswordHasher, Throttle } from '../ports.js';
import type { OtpCodes } from '../otp-codes.js';
import { securityEvent, type AuditWriter, type Origin } from '../security-log.js';
import { securityAlertEvent } from '../events.js';
import type { SessionTokens } from '../session-tokens.js';
import { assertPasswordPolicy } from './register-account.js';

export interface ResetPasswordDeps {
  accounts: AccountRepository;
  passwords: PasswordHasher;
  otpCodes: OtpCodes;
  sessionTokens: SessionTokens;
  throttle: Throttle;
  recordAuditEntry: AuditWriter;
  outbox: Outbox;
  unitOfWork: UnitOfWork;
  clock: Clock;
}

/** Sets a new password with the reset code and revokes every session of the account. */
export class ResetPassword {
  constructor(private readonly deps: ResetPasswordDeps) {}

  async execute(input: { phone: string; code: string; newPassword: string }, origin: Origin = {}): Promise<{ reset: true }> {
    assertPasswordPolicy(input.newPassword, 'body.newPassword');
    // Hash first: known and unknown phones cost the same.
    const passwordHash = await this.deps.passwords.hash(input.newPassword);
    const phone = normalizePhone(input.phone);
    const account = phone ? await this.deps.accounts.findByPhone(phone) : null;
    await this.deps.otpCodes.redeem(account?.status === 'active' ? account : null, 'reset_password', input.code);
    const target = account!;
    const now = this.deps.clock.now();
    target.changePassword(passwordHash, now);
    await this.deps.unitOfWork.transaction(async () => {
      await this.deps.accounts.save(target);
      await this.deps.outbox.add([securityAlertEvent(target.id, 'password_reset', origin, now, target.version)]);
    });
    const revoked = await this.deps.sessionTokens.revokeAll(target.id, 'password_reset');
    await this.deps.throttle.clear(`login:acct:${target.id}`);
    await securityEvent(this.deps.recordAuditEntry, 'auth.password_reset', { id: target.id, role: target.role }, origin, { sessionsRevoked: revoked.length }, 'success');
    return { reset: true };
  }
}
