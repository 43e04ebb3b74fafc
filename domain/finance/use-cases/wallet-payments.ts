import type { SettingsReader } from '../../platform/ports.js';
import type { WalletFunds } from '../../ordering/ports.js';
import { AppError } from '../../shared/errors.js';
import type { TransferRequest } from '../model.js';
import type { LedgerRepository } from '../ports.js';
import type { CreateTransfers, TransferResult } from './create-transfers.js';
import type { OpenAccount } from './open-account.js';

export interface WalletPaymentsDeps {
  transfers: CreateTransfers;
  openAccount: OpenAccount;
  liveSettings: SettingsReader;
}

/** The wallet hold of an order: the same id the order's flows post on delivery and void on cancellation. */
export const walletHoldId = (orderId: string): string => `${orderId}:hold`;

/**
 * Paying an order from the wallet (the checkout's WalletFunds port). The order's total is
 * reserved as a pending transfer from the customer's wallet to the store's payable, inside the
 * checkout's transaction: the wallet account is locked, so concurrent checkouts spending one
 * wallet run one after the other and the "debits must not exceed credits" flag refuses the one
 * that would overdraw it. The finance consumer later posts the hold on delivery and voids it on
 * a rejection or cancellation (OrderMoneyFlows); if the order never ends, the hold expires
 * after `finance.walletHoldSeconds` and the money may be spent again.
 */
export class WalletPayments implements WalletFunds {
  constructor(private readonly deps: WalletPaymentsDeps) {}

  async reserve(req: { orderId: string; customerId: string; storeId: string; amountMinor: number; currency: string }): Promise<void> {
    const wallet = await this.deps.openAccount.execute({ ownerKind: 'customer_wallet', ownerId: req.customerId });
    const store = await this.deps.openAccount.execute({ ownerKind: 'store_payable', ownerId: req.storeId });
    try {
      await this.deps.transfers.one({
        id: walletHoldId(req.orderId), kind: 'pending', debitAccountId: wallet.id, creditAccountId: store.id, amountMinor: req.amountMinor,
        currency: req.currency, code: 'order_hold', reference: `order:${req.orderId}`, timeoutSeconds: this.deps.liveSettings.get('finance.walletHoldSeconds'),
      });
    } catch (err) {
      if (err instanceof AppError && err.code === 'LEDGER_EXCEEDS_CREDITS') throw insufficient(req.amountMinor);
      throw err;
    }
  }
}

const insufficient = (requiredMinor: number) =>
  new AppError('WALLET_INSUFFICIENT_FUNDS', 'The wallet does not hold enough to pay for this checkout', {
    details: [{ field: 'paymentMethod', reason: 'insufficient_funds', message: `the order needs ${requiredMinor} minor units; the wallet's available balance is less`, requiredMinor }],
  });

const expired = (err: unknown): boolean => err instanceof AppError && err.code === 'LEDGER_PENDING_EXPIRED';

/**
 * Runs an order's settlement batch. A wallet order's hold can only have expired if the order
 * outlived `finance.walletHoldSeconds`; it was delivered all the same, so the wallet pays now
 * with a posted transfer under the settle id (refused, and retried, if the wallet no longer
 * holds the money: an admin then sees the failing job).
 */
export async function executeSettlement(deps: { transfers: CreateTransfers; ledger: LedgerRepository }, batch: TransferRequest[], method: string): Promise<TransferResult[]> {
  const { transfers } = deps;
  try {
    return await transfers.execute(batch);
  } catch (err) {
    const [settle, ...rest] = batch;
    if (method !== 'wallet' || !expired(err) || settle?.kind !== 'post_pending') throw err;
    const hold = (await deps.ledger.findTransfers([settle.pendingId]))[0];
    if (!hold) throw err;
    return transfers.execute([{ id: settle.id, debitAccountId: hold.debitAccountId, creditAccountId: hold.creditAccountId, amountMinor: hold.amountMinor, currency: hold.currency, code: hold.code, reference: hold.reference }, ...rest]);
  }
}

/** Runs an order's release batch; a wallet hold that already expired has nothing left to release. */
export async function executeRelease(transfers: CreateTransfers, batch: TransferRequest[], method: string): Promise<TransferResult[]> {
  return transfers.execute(batch).catch((err: unknown) => {
    if (method === 'wallet' && expired(err)) return [];
    throw err;
  });
}
