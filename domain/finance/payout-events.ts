import { z } from 'zod';
import { defineEvent, type NewEvent } from '../shared/events.js';
import { PAYOUT_OWNERS, type Payout } from './payout.js';

const id = z.string().min(1).max(128);

/** A payout reached the owner's bank: the ledger moved it and the owner is told. */
export const payoutProcessed = defineEvent({
  type: 'finance.payout.processed',
  version: 1,
  aggregateType: 'payout',
  description: "A payout was paid through the payout provider: the reserved amount left the owner's balance for their bank.",
  payload: z.strictObject({
    payoutId: id,
    ownerKind: z.enum(PAYOUT_OWNERS),
    ownerId: id,
    /** The account to tell: the store's owner, or the courier. */
    accountId: id,
    amountMinor: z.number().int().positive(),
    currency: z.string().regex(/^[A-Z]{3}$/),
    providerRef: z.string().max(255).nullable(),
    at: z.iso.datetime(),
  }),
});

export const FINANCE_EVENTS = [payoutProcessed] as const;

export const payoutProcessedEvent = (p: Payout, at: Date): NewEvent => ({
  type: payoutProcessed.type, aggregateId: p.id, aggregateVersion: p.version, occurredAt: at.toISOString(),
  payload: { payoutId: p.id, ownerKind: p.ownerKind, ownerId: p.ownerId, accountId: p.recipientAccountId, amountMinor: p.amountMinor, currency: p.currency, providerRef: p.providerRef, at: at.toISOString() },
});
