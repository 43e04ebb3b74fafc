import type { CourierCashLimit } from '../../dispatch/ports.js';
import type { SettingsReader } from '../../platform/ports.js';
import { cashInHandOf } from '../cash.js';
import type { LedgerRepository } from '../ports.js';
import { accountIdFor } from './open-account.js';

/**
 * Dispatch's `CourierCashLimit` on the ledger: a courier is over their limit when the cash
 * they hold reaches it. The limit is the `finance.cashLimitMinor` setting, or the courier's
 * own entry in `finance.courierCashLimits` when an admin set one.
 */
export class LedgerCourierCashLimit implements CourierCashLimit {
  constructor(private readonly deps: { ledger: LedgerRepository; liveSettings: SettingsReader }) {}

  limitOf(courierId: string): number {
    const overrides = this.deps.liveSettings.get('finance.courierCashLimits');
    return Object.hasOwn(overrides, courierId) ? overrides[courierId]! : this.deps.liveSettings.get('finance.cashLimitMinor');
  }

  async overLimit(courierIds: readonly string[]): Promise<Set<string>> {
    const unique = [...new Set(courierIds)];
    // Dispatch asks about a handful of candidates at a time: one keyed read each, in parallel.
    const held = await Promise.all(unique.map(async (id) => [id, cashInHandOf(await this.deps.ledger.findAccount(accountIdFor('courier_cash_in_hand', id)))] as const));
    return new Set(held.filter(([id, cash]) => cash >= this.limitOf(id)).map(([id]) => id));
  }
}
