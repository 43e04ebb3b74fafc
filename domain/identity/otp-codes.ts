import { AppError } from '../shared/errors.js';
import type { Clock, IdGenerator } from '../shared/ids.js';
import { OTP_MAX_ATTEMPTS, OTP_RESEND_COOLDOWN_MS, OTP_TTL_MS, type Account, type OtpPurpose } from './model.js';
import type { OtpRepository, SmsSender, Throttle } from './ports.js';
import { hashOtp, newOtpCode, sameHex } from './secrets.js';

export interface OtpCodesDeps {
  otps: OtpRepository;
  sms: SmsSender;
  throttle: Throttle;
  clock: Clock;
  ids: IdGenerator;
  otpSecret: string;
}

/** The one answer for every bad, expired, exhausted or replayed code. */
export const invalidCode = (): AppError => new AppError('UNPROCESSABLE_ENTITY', 'Invalid or expired code');

const TEXT: Record<OtpPurpose, (code: string) => string> = {
  verify_phone: (c) => `Your Daraa verification code is ${c}. It expires in 5 minutes.`,
  reset_password: (c) => `Your Daraa password reset code is ${c}. It expires in 5 minutes. If you did not ask for it, ignore this message.`,
};

/** Issuing and checking one-time codes: 6 digits, 5 minutes, 5 attempts, single use. */
export class OtpCodes {
  constructor(private readonly deps: OtpCodesDeps) {}

  /**
   * Takes the 60 s cooldown of this phone and purpose. Keyed by phone, not by
   * account, so the answer is the same whether an account exists or not.
   */
  async takeCooldown(phone: string, purpose: OtpPurpose): Promise<void> {
    const r = await this.deps.throttle.takeCooldown(`otp:${purpose}:${phone}`, this.deps.clock.now(), OTP_RESEND_COOLDOWN_MS);
    if (!r.ok) {
      const after = Math.max(1, Math.ceil((r.retryAt.getTime() - this.deps.clock.now().getTime()) / 1000));
      throw new AppError('RATE_LIMIT_EXCEEDED', `Wait ${after} s before asking for another code`, { headers: { 'Retry-After': String(after) }, details: { reason: 'otp_cooldown', retryAfterS: after } });
    }
  }

  async issue(account: Account, purpose: OtpPurpose): Promise<void> {
    const now = this.deps.clock.now();
    const id = this.deps.ids.next();
    const code = newOtpCode();
    await this.deps.otps.create({
      id, accountId: account.id, purpose, codeHash: hashOtp(this.deps.otpSecret, id, code),
      createdAt: now, expiresAt: new Date(now.getTime() + OTP_TTL_MS), attempts: 0, maxAttempts: OTP_MAX_ATTEMPTS, consumedAt: null,
    });
    await this.deps.sms.send(account.phone, TEXT[purpose](code));
  }

  /** Spends one attempt and consumes the code when it matches; anything else is `invalidCode`. */
  async redeem(account: Account | null, purpose: OtpPurpose, code: string): Promise<void> {
    const challenge = account ? await this.deps.otps.findOpen(account.id, purpose, this.deps.clock.now()) : null;
    if (!challenge) {
      hashOtp(this.deps.otpSecret, 'absent', code); // same work whether or not there is a challenge
      throw invalidCode();
    }
    const attempts = await this.deps.otps.recordAttempt(challenge.id);
    if (attempts === null) throw invalidCode();
    if (!sameHex(hashOtp(this.deps.otpSecret, challenge.id, code), challenge.codeHash)) throw invalidCode();
    if (!(await this.deps.otps.consume(challenge.id, this.deps.clock.now()))) throw invalidCode();
  }
}
