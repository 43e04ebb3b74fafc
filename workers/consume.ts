import { UnrecoverableError, type Job } from 'bullmq';
import { isAppError } from '../domain/shared/errors.js';
import type { Clock } from '../domain/shared/ids.js';
import { domainEventSchema, type DomainEvent, type ProcessedEvents, type UnitOfWork } from '../domain/shared/events.js';
import { CONSUMERS, type ConsumerName } from './queues.js';

export interface ConsumerDeps {
  unitOfWork: UnitOfWork;
  processedEvents: ProcessedEvents;
  clock: Clock;
}

/**
 * A BullMQ processor for one consumer of outbox events. The event id is
 * recorded in the transaction of the handler's own writes, so a redelivered
 * event (the relay publishes at least once) is ignored, and a handler that
 * fails leaves no record and is retried. An invalid job is unrecoverable.
 */
export function eventConsumer(consumer: ConsumerName, deps: ConsumerDeps, handle: (event: DomainEvent) => Promise<void>) {
  const accepted: readonly string[] = CONSUMERS[consumer].events;
  return async (job: Job): Promise<{ eventId: string; duplicate: boolean }> => {
    const parsed = domainEventSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid event job: ${parsed.error.issues[0]?.message ?? 'schema'}`);
    const event = parsed.data as DomainEvent;
    if (!accepted.includes(event.type)) throw new UnrecoverableError(`${consumer} does not consume ${event.type}`);
    try {
      const first = await deps.unitOfWork.transaction(async () => {
        if (!(await deps.processedEvents.record(consumer, event.id, deps.clock.now()))) return false;
        await handle(event);
        return true;
      });
      return { eventId: event.id, duplicate: !first };
    } catch (err) {
      if (isAppError(err) && err.code === 'VALIDATION_ERROR') throw new UnrecoverableError(err.message);
      throw err;
    }
  };
}
