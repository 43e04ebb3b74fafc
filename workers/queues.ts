import { z } from 'zod';
import { domainEventSchema } from '../domain/shared/events.js';
import { DELIVERY_EVENTS, deliveryStatusChanged } from '../domain/delivery/events.js';
import { auditEntryRequested } from '../domain/platform/events.js';
import { ORDER_EVENT_BY_STATUS } from '../domain/ordering/order-events.js';
import { WEBHOOK_EVENT_TYPES } from '../domain/webhooks/event-types.js';
import { TRIGGER_EVENT_TYPES } from '../domain/notification/triggers.js';
import { CATEGORIES, CHANNELS } from '../domain/notification/model.js';
import { paymentCaptured, paymentRefunded } from '../domain/ordering/payment-events.js';
import { offerEnded } from '../domain/dispatch/events.js';
import { topUpCaptured } from '../domain/finance/top-up.js';

/**
 * Every queue and its job payload schema, in one place. Producers validate
 * before adding; processors validate again and reject invalid jobs as
 * unrecoverable so they are never retried.
 */
export const QUEUES = {
  audit: 'audit',
  housekeeping: 'housekeeping',
  stockReservations: 'stock-reservations',
  cartExpiry: 'cart-expiry',
  payments: 'payments',
  orders: 'orders',
  orderAutoReject: 'order-auto-reject',
  webhooks: 'webhooks',
  webhookAttempts: 'webhook-attempts',
  notifications: 'notifications',
  notifyEmail: 'notify-email',
  notifySms: 'notify-sms',
  notifyPush: 'notify-push',
  notifyInApp: 'notify-in-app',
  notifyBulk: 'notify-bulk',
  finance: 'finance',
  dispatch: 'dispatch',
  dispatchRounds: 'dispatch-rounds',
  offerExpiry: 'offer-expiry',
  payoutBatches: 'payout-batches',
  ledgerExpiry: 'ledger-expiry',
  dispatchBatch: 'dispatch-batch',
  reconciliation: 'reconciliation',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/**
 * Who consumes which events: the relay adds each event, as one job whose id is
 * the event id, to the queue of every consumer listed for its type.
 */
export const CONSUMERS = {
  audit: {
    queue: QUEUES.audit,
    events: [auditEntryRequested.type, ...DELIVERY_EVENTS.map((d) => d.type)],
    description: 'Writes the audit log: requested entries as given, and one entry per delivery change.',
  },
  payments: {
    queue: QUEUES.payments,
    events: [ORDER_EVENT_BY_STATUS.confirmed.type, ORDER_EVENT_BY_STATUS.rejected.type, ORDER_EVENT_BY_STATUS.cancelled.type],
    description: 'Settles the order\'s payment: captures the card hold when the store confirms, voids it when the order is rejected or cancelled, refunds in full what was captured before a cancellation.',
  },
  orders: {
    queue: QUEUES.orders,
    events: [ORDER_EVENT_BY_STATUS.placed.type, deliveryStatusChanged.type],
    description: 'Schedules the auto-reject of each placed order (delayed job, id = order id) and moves orders to picked_up, delivered and completed after their deliveries.',
  },
  webhooks: {
    queue: QUEUES.webhooks,
    events: WEBHOOK_EVENT_TYPES,
    description: 'Turns each event into one signed webhook message per subscribed endpoint (a store\'s events reach its own endpoints and platform ones) and schedules its first attempt.',
  },
  notifications: {
    queue: QUEUES.notifications,
    events: TRIGGER_EVENT_TYPES,
    description: 'Decides who hears about the event on which channels (preferences, quiet hours) and queues one job per channel (notify-email, notify-sms, notify-push, notify-in-app), keyed by event, recipient and channel.',
  },
  finance: {
    queue: QUEUES.finance,
    events: [paymentCaptured.type, paymentRefunded.type, ORDER_EVENT_BY_STATUS.delivered.type, ORDER_EVENT_BY_STATUS.cancelled.type, ORDER_EVENT_BY_STATUS.rejected.type, topUpCaptured.type],
    description: 'Moves the ledger with the order: a captured card payment is held for the order, delivery settles it (store, commission, courier fee, platform cut; cash: the courier\'s cash in hand), a rejection or cancellation releases it, a full refund reverses what was posted; a captured wallet top-up credits the wallet.',
  },
  dispatch: {
    queue: QUEUES.dispatch,
    events: [ORDER_EVENT_BY_STATUS.confirmed.type, offerEnded.type],
    description: 'Opens dispatch when the store confirms an order (a round at once when the food is ready within dispatch.openBeforeReadyMinutes, else a delayed one), and runs the next round when an offer ends (declined or expired); each round is a dispatch-rounds job keyed by delivery and round.',
  },
} as const satisfies Record<string, { queue: QueueName; events: readonly string[]; description: string }>;
export type ConsumerName = keyof typeof CONSUMERS;

/** The consumers of one event type (docs/events.md and the relay read this). */
export const consumersOf = (type: string): ConsumerName[] =>
  (Object.keys(CONSUMERS) as ConsumerName[]).filter((c) => (CONSUMERS[c].events as readonly string[]).includes(type));

export const HOUSEKEEPING_TASKS = ['sessions', 'refresh_tokens', 'otp_challenges', 'outbox', 'processed_events', 'idempotency_keys'] as const;
export const housekeepingJobSchema = z.strictObject({ task: z.enum(HOUSEKEEPING_TASKS) });
export type HousekeepingJob = z.infer<typeof housekeepingJobSchema>;

export type EventJob = z.infer<typeof domainEventSchema>;

/** The repeatable job that releases stock reservations past their time. */
export const stockReservationJobSchema = z.strictObject({ task: z.literal('expire') });
export type StockReservationJob = z.infer<typeof stockReservationJobSchema>;

/** The repeatable job that expires ledger pending transfers past their timeout (a wallet checkout's hold of an order that never ended). */
export const ledgerExpiryJobSchema = z.strictObject({ task: z.literal('expire') });
export type LedgerExpiryJob = z.infer<typeof ledgerExpiryJobSchema>;

/** The repeatable jobs that close carts idle past `cart.idleExpiryMinutes` and purge long-closed ones. */
export const cartExpiryJobSchema = z.strictObject({ task: z.enum(['expire', 'purge']) });
export type CartExpiryJob = z.infer<typeof cartExpiryJobSchema>;

/** The delayed job that rejects an order its store did not answer in time (job id = order id). */
export const orderAutoRejectJobSchema = z.strictObject({ orderId: z.string().min(1).max(128) });
export type OrderAutoRejectJob = z.infer<typeof orderAutoRejectJobSchema>;

/** One attempt of one webhook message (job id = message id and attempt number). */
export const webhookAttemptJobSchema = z.strictObject({ messageId: z.string().min(1).max(128), attempt: z.number().int().min(1).max(10_000) });
export type WebhookAttemptJob = z.infer<typeof webhookAttemptJobSchema>;
const text = (max: number) => z.string().min(1).max(max);
const localized = z.strictObject({ title: text(200), body: text(2_000) });
/** One message on one channel to one account (domain/notification ChannelJob); job id = the delivery key. */
export const channelJobSchema = z.strictObject({
  sourceId: text(128),
  eventType: text(128),
  accountId: text(128),
  channel: z.enum(CHANNELS),
  category: z.enum(CATEGORIES),
  bulkId: text(128).nullable(),
  vars: z.record(z.string(), z.unknown()),
  data: z.record(z.string(), z.string().max(256)),
  content: z.strictObject({ ar: localized.optional(), en: localized.optional() }).nullable(),
});
export type ChannelJobPayload = z.infer<typeof channelJobSchema>;
/** A bulk send's fan-out job (job id = the bulk send id). */
export const bulkJobSchema = z.strictObject({ bulkId: text(128) });
export type BulkJob = z.infer<typeof bulkJobSchema>;

/** The repeatable batch-matching round (every `dispatch.batch.intervalSeconds`). */
export const dispatchBatchJobSchema = z.strictObject({ task: z.literal('round') });
export type DispatchBatchJob = z.infer<typeof dispatchBatchJobSchema>;
/** One step of a delivery's dispatch (RunDispatchRound; job id = delivery id and what it follows, so repeats add nothing). */
export const dispatchRoundJobSchema = z.strictObject({ deliveryId: z.string().min(1).max(128) });
export type DispatchRoundJob = z.infer<typeof dispatchRoundJobSchema>;
/** An offer's timer: ends it as expired at its expiry (job id from the offer id). */
export const offerExpiryJobSchema = z.strictObject({ offerId: z.string().min(1).max(200) });
export type OfferExpiryJob = z.infer<typeof offerExpiryJobSchema>;
/** One payout batch: the admin's trigger names it; the scheduled run's id comes from its job (null here). */
export const payoutBatchJobSchema = z.strictObject({ batchId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/).nullable() });
export type PayoutBatchJob = z.infer<typeof payoutBatchJobSchema>;
/** The nightly reconciliation of the ledger against orders and payments (an admin may also run it). */
export const reconciliationJobSchema = z.strictObject({ task: z.literal('reconcile') });
export type ReconciliationJob = z.infer<typeof reconciliationJobSchema>;

