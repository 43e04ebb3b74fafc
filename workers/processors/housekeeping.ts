import { UnrecoverableError, type Job } from 'bullmq';
import type { Clock } from '../../domain/shared/ids.js';
import type { OutboxStore, ProcessedEvents } from '../../domain/shared/events.js';
import type { OtpRepository, SessionRepository } from '../../domain/identity/ports.js';
import type { IdempotencyRepository } from '../../domain/platform/ports.js';
import { IDEMPOTENCY_KEEP_MS } from '../../domain/platform/idempotency.js';
import { housekeepingJobSchema, type HousekeepingJob } from '../queues.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * What each housekeeping task deletes, how long it keeps it past expiry (or
 * past publishing) and how often it runs. Expired sessions and tokens are kept
 * a week so a replayed refresh token is still recognised as reuse for a while;
 * processed-event records outlive any redelivery (minutes) by far; idempotency keys are
 * kept the 24 hours a client may retry with them.
 */
export const HOUSEKEEPING_SCHEDULE: readonly { task: HousekeepingJob['task']; keepMs: number; everyMs: number }[] = [
  { task: 'sessions', keepMs: 7 * DAY, everyMs: HOUR },
  { task: 'refresh_tokens', keepMs: 7 * DAY, everyMs: HOUR },
  { task: 'otp_challenges', keepMs: DAY, everyMs: HOUR },
  { task: 'outbox', keepMs: 7 * DAY, everyMs: HOUR },
  { task: 'processed_events', keepMs: 14 * DAY, everyMs: 6 * HOUR },
  { task: 'idempotency_keys', keepMs: IDEMPOTENCY_KEEP_MS, everyMs: HOUR },
];

/** Repeatable purges; each is idempotent (deleting what is already gone deletes nothing). */
export function housekeepingProcessor(deps: { sessions: SessionRepository; otps: OtpRepository; outbox: OutboxStore; processedEvents: ProcessedEvents; idempotencyKeys: IdempotencyRepository; clock: Clock }) {
  const purge: Record<HousekeepingJob['task'], (before: Date) => Promise<number>> = {
    sessions: (b) => deps.sessions.purgeExpiredSessions(b),
    refresh_tokens: (b) => deps.sessions.purgeExpiredRefreshTokens(b),
    otp_challenges: (b) => deps.otps.purgeExpired(b),
    outbox: (b) => deps.outbox.purgePublished(b),
    processed_events: (b) => deps.processedEvents.purgeBefore(b),
    idempotency_keys: (b) => deps.idempotencyKeys.purgeBefore(b),
  };
  return async (job: Job): Promise<{ task: string; deleted: number }> => {
    const parsed = housekeepingJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid housekeeping job: ${parsed.error.issues[0]?.message ?? 'schema'}`);
    const { task } = parsed.data;
    const keepMs = HOUSEKEEPING_SCHEDULE.find((s) => s.task === task)!.keepMs;
    const deleted = await purge[task](new Date(deps.clock.now().getTime() - keepMs));
    return { task, deleted };
  };
}
