import { z } from 'zod';
import { defineEvent, type NewEvent } from '../shared/events.js';
import type { Offer } from './model.js';

const id = z.string().min(1).max(128);
const at = z.iso.datetime();
const point = z.strictObject({ lat: z.number().min(-90).max(90), lng: z.number().min(-180).max(180) });

export const offerMade = defineEvent({
  type: 'dispatch.offer.made',
  version: 1,
  aggregateType: 'offer',
  description: 'Dispatch offered a delivery to one courier until expiresAt (the hubs push it as offer:new; the courier is also notified).',
  payload: z.strictObject({ offerId: id, deliveryId: id, orderId: id, courierId: id, round: z.number().int().min(1), pickup: point, dropoff: point, feeMinor: z.number().int().min(0), cash: z.boolean(), expiresAt: at, at }),
});

export const offerEnded = defineEvent({
  type: 'dispatch.offer.ended',
  version: 1,
  aggregateType: 'offer',
  description: 'An offer ended, exactly once: accepted, declined or expired (by its timer, a disconnect or a withdrawal).',
  payload: z.strictObject({ offerId: id, deliveryId: id, orderId: id, courierId: id, round: z.number().int().min(1), status: z.enum(['accepted', 'declined', 'expired']), reason: z.string().max(200).nullable(), at }),
});

export const dispatchAlertRaised = defineEvent({
  type: 'dispatch.alert.raised',
  version: 1,
  aggregateType: 'delivery',
  description: 'No courier took the delivery after the configured number of rounds: ops should step in.',
  payload: z.strictObject({ deliveryId: id, orderId: id, round: z.number().int().min(1), radiusM: z.number().int().min(0), at }),
});

export const dispatchReopened = defineEvent({
  type: 'dispatch.delivery.reopened',
  version: 1,
  aggregateType: 'delivery',
  description: 'A dispatcher unassigned the courier: dispatch looks for another one, never asking the courier who was taken off it.',
  payload: z.strictObject({ deliveryId: id, orderId: id, previousCourierId: id, reason: z.string().max(500).nullable(), at }),
});

export const DISPATCH_EVENTS = [offerMade, offerEnded, dispatchAlertRaised, dispatchReopened] as const;

export const offerMadeEvent = (o: Offer): NewEvent => ({
  type: offerMade.type,
  aggregateId: o.id,
  aggregateVersion: 1,
  occurredAt: o.offeredAt,
  payload: { offerId: o.id, deliveryId: o.deliveryId, orderId: o.orderId, courierId: o.courierId, round: o.round, pickup: { ...o.pickup }, dropoff: { ...o.dropoff }, feeMinor: o.feeMinor, cash: o.cash, expiresAt: o.expiresAt, at: o.offeredAt },
});

export const offerEndedEvent = (o: Offer): NewEvent => ({
  type: offerEnded.type,
  aggregateId: o.id,
  aggregateVersion: 2,
  occurredAt: o.endedAt!,
  payload: { offerId: o.id, deliveryId: o.deliveryId, orderId: o.orderId, courierId: o.courierId, round: o.round, status: o.status, reason: o.endReason, at: o.endedAt },
});

type OfferMadePayload = z.infer<typeof offerMade.payload>;
type OfferEndedPayload = z.infer<typeof offerEnded.payload>;

/**
 * An offer event as the hubs carry it (best effort, from the relay): the hub
 * holding the courier's sockets pushes `offer:new` or `offer:ended` to them.
 */
export type OfferNotice = ({ type: typeof offerMade.type } & OfferMadePayload) | ({ type: typeof offerEnded.type } & OfferEndedPayload);

/** The hubs' shape of an outbox offer event; null for any other type. */
export function offerNoticeFromOutbox(event: { type: string; payload: unknown }): OfferNotice | null {
  if (event.type === offerMade.type) return { type: offerMade.type, ...(event.payload as OfferMadePayload) };
  if (event.type === offerEnded.type) return { type: offerEnded.type, ...(event.payload as OfferEndedPayload) };
  return null;
}

/** The schema of an OfferNotice on the hubs' channel. */
export const offerNoticeSchema = z.discriminatedUnion('type', [
  offerMade.payload.extend({ type: z.literal(offerMade.type) }),
  offerEnded.payload.extend({ type: z.literal(offerEnded.type) }),
]);
