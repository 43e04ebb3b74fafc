import type { Outbox, UnitOfWork } from '../../shared/events.js';
import type { Clock } from '../../shared/ids.js';
import { payoutProcessedEvent } from '../payout-events.js';
import { payoutTransferIds, type Payout } from '../payout.js';
import type { PayoutProvider, PayoutRepository } from '../ports.js';
import type { CreateTransfers } from './create-transfers.js';
import type { OpenAccount } from './open-account.js';

export interface BatchResult {
  batchId: string;
  paid: string[];
  failed: string[];
}

/**
 * Pays approved payouts in one batch through the PayoutProvider. For each payout the provider
 * paid, in one transaction: the reservation posted (`payout:<id>:paid`), the money out of
 * payouts clearing to the bank (`payout:<id>:bank`), the payout marked paid and
 * `finance.payout.processed` in the outbox. A payout the provider refused is voided and marked
 * failed. Transfer ids and the version check make a re-run of the same batch change nothing twice.
 */
export class RunPayoutBatch {
  constructor(private readonly deps: { payouts: PayoutRepository; transfers: CreateTransfers; openAccount: OpenAccount; provider: PayoutProvider; outbox: Outbox; unitOfWork: UnitOfWork; clock: Clock }) {}

  async execute(batchId: string, limit = 200): Promise<BatchResult> {
    const approved = await this.deps.payouts.approvedPayouts(limit);
    const result: BatchResult = { batchId, paid: [], failed: [] };
    if (approved.length === 0) return result;
    const answers = await this.deps.provider.pay(batchId, approved.map((p) => ({
      payoutId: p.id, amountMinor: p.amountMinor, currency: p.currency, holderName: p.holderName, iban: p.iban, bic: p.bic, reference: `payout:${p.id}`,
    })));
    const byId = new Map(answers.map((a) => [a.payoutId, a]));
    const bank = await this.deps.openAccount.execute({ ownerKind: 'gateway_clearing', ownerId: 'bank' });
    for (const payout of approved) {
      const answer = byId.get(payout.id);
      if (!answer) continue; // not in the provider's answer: stays approved for the next batch
      const ok = await this.settle(payout, batchId, answer.ok, answer.providerRef, answer.error ?? null, bank.id);
      if (ok) (answer.ok ? result.paid : result.failed).push(payout.id);
    }
    return result;
  }

  private async settle(payout: Payout, batchId: string, ok: boolean, providerRef: string | null, error: string | null, bankAccountId: string): Promise<boolean> {
    const now = this.deps.clock.now();
    const ids = payoutTransferIds(payout.id);
    const next: Payout = { ...payout, status: ok ? 'paid' : 'failed', batchId, providerRef, reason: ok ? payout.reason : error, version: payout.version + 1, updatedAt: now.toISOString() };
    return this.deps.unitOfWork.transaction(async () => {
      if (!(await this.deps.payouts.updatePayout(next, payout.version))) return false;
      if (ok) {
        await this.deps.transfers.execute([
          { id: ids.paid, kind: 'post_pending', pendingId: ids.request },
          { id: ids.sent, debitAccountId: `payouts_clearing:platform`, creditAccountId: bankAccountId, amountMinor: payout.amountMinor, currency: payout.currency, code: 'payout_sent', reference: `payout:${payout.id}` },
        ]);
        await this.deps.outbox.add([payoutProcessedEvent(next, now)]);
      } else {
        await this.deps.transfers.execute([{ id: ids.failed, kind: 'void_pending', pendingId: ids.request }]);
      }
      return true;
    });
  }
}
