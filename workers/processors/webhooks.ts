import { UnrecoverableError, type Job } from 'bullmq';
import { domainEventSchema, type DomainEvent } from '../../domain/shared/events.js';
import type { FanOutEvent } from '../../domain/webhooks/use-cases/fan-out-event.js';
import type { AttemptDelivery } from '../../domain/webhooks/use-cases/attempt-delivery.js';
import { CONSUMERS, webhookAttemptJobSchema } from '../queues.js';

/**
 * The webhooks consumer: an event becomes its messages. Idempotent without a
 * processed-events record: messages are unique per endpoint and event, and the
 * first attempts' job ids dedupe, so a redelivered event changes nothing.
 */
export function webhooksProcessor(deps: { fanOutEvent: FanOutEvent }) {
  const accepted: readonly string[] = CONSUMERS.webhooks.events;
  return async (job: Job): Promise<{ eventId: string; messages: number }> => {
    const parsed = domainEventSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid event job: ${parsed.error.issues[0]?.message ?? 'schema'}`);
    if (!accepted.includes(parsed.data.type)) throw new UnrecoverableError(`webhooks does not consume ${parsed.data.type}`);
    const { messages } = await deps.fanOutEvent.execute(parsed.data as DomainEvent);
    return { eventId: parsed.data.id, messages };
  };
}

/** One attempt of one message; a failed attempt is logged and rescheduled by the use case, never thrown. */
export function webhookAttemptsProcessor(deps: { attemptDelivery: AttemptDelivery }) {
  return async (job: Job): Promise<{ messageId: string; attempt: number; outcome: string }> => {
    const parsed = webhookAttemptJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid webhook attempt job: ${parsed.error.issues[0]?.message ?? 'schema'}`);
    const outcome = await deps.attemptDelivery.execute(parsed.data.messageId, parsed.data.attempt);
    return { ...parsed.data, outcome };
  };
}
