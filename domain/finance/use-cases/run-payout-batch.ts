import type { Outbox, UnitOfWork } from '../../shared/events.js';
import type { Clock } from '../../shared/ids.js';
import type { SettingsReader } from '../../platform/ports.js';
import { auditEntryEvent } from '../../platform/events.js';
import { payoutFailedEvent, payoutProcessedEvent } from '../payout-events.js';
import { PAYOUT_CLAIM_LEASE_MS, payoutIdempotencyKey, payoutRetryDelayMs, payoutTransferIds, type Payout } from '../payout.js';
import type { PayoutAnswer, PayoutInstruction, PayoutProvider, PayoutRepository } from '../ports.js';
import type { CreateTransfers } from './create-transfers.js';
import type { OpenAccount } from './open-account.js';

export interface BatchResult {
  batchId: string;
  paid: string[];
  /** Accepted by the provider; paid or failed later (polled by the next runs). */
  inTransit: string[];
  failed: string[];
  /** Not accepted this time; sent again after their backoff. */
  retrying: string[];
}

export interface RunPayoutBatchDeps {
  payouts: PayoutRepository;
  transfers: CreateTransfers;
  openAccount: OpenAccount;
  provider: PayoutProvider;
  outbox: Outbox;
  unitOfWork: UnitOfWork;
  liveSettings: SettingsReader;
  clock: Clock;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 500);

/**
 * Pays due payouts through the PayoutProvider, surviving a crash at any point:
 * 1. **claim**: each payout moves to `sending` (version-checked, so two runs never both claim it)
 *    with its batch, one more attempt and a lease; a crashed run's claims come due again when
 *    the lease ends;
 * 2. **send**: the provider gets each payout under its idempotency key (`payout:<id>`), the same
 *    on every attempt, so a resumed or repeated send pays nobody twice; a resumed payout goes
 *    again in the batch it was first claimed for;
 * 3. **record**, one transaction per payout: paid → the reservation posted, the money out of
 *    payouts clearing to the bank, `finance.payout.processed`; in transit → wait (polled by
 *    later runs); failed, or retries exhausted → the reservation voided, `finance.payout.failed`
 *    (admins alerted) and an audit entry; retry → `sending` again after a growing backoff.
 */
export class RunPayoutBatch {
  constructor(private readonly deps: RunPayoutBatchDeps) {}

  async execute(batchId: string, limit = 200): Promise<BatchResult> {
    const result: BatchResult = { batchId, paid: [], inTransit: [], failed: [], retrying: [] };
    const claimed = await this.claim(await this.deps.payouts.duePayouts(this.deps.clock.now(), limit), batchId);
    for (const [batch, group] of groupByBatch(claimed)) {
      const answers = await this.deps.provider.pay(batch, group.map(instructionOf)).catch((err: unknown) =>
        group.map((p): PayoutAnswer => ({ payoutId: p.id, outcome: 'retry', providerRef: null, error: message(err) })));
      const byId = new Map(answers.map((a) => [a.payoutId, a]));
      for (const payout of group) {
        const answer = byId.get(payout.id) ?? { payoutId: payout.id, outcome: 'retry', providerRef: null, error: 'the provider did not answer for this payout' };
        await this.record(payout, answer, result);
      }
    }
    await this.poll(limit, result);
    return result;
  }

  /**
   * The provider's webhook: verified and read by the provider, then recorded like a poll's answer
   * (an in-transit payout becomes paid or failed once; anything else is acknowledged and ignored,
   * so a redelivered or out-of-date notice changes nothing).
   */
  async webhook(rawBody: string, signature: string | undefined): Promise<{ payoutId: string | null; outcome: 'applied' | 'ignored' }> {
    const answer = this.deps.provider.readWebhook(rawBody, signature);
    if (!answer || (answer.outcome !== 'paid' && answer.outcome !== 'failed')) return { payoutId: answer?.payoutId ?? null, outcome: 'ignored' };
    const payout = await this.deps.payouts.findPayout(answer.payoutId);
    // Only the transfer the payout is waiting on settles it.
    if (!payout || payout.status !== 'in_transit' || payout.providerRef !== answer.providerRef) return { payoutId: answer.payoutId, outcome: 'ignored' };
    const result: BatchResult = { batchId: payout.batchId ?? '', paid: [], inTransit: [], failed: [], retrying: [] };
    await this.record(payout, answer, result);
    return { payoutId: answer.payoutId, outcome: result.paid.length + result.failed.length > 0 ? 'applied' : 'ignored' };
  }

