import { OTP_RESEND_COOLDOWN_MS, OTP_TTL_MS } from '../model.js';
import type { AccountRepository } from '../ports.js';
import type { OtpCodes } from '../otp-codes.js';
import type { RegistrationReceipt } from './register-account.js';
import { assertValidPhone } from './register-account.js';

/**
 * Sends a reset code to an active account's phone. The answer is the same for
 * unknown phones, and the SMS goes out without being awaited so the provider's
 * latency does not tell them apart (the adapter logs its own failures).
 */
export class ForgotPassword {
  constructor(private readonly deps: { accounts: AccountRepository; otpCodes: OtpCodes }) {}

  async execute(input: { phone: string }): Promise<RegistrationReceipt> {
    const phone = assertValidPhone(input.phone);
    await this.deps.otpCodes.takeCooldown(phone, 'reset_password');
    const account = await this.deps.accounts.findByPhone(phone);
    if (account?.status === 'active') void this.deps.otpCodes.issue(account, 'reset_password').catch(() => undefined);
    return { phone, codeExpiresInS: OTP_TTL_MS / 1000, resendAfterS: OTP_RESEND_COOLDOWN_MS / 1000 };
  }
}
