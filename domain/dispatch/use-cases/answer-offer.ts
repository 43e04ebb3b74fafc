import { AppError, conflict, notFound } from '../../shared/errors.js';
import type { Clock } from '../../shared/ids.js';
import type { Outbox, UnitOfWork } from '../../shared/events.js';
import type { Delivery } from '../../delivery/model.js';
import type { DeliveryRepository } from '../../delivery/ports.js';
import { toOutboxEvents } from '../../delivery/events.js';
import { answerRefusal, assignedAt, excluding, type DispatchState, type Offer, type OfferEnd } from '../model.js';
import type { CourierLocator, DispatchRepository, OfferRepository } from '../ports.js';
import { offerEndedEvent } from '../events.js';

export interface AnswerOfferDeps {
  offers: OfferRepository;
  dispatches: DispatchRepository;
  deliveries: DeliveryRepository;
  outbox: Outbox;
  unitOfWork: UnitOfWork;
  clock: Clock;
  /**
   * The courier's declared capacity (the live index). The container always
   * gives it; without it (tests of the offer lifecycle alone) an accept is not
   * checked against capacity.
   */
  courierLocator?: Pick<CourierLocator, 'getCourier'>;
}

const STATE_ATTEMPTS = 3;

/**
 * Applies `change` to the delivery's dispatch state in the caller's
 * transaction, re-reading when another writer won; a delivery without a state
 * (assigned by hand, never dispatched) is left alone.
 */
export async function changeDispatchState(deps: Pick<AnswerOfferDeps, 'dispatches'>, deliveryId: string, change: (s: DispatchState) => DispatchState, at: Date): Promise<DispatchState | null> {
  for (let i = 0; i < STATE_ATTEMPTS; i++) {
    const state = await deps.dispatches.find(deliveryId);
    if (!state) return null;
    const next = { ...change(state), version: state.version + 1, updatedAt: at.toISOString() };
    if (await deps.dispatches.save(next, state.version)) return next;
  }
  throw conflict('The dispatch of this delivery kept changing; try again');
}

/**
 * A courier answers their offer. Accepting assigns them in one transaction
 * with ending the offer, and only while the offer is pending and the delivery
 * has no courier: two accepts for one delivery, on any number of hubs, assign
 * at most one courier (the delivery's version check decides). A foreign or
 * unknown offer is NOT_FOUND; an expired one OFFER_EXPIRED; a second answer
 * OFFER_ALREADY_ACCEPTED or OFFER_ALREADY_DECLINED; a delivery someone else
 * took CONFLICT. None of these changes anything.
 */
export class AnswerOffer {
  constructor(private readonly deps: AnswerOfferDeps) {}

  async accept(courierId: string, offerId: string): Promise<{ offer: Offer; delivery: Delivery }> {
    const now = this.deps.clock.now();
    await this.yourAnswerableOffer(courierId, offerId, 'accept', now);
    try {
      return await this.deps.unitOfWork.transaction(async () => {
        await this.deps.dispatches.lockCourier(courierId, now);
        const offer = await this.endOrRefuse(offerId, 'accepted', now, null, 'accept');
        await this.underCapacity(offer.courierId);
        const delivery = await this.assignIfFree(offer, now);
        await changeDispatchState(this.deps, offer.deliveryId, (s) => assignedAt(s, now), now);
        await this.deps.outbox.add([...toOutboxEvents(delivery.pullEvents(), delivery.version), offerEndedEvent(offer)]);
        return { offer, delivery };
      });
    } catch (err) {
      if (err instanceof AppError && err.code === 'CONFLICT') await this.expire(offerId, 'taken');
      throw err;
    }
  }

  async decline(courierId: string, offerId: string, reason: string | null = null): Promise<Offer> {
    const now = this.deps.clock.now();
    await this.yourAnswerableOffer(courierId, offerId, 'decline', now);
    return this.deps.unitOfWork.transaction(async () => {
      const offer = await this.endOrRefuse(offerId, 'declined', now, reason, 'decline');
      await changeDispatchState(this.deps, offer.deliveryId, (s) => excluding(s, offer.courierId), now);
      await this.deps.outbox.add([offerEndedEvent(offer)]);
      return offer;
    });
  }

  /**
   * Ends a pending offer as expired (its timer, the courier's disconnect, a
   * withdrawal) and excludes the courier from later rounds. Null when it was
   * no longer pending: a timer firing after an answer changes nothing.
   */
  async expire(offerId: string, reason: string): Promise<Offer | null> {
    const now = this.deps.clock.now();
    return this.deps.unitOfWork.transaction(async () => {
      const offer = await this.deps.offers.end(offerId, 'expired', now, reason);
      if (!offer) return null;
      await changeDispatchState(this.deps, offer.deliveryId, (s) => excluding(s, offer.courierId), now);
      await this.deps.outbox.add([offerEndedEvent(offer)]);
      return offer;
    });
  }

  private async yourAnswerableOffer(courierId: string, offerId: string, answer: 'accept' | 'decline', now: Date): Promise<Offer> {
    const offer = await this.deps.offers.findById(offerId);
    if (!offer || offer.courierId !== courierId) throw notFound('Offer');
    const refusal = answerRefusal(offer, answer, now);
    if (refusal) {
      if (offer.status === 'pending') await this.expire(offer.id, 'timeout');
      throw refusal;
    }
    return offer;
  }

  private async endOrRefuse(offerId: string, to: OfferEnd, now: Date, reason: string | null, answer: 'accept' | 'decline'): Promise<Offer> {
    const ended = await this.deps.offers.end(offerId, to, now, reason);
    if (ended) return ended;
    const current = await this.deps.offers.findById(offerId);
    throw (current && answerRefusal(current, answer, now)) ?? conflict('The offer changed meanwhile; try again');
  }

  /**
   * A courier holds at most their declared capacity of active deliveries: two
   * offers made to a free courier at once (two deliveries opening together)
   * cannot both be accepted. Read in the accept's transaction after
   * `lockCourier`, so two accepts by one courier at the same instant are
   * checked one after the other on every backend.
   */
  private async underCapacity(courierId: string): Promise<void> {
    if (!this.deps.courierLocator) return;
    const view = await this.deps.courierLocator.getCourier(courierId);
    const capacity = view?.state.capacity ?? 1;
    const active = await this.deps.deliveries.listActiveByCourier(courierId);
    if (active.length >= capacity) throw conflict('You are at your capacity of deliveries', [{ reason: 'courier_at_capacity', message: `you hold ${active.length} of ${capacity}` }]);
  }

  private async assignIfFree(offer: Offer, now: Date): Promise<Delivery> {
    const delivery = await this.deps.deliveries.findById(offer.deliveryId);
    if (!delivery) throw notFound('Delivery');
    if (delivery.courierId !== null || delivery.status !== 'pending') throw conflict('Another courier has this delivery', [{ reason: 'delivery_taken', message: `the delivery is ${delivery.status}` }]);
    const read = delivery.version;
    delivery.assign(offer.courierId, now);
    if (!(await this.deps.deliveries.save(delivery, read))) throw conflict('Another courier has this delivery', [{ reason: 'delivery_taken', message: 'the delivery changed meanwhile' }]);
    return delivery;
  }
}
