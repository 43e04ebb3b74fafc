import type { SettingsReader } from '../../platform/ports.js';
import { AppError, notFound } from '../../shared/errors.js';
import type { PageRequest } from '../../shared/pagination.js';
import type { Principal } from '../../shared/principal.js';
import type { AccountBalance } from '../model.js';
import type { LedgerRepository } from '../ports.js';
import type { FinanceQueries, StatementView } from './finance-queries.js';
import { accountIdFor, type OpenAccount } from './open-account.js';

export interface WalletView {
  accountId: string;
  customerId: string;
  currency: string;
  /** posted: what the wallet holds; pending: −(what wallet orders reserve); available: what a checkout may still spend. */
  balance: AccountBalance;
  /** The top-up limits in force (settings), so a client can say them before the customer types. */
  limits: { topUpMinMinor: number; topUpMaxMinor: number; maxBalanceMinor: number };
}

/**
 * A customer's wallet as they (and admins with finance:manage) read it: the balance and limits, and
 * the statement with the balance after each entry. A customer's own wallet is opened on their
 * first look (opening is idempotent); an admin asking about a customer without one gets NOT_FOUND.
 */
export class WalletQueries {
  constructor(private readonly deps: { ledger: LedgerRepository; openLedgerAccount: OpenAccount; financeQueries: FinanceQueries; liveSettings: SettingsReader }) {}

  async view(principal: Principal, customerId = principal.accountId): Promise<WalletView> {
    const account = await this.deps.financeQueries.account(principal, await this.walletOf(principal, customerId));
    const s = this.deps.liveSettings;
    return {
      accountId: account.id, customerId, currency: account.currency, balance: account.balance,
      limits: { topUpMinMinor: s.get('finance.walletTopUpMinMinor'), topUpMaxMinor: s.get('finance.walletTopUpMaxMinor'), maxBalanceMinor: s.get('finance.walletMaxBalanceMinor') },
    };
  }

  async statement(principal: Principal, page: PageRequest, customerId = principal.accountId): Promise<StatementView> {
    return this.deps.financeQueries.statement(principal, await this.walletOf(principal, customerId), page);
  }

  private async walletOf(principal: Principal, customerId: string): Promise<string> {
    const id = accountIdFor('customer_wallet', customerId);
    if (principal.role === 'customer') {
      if (customerId !== principal.accountId) throw notFound('Wallet');
      await this.deps.openLedgerAccount.execute({ ownerKind: 'customer_wallet', ownerId: customerId });
    } else if (principal.role !== 'admin') {
      throw new AppError('FORBIDDEN', 'Only customers have wallets');
    } else if (!(await this.deps.ledger.findAccount(id))) {
      throw notFound('Wallet');
    }
    return id;
  }
}
