import { UnrecoverableError, type Job } from 'bullmq';
import type { SettingsReader } from '../../domain/platform/ports.js';
import type { BatchRoundReport, RunBatchRound } from '../../domain/dispatch/use-cases/run-batch-round.js';
import { dispatchBatchJobSchema } from '../queues.js';

/** The scheduler id of the repeatable batch round (one per deployment, whatever the number of workers). */
export const DISPATCH_BATCH_SCHEDULER = 'dispatch-batch:round';

/**
 * Each run is one batch round over every busy region (RunBatchRound, safe to
 * repeat). The interval is a live setting: when `dispatch.batch.intervalSeconds`
 * no longer matches the schedule, the processor moves the schedule to it, so a
 * settings change takes effect from the next round without a restart.
 */
export function dispatchBatchProcessor(deps: { runBatchRound: Pick<RunBatchRound, 'execute'>; liveSettings: SettingsReader; schedule: { everyMs: number | null; set(everyMs: number): Promise<void> } }) {
  return async (job: Job): Promise<BatchRoundReport> => {
    if (!dispatchBatchJobSchema.safeParse(job.data).success) throw new UnrecoverableError('invalid dispatch-batch job');
    const report = await deps.runBatchRound.execute();
    const everyMs = deps.liveSettings.get('dispatch.batch').intervalSeconds * 1000;
    if (deps.schedule.everyMs !== everyMs) await deps.schedule.set(everyMs);
    return report;
  };
}