  private async claim(due: readonly Payout[], batchId: string): Promise<Payout[]> {
    const now = this.deps.clock.now();
    const claimed: Payout[] = [];
    for (const p of due) {
      const next: Payout = {
        ...p, status: 'sending', batchId: p.batchId ?? batchId, attempts: p.attempts + 1,
        nextAttemptAt: new Date(now.getTime() + PAYOUT_CLAIM_LEASE_MS).toISOString(), version: p.version + 1, updatedAt: now.toISOString(),
      };
      if (await this.deps.unitOfWork.transaction(() => this.deps.payouts.updatePayout(next, p.version))) claimed.push(next);
    }
    return claimed;
  }

  private async poll(limit: number, result: BatchResult): Promise<void> {
    const { payouts } = await this.deps.payouts.listPayouts({ status: 'in_transit' }, 0, limit);
    for (const p of payouts) {
      const answer = await this.deps.provider.status(p.id, p.providerRef ?? '').catch(() => null);
      if (answer && (answer.outcome === 'paid' || answer.outcome === 'failed')) await this.record(p, answer, result);
    }
  }

  private async record(payout: Payout, answer: PayoutAnswer, result: BatchResult): Promise<void> {
    const now = this.deps.clock.now();
    const ids = payoutTransferIds(payout.id);
    const base = { ...payout, providerRef: answer.providerRef ?? payout.providerRef, version: payout.version + 1, updatedAt: now.toISOString() };
    const maxAttempts = this.deps.liveSettings.get('finance.payoutMaxAttempts');
    const gaveUp = answer.outcome === 'retry' && payout.attempts >= maxAttempts;
    const outcome = gaveUp ? 'failed' : answer.outcome;
    const error = gaveUp ? `gave up after ${payout.attempts} attempts: ${answer.error ?? 'unknown error'}` : (answer.error ?? null);
    const written = await this.deps.unitOfWork.transaction(async () => {
      if (outcome === 'paid') {
        const next: Payout = { ...base, status: 'paid', nextAttemptAt: null, lastError: null };
        if (!(await this.deps.payouts.updatePayout(next, payout.version))) return false;
        const bank = await this.deps.openAccount.execute({ ownerKind: 'gateway_clearing', ownerId: 'bank' });
        await this.deps.transfers.execute([
          { id: ids.paid, kind: 'post_pending', pendingId: ids.request },
          { id: ids.sent, debitAccountId: 'payouts_clearing:platform', creditAccountId: bank.id, amountMinor: payout.amountMinor, currency: payout.currency, code: 'payout_sent', reference: `payout:${payout.id}` },
        ]);
        await this.deps.outbox.add([payoutProcessedEvent(next, now)]);
      } else if (outcome === 'failed') {
        const reason = error ?? 'refused by the payout provider';
        const next: Payout = { ...base, status: 'failed', reason, nextAttemptAt: null, lastError: reason };
        if (!(await this.deps.payouts.updatePayout(next, payout.version))) return false;
        await this.deps.transfers.execute([{ id: ids.failed, kind: 'void_pending', pendingId: ids.request }]);
        await this.deps.outbox.add([payoutFailedEvent(next, reason, now), auditEntryEvent({
          id: `payout:${payout.id}:failed`, actor: { id: null, role: 'system' }, action: 'finance.payout_failed', resource: { type: 'payout', id: payout.id }, outcome: 'failure',
          metadata: { provider: this.deps.provider.name, attempts: payout.attempts, error: reason, amountMinor: payout.amountMinor },
        }, now)]);
      } else if (outcome === 'in_transit') {
        const next: Payout = { ...base, status: 'in_transit', nextAttemptAt: null, lastError: null };
        if (!(await this.deps.payouts.updatePayout(next, payout.version))) return false;
      } else {
        const next: Payout = { ...base, status: 'sending', nextAttemptAt: new Date(now.getTime() + payoutRetryDelayMs(payout.attempts)).toISOString(), lastError: error };
        if (!(await this.deps.payouts.updatePayout(next, payout.version))) return false;
      }
      return true;
    });
    if (!written) return;
    ({ paid: result.paid, in_transit: result.inTransit, failed: result.failed, retry: result.retrying })[outcome].push(payout.id);
  }
}

function instructionOf(p: Payout): PayoutInstruction {
  return {
    payoutId: p.id, idempotencyKey: payoutIdempotencyKey(p.id), connectedAccountId: p.connectedAccountId, amountMinor: p.amountMinor, currency: p.currency,
    holderName: p.holderName, iban: p.iban, bic: p.bic, reference: `payout:${p.id}`,
  };
}

function groupByBatch(payouts: readonly Payout[]): Map<string, Payout[]> {
  const groups = new Map<string, Payout[]>();
  for (const p of payouts) groups.set(p.batchId!, [...(groups.get(p.batchId!) ?? []), p]);
  return groups;
}
