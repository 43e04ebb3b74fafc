import { AppError } from '../../shared/errors.js';
import type { AccountRepository } from '../ports.js';

export type CourierIneligibility = 'unknown_account' | 'not_a_courier' | 'suspended' | 'phone_not_verified' | 'profile_incomplete' | 'not_verified';
export type CourierEligibilityResult = { eligible: true } | { eligible: false; reason: CourierIneligibility };

/**
 * Whether a courier may go online (called by the hub in #5 before accepting a
 * courier socket or an "online" toggle): an active account with a complete
 * profile and approved documents.
 */
export class CheckCourierEligibility {
  constructor(private readonly deps: { accounts: AccountRepository }) {}

  async execute(accountId: string): Promise<CourierEligibilityResult> {
    const account = await this.deps.accounts.findById(accountId);
    if (!account) return { eligible: false, reason: 'unknown_account' };
    if (account.role !== 'courier') return { eligible: false, reason: 'not_a_courier' };
    if (account.status === 'suspended') return { eligible: false, reason: 'suspended' };
    if (account.status !== 'active') return { eligible: false, reason: 'phone_not_verified' };
    if (!account.profileComplete) return { eligible: false, reason: 'profile_incomplete' };
    if (account.verificationStatus !== 'approved') return { eligible: false, reason: 'not_verified' };
    return { eligible: true };
  }

  /** Throws FORBIDDEN with `details.reason` when the courier may not go online. */
  async assertEligible(accountId: string): Promise<void> {
    const r = await this.execute(accountId);
    if (!r.eligible) throw new AppError('FORBIDDEN', 'This courier may not go online', { details: { reason: r.reason } });
  }
}
