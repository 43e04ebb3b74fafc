import type { Clock } from '../../shared/ids.js';
import { normalizePhone } from '../model.js';
import type { AccountRepository } from '../ports.js';
import type { OtpCodes } from '../otp-codes.js';

export interface VerifyPhoneDeps {
  accounts: AccountRepository;
  otpCodes: OtpCodes;
  clock: Clock;
}

/** Step 2 of registration: the code from the SMS activates the account. */
export class VerifyPhone {
  constructor(private readonly deps: VerifyPhoneDeps) {}

  async execute(input: { phone: string; code: string }): Promise<{ verified: true }> {
    const phone = normalizePhone(input.phone);
    const account = phone ? await this.deps.accounts.findByPhone(phone) : null;
    await this.deps.otpCodes.redeem(account?.status === 'pending_verification' ? account : null, 'verify_phone', input.code);
    const verified = account!;
    verified.verifyPhone(this.deps.clock.now());
    await this.deps.accounts.save(verified);
    return { verified: true };
  }
}
