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

/** A payout could not be paid (refused by the provider, or retries gave up): its reservation is voided and admins are alerted. */
export const payoutFailed = defineEvent({
  type: 'finance.payout.failed',
  version: 1,
  aggregateType: 'payout',
  description: "A payout failed at the payout provider (refused, or still failing after finance.payoutMaxAttempts tries): the reserved amount is back in the owner's balance; admins are alerted.",
  payload: z.strictObject({
    payoutId: id,
    ownerKind: z.enum(PAYOUT_OWNERS),
    ownerId: id,
    accountId: id,
    amountMinor: z.number().int().positive(),
    currency: z.string().regex(/^[A-Z]{3}$/),
    attempts: z.number().int().min(0),
    error: z.string().max(500),
    at: z.iso.datetime(),
  }),
});

/** The nightly reconciliation found the ledger out of line with payments or orders: admins are alerted. */
export const reconciliationMismatchFound = defineEvent({
  type: 'finance.reconciliation.mismatch_found',
  version: 1,
  aggregateType: 'reconciliation',
  description: 'The reconciliation run found mismatches between the ledger and orders or payments (one event per run that found any); each is also an audit entry.',
  payload: z.strictObject({
    runId: id,
    mismatches: z.number().int().positive(),
    /** Mismatch kinds and how many of each, e.g. delivered_order_not_settled: 2. */
    kinds: z.record(z.string(), z.number().int().positive()),
    /** The first few, for the alert's text. */
    sample: z.string().max(1_000),
    at: z.iso.datetime(),
  }),
});

export const FINANCE_EVENTS = [payoutProcessed, payoutFailed, reconciliationMismatchFound] as const;

export const payoutProcessedEvent = (p: Payout, at: Date): NewEvent => ({
  type: payoutProcessed.type, aggregateId: p.id, aggregateVersion: p.version, occurredAt: at.toISOString(),
  payload: { payoutId: p.id, ownerKind: p.ownerKind, ownerId: p.ownerId, accountId: p.recipientAccountId, amountMinor: p.amountMinor, currency: p.currency, providerRef: p.providerRef, at: at.toISOString() },
});

export const payoutFailedEvent = (p: Payout, error: string, at: Date): NewEvent => ({
  type: payoutFailed.type, aggregateId: p.id, aggregateVersion: p.version, occurredAt: at.toISOString(),
  payload: { payoutId: p.id, ownerKind: p.ownerKind, ownerId: p.ownerId, accountId: p.recipientAccountId, amountMinor: p.amountMinor, currency: p.currency, attempts: p.attempts, error: error.slice(0, 500), at: at.toISOString() },
});
