import type { DomainEvent } from '../../shared/events.js';
import type { Clock, IdGenerator } from '../../shared/ids.js';
import { WebhookMessage } from '../model.js';
import { storeOf } from '../event-types.js';
import type { AttemptScheduler, WebhookEndpointRepository, WebhookMessageRepository } from '../ports.js';

/** The body every receiver gets, as Standard Webhooks suggests: type, timestamp, data. */
export const webhookBody = (event: DomainEvent): string => JSON.stringify({ type: event.type, timestamp: event.occurredAt, eventId: event.id, data: event.payload });

/**
 * One committed event becomes one message per enabled endpoint subscribed to
 * it (a store's event: its store's endpoints and platform endpoints), and each
 * new message's first attempt is scheduled at once. Safe to run again for the
 * same event (the relay publishes at least once; the job may retry after a
 * crash): the messages are stored once per endpoint and event, and a repeated
 * schedule adds no second job.
 */
export class FanOutEvent {
  constructor(private readonly deps: { webhookEndpoints: WebhookEndpointRepository; webhookMessages: WebhookMessageRepository; attemptScheduler: AttemptScheduler; clock: Clock; ids: IdGenerator }) {}

  async execute(event: DomainEvent): Promise<{ messages: number }> {
    const endpoints = await this.deps.webhookEndpoints.subscribers(event.type, storeOf(event));
    if (endpoints.length === 0) return { messages: 0 };
    const body = webhookBody(event);
    const now = this.deps.clock.now();
    const stored = await this.deps.webhookMessages.createMany(endpoints.map((e) =>
      WebhookMessage.create({ id: `msg_${this.deps.ids.next().replace(/-/g, '')}`, endpointId: e.id, eventId: event.id, eventType: event.type, aggregateId: `${event.aggregateType}:${event.aggregateId}`, sequence: event.aggregateVersion, occurredAt: event.occurredAt, body, at: now })));
    const first = stored.filter((m) => m.status === 'pending' && m.attempts === 0);
    await this.deps.attemptScheduler.schedule(first.map((m) => ({ messageId: m.id, attempt: 1, delayMs: 0 })));
    return { messages: stored.length };
  }
}
