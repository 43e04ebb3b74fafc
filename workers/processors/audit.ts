import { UnrecoverableError, type Job } from 'bullmq';
import { isAppError } from '../../domain/shared/errors.js';
import type { RecordAuditEntry } from '../../domain/platform/use-cases/record-audit-entry.js';
import { auditJobSchema } from '../queues.js';

/**
 * Writes audit entries sent by other processes (hub, workers). Idempotent: the
 * entry id is the job id and the repository appends once per id.
 */
export function auditProcessor(deps: { recordAuditEntry: RecordAuditEntry }) {
  return async (job: Job): Promise<{ id: string }> => {
    const parsed = auditJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid audit job: ${parsed.error.issues[0]?.message ?? 'schema'}`);
    try {
      const entry = await deps.recordAuditEntry.execute(parsed.data);
      return { id: entry.id };
    } catch (err) {
      if (isAppError(err) && err.code === 'VALIDATION_ERROR') throw new UnrecoverableError(err.message);
      throw err;
    }
  };
}
