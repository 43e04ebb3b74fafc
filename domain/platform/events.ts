import { z } from 'zod';
import { defineEvent, EventCatalog, type NewEvent } from '../shared/events.js';
import { DELIVERY_EVENTS } from '../delivery/events.js';
import { CATALOG_PRODUCT_EVENTS } from '../catalog/product-events.js';
import { CATALOG_STORE_EVENTS } from '../catalog/store-events.js';
import { storeZoneChanged } from '../catalog/store-zone.js';
import { settingChanged } from './setting-events.js';
import { CART_EVENTS } from '../ordering/cart-events.js';
import { ORDER_EVENTS } from '../ordering/order-events.js';
import { PAYMENT_EVENTS } from '../ordering/payment-events.js';
import { CHECKOUT_EVENTS } from '../ordering/checkout-events.js';
import { WEBHOOK_EVENTS } from '../webhooks/events.js';
import { FINANCE_EVENTS } from '../finance/payout-events.js';
import { TOP_UP_EVENTS } from '../finance/top-up.js';
import { IDENTITY_EVENTS } from '../identity/events.js';
import { DISPATCH_EVENTS } from '../dispatch/events.js';
import type { RecordAuditEntryInput } from './use-cases/record-audit-entry.js';

export const auditEntryInput = z.strictObject({
  id: z.string().min(1).max(128),
  actor: z.strictObject({ id: z.string().max(128).nullable(), role: z.string().min(1).max(32) }),
  action: z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/).max(100),
  resource: z.strictObject({ type: z.string().min(1).max(64), id: z.string().max(128).nullable().optional() }),
  outcome: z.enum(['success', 'failure']).optional(),
  origin: z.strictObject({ ip: z.string().max(64).nullable().optional(), userAgent: z.string().max(512).nullable().optional(), requestId: z.string().max(128).nullable().optional() }).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

/**
 * A process without the audit log at hand (the hub, a worker) asks for an audit
 * entry in the same transaction as the change it records; the audit consumer writes it.
 */
export const auditEntryRequested = defineEvent({
  type: 'platform.audit_entry.requested',
  version: 1,
  aggregateType: 'audit_entry',
  description: 'An audit entry is to be written; the entry id makes writing it twice a no-op.',
  payload: auditEntryInput,
});

export function auditEntryEvent(input: RecordAuditEntryInput & { id: string }, at: Date): NewEvent {
  return { type: auditEntryRequested.type, aggregateId: input.id, aggregateVersion: 1, occurredAt: at.toISOString(), payload: input };
}

/** Every event type of every context, the one list the outbox accepts and docs/events.md is generated from. */
export const EVENTS = new EventCatalog([...DELIVERY_EVENTS, auditEntryRequested, settingChanged, ...CATALOG_PRODUCT_EVENTS, ...CATALOG_STORE_EVENTS, storeZoneChanged, ...PAYMENT_EVENTS, ...ORDER_EVENTS, ...CART_EVENTS, ...CHECKOUT_EVENTS, ...WEBHOOK_EVENTS, ...IDENTITY_EVENTS, ...DISPATCH_EVENTS, ...FINANCE_EVENTS, ...TOP_UP_EVENTS]);
