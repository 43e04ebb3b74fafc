import { z } from 'zod';
import { AppError } from '../shared/errors.js';
import { defineEvent, type NewEvent } from '../shared/events.js';

/**
 * A wallet top-up by card. pending: made, the card not yet charged (or its answer lost: a retry
 * with the same key carries on); captured: the card was charged and the wallet is credited by
 * the finance consumer from `finance.top_up.captured`; failed: the card was declined, nothing
 * is credited. It leaves `pending` once; nothing moves back.
 */
export const TOP_UP_STATUSES = ['pending', 'captured', 'failed'] as const;
export type TopUpStatus = (typeof TOP_UP_STATUSES)[number];

export interface WalletTopUp {
  id: string;
  customerId: string;
  amountMinor: number;
  currency: string;
  status: TopUpStatus;
  /** The client's Idempotency-Key: one top-up per customer and key. */
  idempotencyKey: string;
  /** The card provider's PaymentIntent, once it answered. */
  providerRef: string | null;
  declineCode: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** The ledger transfer that credits a captured top-up: its id is derived from the top-up's, so it is written once. */
export const topUpTransferId = (topUpId: string): string => `top_up:${topUpId}`;

/** Moves a pending top-up on; false (unchanged) when it already left pending. */
export function settleTopUp(t: WalletTopUp, to: Exclude<TopUpStatus, 'pending'>, at: Date, declineCode: string | null = null): boolean {
  if (t.status !== 'pending') return false;
  t.status = to;
  t.declineCode = to === 'failed' ? declineCode : null;
  t.version += 1;
  t.updatedAt = at.toISOString();
  return true;
}

export const declinedTopUp = (t: WalletTopUp): AppError =>
  new AppError('PAYMENT_DECLINED', 'The card was declined: the wallet was not topped up', { details: [{ field: 'paymentMethodToken', reason: t.declineCode ?? 'declined', message: 'declined' }] });

const id = z.string().min(1).max(128);

export const topUpCaptured = defineEvent({
  type: 'finance.top_up.captured',
  version: 1,
  aggregateType: 'wallet_top_up',
  description: "A wallet top-up's card payment was captured: the finance consumer credits the customer's wallet (once, by the top-up's id).",
  payload: z.strictObject({
    topUpId: id,
    customerId: id,
    amountMinor: z.number().int().positive(),
    currency: z.string().regex(/^[A-Z]{3}$/),
    providerRef: z.string().max(255).nullable(),
    at: z.iso.datetime(),
  }),
});

export const TOP_UP_EVENTS = [topUpCaptured] as const;

export const topUpCapturedEvent = (t: WalletTopUp, at: Date): NewEvent => ({
  type: topUpCaptured.type, aggregateId: t.id, aggregateVersion: t.version, occurredAt: at.toISOString(),
  payload: { topUpId: t.id, customerId: t.customerId, amountMinor: t.amountMinor, currency: t.currency, providerRef: t.providerRef, at: at.toISOString() },
});
