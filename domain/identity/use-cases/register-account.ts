import { validationError, isAppError } from '../../shared/errors.js';
import type { Clock, IdGenerator } from '../../shared/ids.js';
import { Account, normalizePhone, OTP_RESEND_COOLDOWN_MS, OTP_TTL_MS, passwordProblems, type SelfServiceRole } from '../model.js';
import type { AccountRepository, PasswordHasher, SmsSender } from '../ports.js';
import type { OtpCodes } from '../otp-codes.js';

export interface RegisterAccountDeps {
  accounts: AccountRepository;
  passwords: PasswordHasher;
  otpCodes: OtpCodes;
  sms: SmsSender;
  clock: Clock;
  ids: IdGenerator;
}

export interface RegistrationReceipt {
  phone: string;
  codeExpiresInS: number;
  resendAfterS: number;
}

/**
 * Step 1 of registration. The answer is the same whether the phone is new,
 * pending or taken, so registration does not reveal who has an account: a
 * taken phone gets a notice by SMS instead of a code.
 */
export class RegisterAccount {
  constructor(private readonly deps: RegisterAccountDeps) {}

  async execute(input: { phone: string; password: string; role: SelfServiceRole }): Promise<RegistrationReceipt> {
    const phone = assertValidPhone(input.phone);
    assertPasswordPolicy(input.password);
    await this.deps.otpCodes.takeCooldown(phone, 'verify_phone');
    const passwordHash = await this.deps.passwords.hash(input.password);
    const existing = await this.deps.accounts.findByPhone(phone);
    if (!existing) await this.registerNew(phone, passwordHash, input.role);
    else if (existing.status === 'pending_verification') await this.restart(existing, passwordHash, input.role);
    else await this.deps.sms.send(phone, 'Someone tried to register a Daraa account with this number. You already have one: sign in, or reset your password.');
    return { phone, codeExpiresInS: OTP_TTL_MS / 1000, resendAfterS: OTP_RESEND_COOLDOWN_MS / 1000 };
  }

  private async registerNew(phone: string, passwordHash: string, role: SelfServiceRole): Promise<void> {
    const account = Account.create({ id: this.deps.ids.next(), role, phone, passwordHash, at: this.deps.clock.now() });
    try {
      await this.deps.accounts.create(account);
    } catch (err) {
      if (isAppError(err) && err.code === 'CONFLICT') return; // a concurrent registration of the same phone won
      throw err;
    }
    await this.deps.otpCodes.issue(account, 'verify_phone');
  }

  private async restart(account: Account, passwordHash: string, role: SelfServiceRole): Promise<void> {
    account.restartRegistration(role, passwordHash, this.deps.clock.now());
    await this.deps.accounts.save(account);
    await this.deps.otpCodes.issue(account, 'verify_phone');
  }
}

export function assertValidPhone(raw: string): string {
  const phone = normalizePhone(raw);
  if (!phone) throw validationError('Invalid phone number', [{ field: 'body.phone', message: 'must be an E.164 number like +14155550100' }]);
  return phone;
}

export function assertPasswordPolicy(pw: string, field = 'body.password'): void {
  const problems = passwordProblems(pw);
  if (problems.length) throw validationError('Password does not meet the policy', problems.map((message) => ({ field, message })));
}

