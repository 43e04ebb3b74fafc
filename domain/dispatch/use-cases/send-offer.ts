import { conflict } from '../../shared/errors.js';
import type { Clock } from '../../shared/ids.js';
import type { Outbox, UnitOfWork } from '../../shared/events.js';
import type { SettingsReader } from '../../platform/ports.js';
import type { Coordinate } from '../../shared/coordinate.js';
import { newDispatchState, newOffer, radiusForRound, type DispatchState, type Offer } from '../model.js';
import type { DispatchRepository, OfferRepository, OfferTimer } from '../ports.js';
import { offerMadeEvent } from '../events.js';

export interface SendOfferDeps {
  offers: OfferRepository;
  dispatches: DispatchRepository;
  outbox: Outbox;
  unitOfWork: UnitOfWork;
  offerTimer: OfferTimer;
  liveSettings: SettingsReader;
  clock: Clock;
}

export interface SendOfferInput {
  delivery: { id: string; orderId: string; pickup: Coordinate; dropoff: Coordinate };
  courierId: string;
  feeMinor: number;
  cash: boolean;
  /** The candidate's score (scoring.ts), kept on the offer for the record. */
  cost: number;
}

/**
 * Sends one offer: "offer delivery D to courier X". The greedy rounds and the
 * batch matcher both end here. It starts the delivery's next round, writes the
 * offer, the round and the `dispatch.offer.made` event in one transaction (the
 * hubs push `offer:new`, the notification consumer a critical push), then
 * schedules the expiry (`dispatch.offerTimeoutSeconds`). Null when the delivery
 * is not open for offers (assigned or closed) or `courierId` is excluded; when
 * the delivery already has a pending offer, that one is returned and re-timed,
 * so a resumed round never makes a second.
 */
export class SendOffer {
  constructor(private readonly deps: SendOfferDeps) {}

  async execute(input: SendOfferInput): Promise<Offer | null> {
    const now = this.deps.clock.now();
    const state = await this.stateOf(input.delivery, now);
    if (state.status !== 'open' || state.excluded.includes(input.courierId)) return null;
    const pending = await this.deps.offers.findPendingByDelivery(input.delivery.id);
    if (pending) return this.timed(pending);
    const round = state.round + 1;
    const offer = newOffer({
      deliveryId: input.delivery.id,
      orderId: input.delivery.orderId,
      courierId: input.courierId,
      round,
      pickup: input.delivery.pickup,
      dropoff: input.delivery.dropoff,
      feeMinor: input.feeMinor,
      cash: input.cash,
      cost: input.cost,
      at: now,
      timeoutS: this.deps.liveSettings.get('dispatch.offerTimeoutSeconds'),
    });
    const next: DispatchState = { ...state, round, radiusM: Math.max(state.radiusM, radiusForRound(this.deps.liveSettings.get('dispatch.rounds'), round)), version: state.version + 1, updatedAt: now.toISOString() };
    const written = await this.deps.unitOfWork.transaction(async () => {
      if (!(await this.deps.offers.create(offer))) return (await this.deps.offers.findById(offer.id))!;
      if (!(await this.deps.dispatches.save(next, state.version))) throw conflict('The dispatch of this delivery changed meanwhile; try again');
      await this.deps.outbox.add([offerMadeEvent(offer)]);
      return offer;
    });
    return written.status === 'pending' ? this.timed(written) : null;
  }

  private async stateOf(delivery: SendOfferInput['delivery'], now: Date): Promise<DispatchState> {
    const found = await this.deps.dispatches.find(delivery.id);
    if (found) return found;
    const radiusM = this.deps.liveSettings.get('dispatch.rounds').radiusM;
    return (await this.deps.dispatches.open(newDispatchState({ deliveryId: delivery.id, orderId: delivery.orderId, radiusM, at: now }))).state;
  }

  private async timed(offer: Offer): Promise<Offer> {
    await this.deps.offerTimer.schedule(offer.id, new Date(offer.expiresAt));
    return offer;
  }
}
