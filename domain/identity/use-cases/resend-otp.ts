import { OTP_RESEND_COOLDOWN_MS, OTP_TTL_MS, type OtpPurpose } from '../model.js';
import type { AccountRepository } from '../ports.js';
import type { OtpCodes } from '../otp-codes.js';
import type { RegistrationReceipt } from './register-account.js';
import { assertValidPhone } from './register-account.js';

export interface ResendOtpDeps {
  accounts: AccountRepository;
  otpCodes: OtpCodes;
}

/** A fresh code after the 60 s cooldown; the previous code dies. Same answer for unknown phones. */
export class ResendOtp {
  constructor(private readonly deps: ResendOtpDeps) {}

  async execute(input: { phone: string; purpose: OtpPurpose }): Promise<RegistrationReceipt> {
    const phone = assertValidPhone(input.phone);
    await this.deps.otpCodes.takeCooldown(phone, input.purpose);
    const account = await this.deps.accounts.findByPhone(phone);
    const wanted = input.purpose === 'verify_phone' ? 'pending_verification' : 'active';
    if (account?.status === wanted) await this.deps.otpCodes.issue(account, input.purpose);
    return { phone, codeExpiresInS: OTP_TTL_MS / 1000, resendAfterS: OTP_RESEND_COOLDOWN_MS / 1000 };
  }
}
