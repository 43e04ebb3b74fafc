import { z } from 'zod';
import { EVENTS } from '../platform/events.js';
import type { DomainEvent } from '../shared/events.js';

/**
 * Which events an endpoint may subscribe to. An event whose payload names a
 * `storeId` belongs to that store: its store endpoints and platform endpoints
 * receive it. Any other event is a platform event, for platform endpoints only.
 */
const hasStoreId = (schema: unknown): boolean => schema instanceof z.ZodObject && 'storeId' in schema.shape;

/** Every event type the webhooks consumer takes (all of them but internal bookkeeping). */
export const WEBHOOK_EVENT_TYPES: readonly string[] = EVENTS.definitions().filter((d) => d.type !== 'platform.audit_entry.requested').map((d) => d.type).sort();
/** The subset a store endpoint may choose: its own events. */
export const STORE_EVENT_TYPES: readonly string[] = EVENTS.definitions().filter((d) => hasStoreId(d.payload)).map((d) => d.type).sort();

/** The store an event belongs to, or null for a platform event. */
export function storeOf(event: Pick<DomainEvent, 'payload'>): string | null {
  const p = event.payload as { storeId?: unknown } | null;
  return p && typeof p.storeId === 'string' ? p.storeId : null;
}
