import type { Clock } from '../../shared/ids.js';
import type { Outbox, UnitOfWork } from '../../shared/events.js';
import type { SettingsReader } from '../../platform/ports.js';
import type { Coordinate } from '../../shared/coordinate.js';
import type { Vehicle } from '../../shared/vehicles.js';
import type { DeliveryRepository } from '../../delivery/ports.js';
import { needsOpsAlert, newDispatchState, radiusForRound, type DispatchState, type Offer } from '../model.js';
import type { CourierCashLimit, CourierLocator, DispatchOrders, DispatchRepository, OfferRepository } from '../ports.js';
import { candidateFeatures, rankCandidates } from '../scoring.js';
import { dispatchAlertRaised } from '../events.js';
import type { SendOffer } from './send-offer.js';
import { freeCapacities } from '../free-capacity.js';

export interface RunDispatchRoundDeps {
  deliveries: DeliveryRepository;
  dispatches: DispatchRepository;
  offers: OfferRepository;
  courierLocator: CourierLocator;
  courierCashLimit: CourierCashLimit;
  dispatchOrders: DispatchOrders;
  sendOffer: Pick<SendOffer, 'execute'>;
  outbox: Outbox;
  unitOfWork: UnitOfWork;
  liveSettings: SettingsReader;
  clock: Clock;
  /** Seconds to drive from one point to another (the geo ETA layers). */
  etaS: (from: Coordinate, to: Coordinate, vehicle: Vehicle) => number;
  /** The region a pickup belongs to (the courier index's region cell, as the batch round groups them). */
  regionOf: (p: Coordinate) => string;
}

/** How many batch intervals a waiting delivery in a busy region is held for the batch round: the next tick, with one to spare. */
export const BATCH_HOLD_INTERVALS = 2;

export type RoundOutcome =
  | { outcome: 'offered'; offer: Offer }
  | { outcome: 'waiting'; offer: Offer }
  /** The region is busy: the batch round offers it; if none has by `retryAt` (ms since epoch), the greedy round runs then. */
  | { outcome: 'deferred'; retryAt: number }
  | { outcome: 'no_candidate'; round: number; radiusM: number; alerted: boolean }
  | { outcome: 'done'; reason: 'assigned' | 'closed' | 'not_found' };

/**
 * One step of a delivery's greedy dispatch, safe to run any number of times:
 * a delivery with a courier (or final) closes its dispatch; a pending offer is
 * left to its timer (and re-timed, for a worker that died before timing it);
 * otherwise the best candidate gets the next offer. Candidates are available,
 * fresh couriers within the round's radius, with free capacity, under their
 * cash limit for a cash order, and not excluded. A round that finds nobody
 * still counts (so the radius widens) and raises the ops alert once it
 * reaches `alertAfterRounds`.
 *
 * In a busy region (`dispatch.batch.busyOpenDeliveries` or more dispatches
 * open there) a delivery that just became waiting is left to the batch round,
 * which matches the region's deliveries jointly: a greedy offer made first
 * would take the courier the joint matching wanted elsewhere. The hold lasts
 * two batch intervals since the dispatch last changed; after it, the greedy
 * round runs as in a quiet region, so a delivery the batch could not place
 * (or a region that quietened meanwhile) is never stranded.
 */
export class RunDispatchRound {
  constructor(private readonly deps: RunDispatchRoundDeps) {}

  async execute(deliveryId: string): Promise<RoundOutcome> {
    const now = this.deps.clock.now();
    const delivery = await this.deps.deliveries.findById(deliveryId);
    if (!delivery) return { outcome: 'done', reason: 'not_found' };
    const state = await this.openState(deliveryId, delivery.orderId, this.deps.regionOf(delivery.toView().pickup), now);
    if (delivery.courierId !== null || delivery.status !== 'pending') return this.close(state, delivery.courierId !== null ? 'assigned' : 'closed', now);
    if (state.status !== 'open') return { outcome: 'done', reason: state.status === 'assigned' ? 'assigned' : 'closed' };
    const pending = await this.deps.offers.findPendingByDelivery(deliveryId);
    if (pending) return { outcome: 'waiting', offer: (await this.deps.sendOffer.execute({ delivery: delivery.toView(), courierId: pending.courierId, feeMinor: pending.feeMinor, cash: pending.cash, cost: pending.cost })) ?? pending };

    const retryAt = this.batchHold(state, now);
    if (retryAt !== null && (await this.deps.dispatches.countOpenInRegion(state.region!)) >= this.deps.liveSettings.get('dispatch.batch').busyOpenDeliveries) return { outcome: 'deferred', retryAt };

    const order = await this.deps.dispatchOrders.of(delivery.orderId);
    const cash = order?.cash ?? false;
    const rounds = this.deps.liveSettings.get('dispatch.rounds');
    const radiusM = radiusForRound(rounds, state.round + 1);
    const ranked = await this.candidates(delivery.toView().pickup, radiusM, state.excluded, cash, order?.readyAt ?? null, now);
    for (const best of ranked) {
      const offer = await this.deps.sendOffer.execute({ delivery: delivery.toView(), courierId: best.courierId, feeMinor: order?.courierFeeMinor ?? 0, cash, cost: best.cost });
      if (offer) return { outcome: 'offered', offer };
    }
    return this.emptyRound(state, radiusM, now);
  }

