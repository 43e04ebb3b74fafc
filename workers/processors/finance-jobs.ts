import { UnrecoverableError, type Job } from 'bullmq';
import type { RunPayoutBatch, BatchResult } from '../../domain/finance/use-cases/run-payout-batch.js';
import type { ReconcileLedger } from '../../domain/finance/use-cases/reconcile-ledger.js';
import { payoutBatchJobSchema, reconciliationJobSchema } from '../queues.js';

/** The nightly reconciliation: 02:30 UTC, after the day's last deliveries have settled. */
export const RECONCILIATION_CRON = { pattern: '30 2 * * *', tz: 'UTC' };
export const RECONCILIATION_OPTIONS = { lookbackDays: 3, graceMinutes: 60 };

/**
 * A payout batch: the admin's trigger names its batch; a scheduled run's is made from its job's timestamp, which
 * BullMQ keeps across the job's own retries, so a retried run resumes the same batch.
 * Idempotent (RunPayoutBatch claims each payout once and keys every provider call by payout id).
 */
export function payoutBatchProcessor(deps: { runPayoutBatch: RunPayoutBatch }) {
  return async (job: Job): Promise<BatchResult> => {
    const parsed = payoutBatchJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError('invalid payout batch job');
    const batchId = parsed.data.batchId ?? `scheduled-${new Date(job.timestamp).toISOString().replace(/[^0-9]/g, '').slice(0, 14)}`;
    return deps.runPayoutBatch.execute(batchId);
  };
}

/** The reconciliation run, named by its job's day (a retry of the same night writes under the same run id). */
export function reconciliationProcessor(deps: { reconcileLedger: ReconcileLedger }) {
  return async (job: Job): Promise<{ runId: string; checkedOrders: number; mismatches: number }> => {
    if (!reconciliationJobSchema.safeParse(job.data).success) throw new UnrecoverableError('invalid reconciliation job');
    const runId = `recon-${new Date(job.timestamp).toISOString().replace(/[^0-9]/g, '').slice(0, 12)}`;
    const report = await deps.reconcileLedger.execute(runId, RECONCILIATION_OPTIONS);
    return { runId, checkedOrders: report.checkedOrders, mismatches: report.mismatches.length };
  };
}
