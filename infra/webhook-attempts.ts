import type { AttemptScheduler, ScheduledAttempt } from '../domain/webhooks/ports.js';
import { QUEUES } from '../workers/queues.js';
import type { Queues } from './queues.js';

const jobIdOf = (a: ScheduledAttempt) => `${a.messageId}_${a.attempt}${a.wait ? `_w${Date.now().toString(36)}` : ''}`;

/** Attempts as BullMQ jobs: immediate ones in one round trip, later ones as delayed jobs; the job id makes a repeat a no-op. */
export class QueuedAttemptScheduler implements AttemptScheduler {
  constructor(private readonly queues: Queues) {}

  async schedule(attempts: readonly ScheduledAttempt[]): Promise<void> {
    const now = attempts.filter((a) => a.delayMs <= 0);
    const later = attempts.filter((a) => a.delayMs > 0);
    // Chunks keep one Redis call small when an event fans out to thousands of endpoints.
    for (let i = 0; i < now.length; i += 500) {
      await this.queues.addBulk(QUEUES.webhookAttempts, now.slice(i, i + 500).map((a) => ({ payload: { messageId: a.messageId, attempt: a.attempt }, jobId: jobIdOf(a) })));
    }
    for (const a of later) await this.queues.add(QUEUES.webhookAttempts, { messageId: a.messageId, attempt: a.attempt }, { jobId: jobIdOf(a), delay: Math.round(a.delayMs) });
  }
}
