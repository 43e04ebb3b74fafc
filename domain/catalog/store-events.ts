import { z } from 'zod';
import { defineEvent, type NewEvent } from '../shared/events.js';
import { isListedStore, STORE_STATUSES, type Store } from './model.js';
import { STORE_VERIFICATION_STATUSES } from './store-verification.js';

const id = z.string().min(1).max(128);
const at = z.iso.datetime();
/**
 * Created and updated carry the store's state after the change: enough for a
 * consumer (search, zones, caches) to decide whether the store is listed and
 * where it is, without reading it back.
 */
const storePayload = z.strictObject({
  storeId: id,
  ownerId: id,
  status: z.enum(STORE_STATUSES),
  verificationStatus: z.enum(STORE_VERIFICATION_STATUSES),
  listed: z.boolean(),
  cuisine: z.string().max(60).nullable(),
  location: z.strictObject({ lat: z.number().min(-90).max(90), lng: z.number().min(-180).max(180) }),
  at,
});

export const storeCreated = defineEvent({
  type: 'catalog.store.created',
  version: 1,
  aggregateType: 'store',
  description: 'A store owner opened a store (unverified, so not yet listed).',
  payload: storePayload,
});

export const storeUpdated = defineEvent({
  type: 'catalog.store.updated',
  version: 1,
  aggregateType: 'store',
  description: 'A store changed: profile, hours, temporary closure, logo, status, or a verification document was added.',
  payload: storePayload,
});

export const storeVerificationDecided = defineEvent({
  type: 'catalog.store.verification_decided',
  version: 1,
  aggregateType: 'store',
  description: 'A verifier approved or rejected a store; an approved, open store is listed from now on.',
  payload: z.strictObject({ storeId: id, ownerId: id, decision: z.enum(['approved', 'rejected']), reason: z.string().max(500).nullable(), decidedBy: id, listed: z.boolean(), at }),
});

export const CATALOG_STORE_EVENTS = [storeCreated, storeUpdated, storeVerificationDecided] as const;

export function storeEvent(type: 'created' | 'updated', store: Store, at: Date): NewEvent {
  const p = store.toProps();
  return {
    type: type === 'created' ? storeCreated.type : storeUpdated.type,
    aggregateId: p.id,
    aggregateVersion: p.version,
    occurredAt: at.toISOString(),
    payload: { storeId: p.id, ownerId: p.ownerId, status: p.status, verificationStatus: p.verification.status, listed: isListedStore(p), cuisine: p.cuisine, location: { lat: p.location.lat, lng: p.location.lng }, at: at.toISOString() },
  };
}

export function verificationDecidedEvent(store: Store, at: Date): NewEvent {
  const p = store.toProps();
  return {
    type: storeVerificationDecided.type,
    aggregateId: p.id,
    aggregateVersion: p.version,
    occurredAt: at.toISOString(),
    payload: { storeId: p.id, ownerId: p.ownerId, decision: p.verification.status, reason: p.verification.reason, decidedBy: p.verification.decidedBy, listed: isListedStore(p), at: at.toISOString() },
  };
}
