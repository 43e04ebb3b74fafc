import { UnrecoverableError, type Job } from 'bullmq';
import type { DomainEvent } from '../../domain/shared/events.js';
import type { Clock } from '../../domain/shared/ids.js';
import type { SettingsReader } from '../../domain/platform/ports.js';
import { deliveryStatusChanged } from '../../domain/delivery/events.js';
import { ORDER_EVENT_BY_STATUS, orderEventPayload } from '../../domain/ordering/order-events.js';
import type { SystemOrderTransitions } from '../../domain/ordering/use-cases/system-order-transitions.js';
import { eventConsumer, type ConsumerDeps } from '../consume.js';
import { orderAutoRejectJobSchema, QUEUES, type JobPayloads } from '../queues.js';

/** What the orders consumer needs of the queues: a delayed job whose id makes a second add a no-op. */
export interface DelayedJobs {
  add(name: typeof QUEUES.orderAutoReject, payload: JobPayloads['order-auto-reject'], opts: { jobId: string; delay: number }): Promise<void>;
}

/**
 * The orders consumer: a placed order gets its auto-reject job, delayed by
 * `order.autoRejectMinutes` from when it was placed (job id = order id, so a
 * redelivered event adds nothing and the job survives restarts in Redis); a
 * delivery that was picked up or delivered moves its order along.
 */
export function ordersProcessor(deps: ConsumerDeps & { systemOrderTransitions: SystemOrderTransitions; queues: DelayedJobs; liveSettings: SettingsReader; clock: Clock }) {
  return eventConsumer('orders', deps, async (event: DomainEvent) => {
    if (event.type === ORDER_EVENT_BY_STATUS.placed.type) {
      const p = orderEventPayload.parse(event.payload);
      const due = Date.parse(p.at) + deps.liveSettings.get('order.autoRejectMinutes') * 60_000;
      await deps.queues.add(QUEUES.orderAutoReject, { orderId: p.orderId }, { jobId: p.orderId, delay: Math.max(0, due - deps.clock.now().getTime()) });
      return;
    }
    if (event.type === deliveryStatusChanged.type) {
      const p = deliveryStatusChanged.payload.parse(event.payload);
      await deps.systemOrderTransitions.followDelivery(p.orderId, p.to).catch((err: unknown) => {
        // A delivery made by hand for an order that does not exist (the deliveries route) has nothing to follow.
        if ((err as { code?: string }).code !== 'NOT_FOUND') throw err;
      });
    }
  });
}

/** The delayed job: rejects the order if its store still has not answered (a no-op otherwise). */
export function orderAutoRejectProcessor(deps: { systemOrderTransitions: SystemOrderTransitions }) {
  return async (job: Job): Promise<{ orderId: string; status: string }> => {
    const parsed = orderAutoRejectJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError('invalid order-auto-reject job');
    const order = await deps.systemOrderTransitions.autoReject(parsed.data.orderId).catch((err: unknown) => {
      if ((err as { code?: string }).code === 'NOT_FOUND') throw new UnrecoverableError(`order ${parsed.data.orderId} not found`);
      throw err;
    });
    return { orderId: order.id, status: order.status };
  };
}