export interface JobPayloads {
  audit: EventJob;
  housekeeping: HousekeepingJob;
  'stock-reservations': StockReservationJob;
  'cart-expiry': CartExpiryJob;
  payments: EventJob;
  orders: EventJob;
  'order-auto-reject': OrderAutoRejectJob;
  webhooks: EventJob;
  'webhook-attempts': WebhookAttemptJob;
  notifications: EventJob;
  'notify-email': ChannelJobPayload;
  'notify-sms': ChannelJobPayload;
  'notify-push': ChannelJobPayload;
  'notify-in-app': ChannelJobPayload;
  'notify-bulk': BulkJob;
  finance: EventJob;
  dispatch: EventJob;
  'dispatch-rounds': DispatchRoundJob;
  'offer-expiry': OfferExpiryJob;
  'payout-batches': PayoutBatchJob;
  'ledger-expiry': LedgerExpiryJob;
  reconciliation: ReconciliationJob;
  'dispatch-batch': DispatchBatchJob;
}
export const JOB_SCHEMAS: { [K in QueueName]: z.ZodType<JobPayloads[K]> } = {
  audit: domainEventSchema,
  housekeeping: housekeepingJobSchema,
  'stock-reservations': stockReservationJobSchema,
  'cart-expiry': cartExpiryJobSchema,
  payments: domainEventSchema,
  orders: domainEventSchema,
  'order-auto-reject': orderAutoRejectJobSchema,
  webhooks: domainEventSchema,
  'webhook-attempts': webhookAttemptJobSchema,
  notifications: domainEventSchema,
  'notify-email': channelJobSchema,
  'notify-sms': channelJobSchema,
  'notify-push': channelJobSchema,
  'notify-in-app': channelJobSchema,
  'notify-bulk': bulkJobSchema,
  finance: domainEventSchema,
  dispatch: domainEventSchema,
  'dispatch-rounds': dispatchRoundJobSchema,
  'offer-expiry': offerExpiryJobSchema,
  'payout-batches': payoutBatchJobSchema,
  'ledger-expiry': ledgerExpiryJobSchema,
  reconciliation: reconciliationJobSchema,
  'dispatch-batch': dispatchBatchJobSchema,
};
