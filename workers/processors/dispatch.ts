import { UnrecoverableError, type Job } from 'bullmq';
import type { DomainEvent } from '../../domain/shared/events.js';
import type { Clock } from '../../domain/shared/ids.js';
import type { SettingsReader } from '../../domain/platform/ports.js';
import type { DeliveryRepository } from '../../domain/delivery/ports.js';
import type { DispatchOrders, DispatchRepository } from '../../domain/dispatch/ports.js';
import type { RoundOutcome } from '../../domain/dispatch/use-cases/run-dispatch-round.js';
import { offerEnded } from '../../domain/dispatch/events.js';
import { ORDER_EVENT_BY_STATUS, orderEventPayload } from '../../domain/ordering/order-events.js';
import { eventConsumer, type ConsumerDeps } from '../consume.js';
import { dispatchRoundJobSchema, offerExpiryJobSchema, QUEUES, type JobPayloads } from '../queues.js';

/** What dispatch needs of the queues: delayed jobs whose id makes a second add a no-op. */
export interface DispatchJobs {
  add(name: typeof QUEUES.dispatchRounds, payload: JobPayloads['dispatch-rounds'], opts: { jobId: string; delay?: number }): Promise<void>;
}

/**
 * BullMQ job ids may not hold a single `:` (offer ids are `<deliveryId>:<round>`),
 * so ids are made of the business id with `:` read as `.`; one business id
 * still gives one job id.
 */
export const jobIdOf = (...parts: (string | number)[]): string => parts.join('.').replace(/:/g, '.');

export interface DispatchConsumerDeps extends ConsumerDeps {
  deliveries: Pick<DeliveryRepository, 'findByOrderId'>;
  dispatchOrders: DispatchOrders;
  queues: DispatchJobs;
  liveSettings: SettingsReader;
}

/**
 * The dispatch consumer. A confirmed order opens its delivery's dispatch: a
 * round at once when the food is ready within `dispatch.openBeforeReadyMinutes`
 * (or its ready time is unknown), else a round delayed until then. An ended
 * offer (declined, expired, accepted) runs the delivery's next step, which
 * closes the dispatch when the courier accepted. Both are dispatch-rounds
 * jobs keyed by what they follow, so a repeated event adds nothing.
 */
export function dispatchProcessor(deps: DispatchConsumerDeps) {
  return eventConsumer('dispatch', deps, async (event: DomainEvent) => {
    if (event.type === ORDER_EVENT_BY_STATUS.confirmed.type) {
      const { orderId } = orderEventPayload.parse(event.payload);
      const delivery = await deps.deliveries.findByOrderId(orderId);
      if (!delivery) return; // confirmed without a delivery: nothing to dispatch
      const order = await deps.dispatchOrders.of(orderId);
      const opensAt = order?.readyAt == null ? 0 : order.readyAt - deps.liveSettings.get('dispatch.openBeforeReadyMinutes') * 60_000;
      const delay = Math.max(0, opensAt - deps.clock.now().getTime());
      await deps.queues.add(QUEUES.dispatchRounds, { deliveryId: delivery.id }, { jobId: jobIdOf(delivery.id, 'open'), ...(delay > 0 ? { delay } : {}) });
      return;
    }
    if (event.type === offerEnded.type) {
      const p = offerEnded.payload.parse(event.payload);
      await deps.queues.add(QUEUES.dispatchRounds, { deliveryId: p.deliveryId }, { jobId: jobIdOf(p.deliveryId, 'after', p.round) });
    }
  });
}

/** A held round re-runs this long after its hold ends, so it never lands just before the end and is held again. */
const HELD_SLACK_MS = 100;

export interface DispatchRoundDeps {
  runDispatchRound: { execute(deliveryId: string): Promise<RoundOutcome> };
  queues: DispatchJobs;
  liveSettings: SettingsReader;
  clock: Clock;
}

/**
 * One round of one delivery (RunDispatchRound, idempotent). A round that
 * found nobody tries again after `dispatch.offerTimeoutSeconds` (the radius
 * widens and ops are alerted as the rounds add up); an offered round waits
 * for its offer to end (the dispatch consumer follows dispatch.offer.ended).
 * A round held for the batch round (a busy region) runs again when the hold
 * ends, in case the batch round did not place it.
 */
export function dispatchRoundProcessor(deps: DispatchRoundDeps) {
  return async (job: Job): Promise<RoundOutcome> => {
    const parsed = dispatchRoundJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError('invalid dispatch-rounds job');
    const { deliveryId } = parsed.data;
    const outcome = await deps.runDispatchRound.execute(deliveryId);
    if (outcome.outcome === 'no_candidate') {
      const delay = deps.liveSettings.get('dispatch.offerTimeoutSeconds') * 1_000;
      await deps.queues.add(QUEUES.dispatchRounds, { deliveryId }, { jobId: jobIdOf(deliveryId, 'after', outcome.round), delay });
    } else if (outcome.outcome === 'deferred') {
      // Held for the batch round: one check at the hold's end (the hold ends once per dispatch version, so the id is unique to it).
      await deps.queues.add(QUEUES.dispatchRounds, { deliveryId }, { jobId: jobIdOf(deliveryId, 'held', outcome.retryAt), delay: Math.max(0, outcome.retryAt - deps.clock.now().getTime()) + HELD_SLACK_MS });
    }
    return outcome;
  };
}

/** The offer's timer: ends it as expired (a no-op when it was answered first); the next round follows its event. */
export function offerExpiryProcessor(deps: { answerOffer: { expire(offerId: string, reason: string): Promise<unknown> } }) {
  return async (job: Job): Promise<{ offerId: string; expired: boolean }> => {
    const parsed = offerExpiryJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError('invalid offer-expiry job');
    const ended = await deps.answerOffer.expire(parsed.data.offerId, 'timeout');
    return { offerId: parsed.data.offerId, expired: ended !== null };
  };
}

/**
 * After a restart: every open dispatch gets a round (job id = delivery and
 * state version, so workers starting together add one), which re-times a
 * pending offer whose timer was lost or makes the round's offer, never a second.
 */
export async function resumeOpenDispatches(deps: { dispatches: Pick<DispatchRepository, 'listOpen'>; queues: DispatchJobs }, limit = 10_000): Promise<number> {
  const open = await deps.dispatches.listOpen(limit);
  for (const s of open) await deps.queues.add(QUEUES.dispatchRounds, { deliveryId: s.deliveryId }, { jobId: jobIdOf(s.deliveryId, 'resume', s.version) });
  return open.length;
}
