import { UnrecoverableError, type Job } from 'bullmq';
import type { DomainEvent } from '../../domain/shared/events.js';
import type { NotifyEvent } from '../../domain/notification/use-cases/notify-event.js';
import type { SendNotification, SendOutcome } from '../../domain/notification/use-cases/send-notification.js';
import type { RunBulkSend } from '../../domain/notification/use-cases/bulk-send.js';
import { eventConsumer, type ConsumerDeps } from '../consume.js';
import { bulkJobSchema, channelJobSchema } from '../queues.js';

/** The notifications consumer: one outbox event becomes a job per recipient and channel (NotifyEvent). */
export function notificationsProcessor(deps: ConsumerDeps & { notifyEvent: NotifyEvent }) {
  return eventConsumer('notifications', deps, async (event: DomainEvent) => {
    await deps.notifyEvent.execute(event);
  });
}

/**
 * One channel's jobs (notify-email, notify-sms, notify-push, notify-in-app). A
 * provider that is down fails the job, which BullMQ retries with backoff; the
 * last attempt records the failure instead of releasing the claim.
 */
export function channelProcessor(deps: { sendNotification: SendNotification }) {
  return async (job: Job): Promise<{ outcome: SendOutcome }> => {
    const parsed = channelJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid channel job: ${parsed.error.issues[0]?.message ?? 'schema'}`);
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    return { outcome: await deps.sendNotification.execute(parsed.data, { lastAttempt }) };
  };
}

/** A bulk send's fan-out: pages through the segment, queues the channel jobs, reports progress on the job. */
export function bulkProcessor(deps: { runBulkSend: RunBulkSend }) {
  return async (job: Job): Promise<{ bulkId: string; recipients: number }> => {
    const parsed = bulkJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError('invalid notify-bulk job');
    const recipients = await deps.runBulkSend.execute(parsed.data.bulkId, (done) => job.updateProgress(done));
    return { bulkId: parsed.data.bulkId, recipients };
  };
}
