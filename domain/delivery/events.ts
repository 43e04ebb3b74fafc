import { z } from 'zod';
import { defineEvent, type NewEvent } from '../shared/events.js';
import { DELIVERY_STATUSES, type DeliveryEvent } from './model.js';

const id = z.string().min(1).max(128);
const at = z.iso.datetime();
const status = z.enum(DELIVERY_STATUSES);

export const deliveryCreated = defineEvent({
  type: 'delivery.delivery.created',
  version: 1,
  aggregateType: 'delivery',
  description: 'A store owner or an admin created the delivery of one order.',
  payload: z.strictObject({ deliveryId: id, orderId: id, storeId: id, at }),
});

export const courierAssigned = defineEvent({
  type: 'delivery.courier.assigned',
  version: 1,
  aggregateType: 'delivery',
  description: 'A courier was assigned to the delivery (or replaced the one assigned before pickup).',
  payload: z.strictObject({ deliveryId: id, orderId: id, courierId: id, at }),
});

export const deliveryStatusChanged = defineEvent({
  type: 'delivery.status.changed',
  version: 1,
  aggregateType: 'delivery',
  description: 'The delivery moved along its transition table (arrival, pickup, delivery, cancellation, failure, unassignment).',
  payload: z.strictObject({ deliveryId: id, orderId: id, from: status, to: status, courierId: id.nullable(), reason: z.string().max(500).nullable(), at }),
});

export const DELIVERY_EVENTS = [deliveryCreated, courierAssigned, deliveryStatusChanged] as const;

/** The model's event names (also the hubs' channel message `type`) and their outbox types. */
const OUTBOX_TYPE: Record<DeliveryEvent['type'], string> = {
  'delivery.created': deliveryCreated.type,
  'delivery.courier_assigned': courierAssigned.type,
  'delivery.status_changed': deliveryStatusChanged.type,
};
const MODEL_TYPE = Object.fromEntries(Object.entries(OUTBOX_TYPE).map(([k, v]) => [v, k])) as Record<string, DeliveryEvent['type']>;

/** The delivery's raised events as outbox events, stamped with the version the save wrote. */
export function toOutboxEvents(events: readonly DeliveryEvent[], aggregateVersion: number): NewEvent[] {
  return events.map(({ type, ...payload }) => ({ type: OUTBOX_TYPE[type], aggregateId: payload.deliveryId, aggregateVersion, occurredAt: payload.at, payload }));
}

/** The model's event back from an outbox event; null for any other type. */
export function fromOutboxEvent(event: { type: string; payload: unknown }): DeliveryEvent | null {
  const type = MODEL_TYPE[event.type];
  return type ? ({ type, ...(event.payload as object) } as DeliveryEvent) : null;
}
