import { UnrecoverableError, type Job } from 'bullmq';
import { z } from 'zod';
import { domainEventSchema } from '../../domain/shared/events.js';
import type { CapturePayment } from '../../domain/ordering/use-cases/capture-payment.js';
import type { VoidPayment } from '../../domain/ordering/use-cases/void-payment.js';
import type { ConsumerDeps } from '../consume.js';
import { CONSUMERS } from '../queues.js';
import { ORDER_EVENT_BY_STATUS } from '../../domain/ordering/order-events.js';

const ORDER_CONFIRMED = ORDER_EVENT_BY_STATUS.confirmed.type;
const ORDER_REJECTED = ORDER_EVENT_BY_STATUS.rejected.type;

/** The part of an order event's payload a payment needs; the rest is the order's business. */
const orderPayload = z.object({
  orderId: z.string().min(1).max(128),
  reason: z.string().max(500).nullable().optional(),
  actor: z.object({ id: z.string().min(1).max(128), role: z.string().min(1).max(32) }).nullable().optional(),
});

/**
 * The payments consumer: capture on confirmed, void (or refund what was
 * captured) on rejected and cancelled. Unlike eventConsumer, the use case runs
 * before any database transaction: it calls the payment provider, which must not
 * hold a transaction open while it answers. That is safe because each step is
 * idempotent twice over: by the payment's state (a captured payment is not
 * captured again) and by the provider's idempotency key (a repeated call is
 * answered once). The event id is recorded afterwards, for the record.
 */
export function paymentsProcessor(deps: ConsumerDeps & { capturePayment: CapturePayment; voidPayment: VoidPayment }) {
  const accepted: readonly string[] = CONSUMERS.payments.events;
  return async (job: Job): Promise<{ eventId: string; duplicate: boolean }> => {
    const parsed = domainEventSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid event job: ${parsed.error.issues[0]?.message ?? 'schema'}`);
    const event = parsed.data;
    if (!accepted.includes(event.type)) throw new UnrecoverableError(`payments does not consume ${event.type}`);
    const payload = orderPayload.safeParse(event.payload);
    if (!payload.success) throw new UnrecoverableError(`invalid ${event.type} payload: ${payload.error.issues[0]?.message ?? 'schema'}`);
    const { orderId, reason, actor } = payload.data;
    if (event.type === ORDER_CONFIRMED) await deps.capturePayment.execute(orderId);
    else await deps.voidPayment.execute(orderId, reason ?? (event.type === ORDER_REJECTED ? 'order rejected' : 'order cancelled'), actor ?? null);
    const first = await deps.unitOfWork.transaction(() => deps.processedEvents.record('payments', event.id, deps.clock.now()));
    return { eventId: event.id, duplicate: !first };
  };
}