  private async candidates(pickup: Coordinate, radiusM: number, excluded: readonly string[], cash: boolean, readyAt: number | null, now: Date) {
    const { courierLocator, liveSettings } = this.deps;
    const rounds = liveSettings.get('dispatch.rounds');
    const near = await courierLocator.nearestCouriers({ lat: pickup.lat, lng: pickup.lng, radiusM, limit: rounds.candidateLimit + excluded.length, filter: { status: 'available' } });
    const ids = near.map((n) => n.courierId).filter((id) => !excluded.includes(id));
    const views = await Promise.all(ids.map((id) => courierLocator.getCourier(id)));
    const fit = ids
      .map((courierId, i) => ({ courierId, view: views[i] }))
      .filter((c): c is { courierId: string; view: NonNullable<typeof c.view> } => !!c.view && !c.view.stale && !!c.view.lastFix && c.view.state.load < c.view.state.capacity);
    // An offer still open counts against the courier's free capacity: two deliveries opening together are not
    // both offered to one free courier; and a courier just assigned counts as loaded before the index hears of it
    // (AnswerOffer refuses the accept past capacity either way).
    const room = await freeCapacities(this.deps, fit.map((c) => ({ courierId: c.courierId, capacity: c.view.state.capacity, load: c.view.state.load })));
    const free = fit.filter((c) => room.get(c.courierId)! > 0);
    const over = cash && free.length ? await this.deps.courierCashLimit.overLimit(free.map((c) => c.courierId)) : new Set<string>();
    const eligible = free.filter((c) => !over.has(c.courierId));
    const records = await this.deps.offers.records(eligible.map((c) => c.courierId));
    const weights = { ...liveSettings.get('dispatch.weights'), scales: liveSettings.get('dispatch.scoreScales') };
    return rankCandidates(
      eligible.map((c) => ({
        courierId: c.courierId,
        features: candidateFeatures({
          now: now.getTime(),
          etaToPickupS: this.deps.etaS({ lat: c.view.lastFix!.lat, lng: c.view.lastFix!.lng }, pickup, c.view.state.vehicle as Vehicle),
          readyAt,
          lastJobEndedAt: null,
          onlineSince: null,
          offers: records.get(c.courierId) ?? { offered: 0, accepted: 0 },
        }),
      })),
      weights,
    );
  }

  private async openState(deliveryId: string, orderId: string, region: string, now: Date): Promise<DispatchState> {
    const radiusM = this.deps.liveSettings.get('dispatch.rounds').radiusM;
    return (await this.deps.dispatches.open(newDispatchState({ deliveryId, orderId, radiusM, at: now, region }))).state;
  }

  /** When the batch hold of a waiting delivery ends (ms), or null once it has (or for a dispatch with no region). */
  private batchHold(state: DispatchState, now: Date): number | null {
    if (state.region === null) return null;
    const until = Date.parse(state.updatedAt) + BATCH_HOLD_INTERVALS * this.deps.liveSettings.get('dispatch.batch').intervalSeconds * 1000;
    return now.getTime() < until ? until : null;
  }

  private async close(state: DispatchState, to: 'assigned' | 'closed', now: Date): Promise<RoundOutcome> {
    if (state.status === 'open') await this.deps.dispatches.save({ ...state, status: to, version: state.version + 1, updatedAt: now.toISOString() }, state.version);
    return { outcome: 'done', reason: to };
  }

  /** Nobody fit: the round still counts, and ops hear once when the rounds run out. */
  private async emptyRound(state: DispatchState, radiusM: number, now: Date): Promise<RoundOutcome> {
    const rounds = this.deps.liveSettings.get('dispatch.rounds');
    const next: DispatchState = { ...state, round: state.round + 1, radiusM, version: state.version + 1, updatedAt: now.toISOString() };
    const alert = needsOpsAlert(rounds, next);
    if (alert) next.alertedAt = now.toISOString();
    await this.deps.unitOfWork.transaction(async () => {
      if (!(await this.deps.dispatches.save(next, state.version))) return;
      if (alert) await this.deps.outbox.add([{ type: dispatchAlertRaised.type, aggregateId: state.deliveryId, aggregateVersion: next.version, occurredAt: now.toISOString(), payload: { deliveryId: state.deliveryId, orderId: state.orderId, round: next.round, radiusM, at: now.toISOString() } }]);
    });
    return { outcome: 'no_candidate', round: next.round, radiusM, alerted: alert };
  }
}
