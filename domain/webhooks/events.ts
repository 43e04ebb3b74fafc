import { z } from 'zod';
import { defineEvent, type NewEvent } from '../shared/events.js';
import type { WebhookEndpoint } from './model.js';

const id = z.string().min(1).max(128);

/** The owner is told through this event (the notification consumer picks it up). */
export const webhookEndpointDisabled = defineEvent({
  type: 'webhooks.endpoint.disabled',
  version: 1,
  aggregateType: 'webhook_endpoint',
  description: 'A webhook endpoint failed continuously past the limit and was disabled; its owner is to be told.',
  payload: z.strictObject({ endpointId: id, storeId: id.nullable(), ownerId: id, url: z.string().max(2048), failingSince: z.iso.datetime(), at: z.iso.datetime() }),
});

export const WEBHOOK_EVENTS = [webhookEndpointDisabled] as const;

export function endpointDisabledEvent(e: WebhookEndpoint, at: Date): NewEvent {
  const p = e.toProps();
  return {
    type: webhookEndpointDisabled.type, aggregateId: p.id, aggregateVersion: p.version, occurredAt: at.toISOString(),
    payload: { endpointId: p.id, storeId: p.storeId, ownerId: p.createdBy, url: p.url, failingSince: p.failingSince ?? at.toISOString(), at: at.toISOString() },
  };
}
