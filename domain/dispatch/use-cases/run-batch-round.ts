import type { Clock } from '../../shared/ids.js';
import type { SettingsReader } from '../../platform/ports.js';
import type { Vehicle } from '../../shared/vehicles.js';
import type { DeliveryRepository } from '../../delivery/ports.js';
import type { DeliveryView } from '../../delivery/model.js';
import { radiusForRound, type DispatchState } from '../model.js';
import type { CourierCashLimit, CourierLocator, DispatchOrders, DispatchRepository, OfferRepository } from '../ports.js';
import { buildBatchCandidates, type BatchDelivery } from '../batch-candidates.js';
import { isBusyRegion, planBatchRound } from '../batch-round.js';
import { candidateCost, candidateFeatures } from '../scoring.js';
import type { Point } from '../stacking.js';
import type { SendOffer } from './send-offer.js';
import { freeCapacities } from '../free-capacity.js';

export interface RunBatchRoundDeps {
  dispatches: DispatchRepository;
  offers: OfferRepository;
  deliveries: DeliveryRepository;
  courierLocator: CourierLocator;
  courierCashLimit: CourierCashLimit;
  dispatchOrders: DispatchOrders;
  sendOffer: Pick<SendOffer, 'execute'>;
  liveSettings: SettingsReader;
  clock: Clock;
  /** Seconds from one point to another for a vehicle (the geo ETA layers). */
  etaS: (from: Point, to: Point, vehicle: Vehicle) => number;
  distanceM: (p: Point, q: Point) => number;
  /** The region a pickup belongs to (the courier index's region cell). */
  regionOf: (p: Point) => string;
}

export interface BatchRoundReport {
  /** Regions with deliveries waiting, and those busy enough to batch. */
  regions: number;
  busyRegions: number;
  /** Deliveries matched in busy regions, and the offers actually sent (a delivery answered meanwhile is skipped). */
  planned: number;
  offered: number;
  unmatched: number;
}

/** Most open deliveries one round reads (oldest first); the rest wait for the next round. */
export const BATCH_SCAN_LIMIT = 2_000;

interface Waiting {
  state: DispatchState;
  delivery: DeliveryView;
  order: { courierFeeMinor: number; cash: boolean; readyAt: number | null } | null;
}

/**
 * One batch round over every region: the open deliveries with no offer out
 * are grouped by region; a busy region (`dispatch.batch.busyOpenDeliveries`
 * or more dispatches open there, the count RunDispatchRound holds its greedy
 * offers by) is matched jointly (`planBatchRound`: the exact minimum-cost
 * matching, stacking up to K orders per courier), and each planned offer goes
 * out through SendOffer, which starts the delivery's round and its timer. A
 * quieter region is left to the one-at-a-time rounds. Safe to run again: a
 * delivery with an offer out is not planned, and SendOffer never makes a
 * second pending offer for a delivery.
 */
export class RunBatchRound {
  constructor(private readonly deps: RunBatchRoundDeps) {}

  async execute(): Promise<BatchRoundReport> {
    const settings = this.deps.liveSettings.get('dispatch.batch');
    const { regions, openIn } = await this.waitingByRegion();
    const report: BatchRoundReport = { regions: regions.size, busyRegions: 0, planned: 0, offered: 0, unmatched: 0 };
    for (const [region, waiting] of regions) {
      // Busy by the open dispatches there (offers out included), as the greedy round reckons when it holds a delivery for this round.
      if (!isBusyRegion(openIn.get(region) ?? 0, settings)) continue;
      report.busyRegions++;
      const r = await this.matchRegion(waiting);
      report.planned += r.planned;
      report.offered += r.offered;
      report.unmatched += r.unmatched;
    }
    return report;
  }

  /** The waiting deliveries by region, and how many dispatches are open in each region. */
  private async waitingByRegion(): Promise<{ regions: Map<string, Waiting[]>; openIn: Map<string, number> }> {
    const open = await this.deps.dispatches.listOpen(BATCH_SCAN_LIMIT);
    const openIn = new Map<string, number>();
    for (const s of open) if (s.region !== null) openIn.set(s.region, (openIn.get(s.region) ?? 0) + 1);
    const found = await Promise.all(
      open.map(async (state): Promise<Waiting | null> => {
        if (await this.deps.offers.findPendingByDelivery(state.deliveryId)) return null;
        const d = await this.deps.deliveries.findById(state.deliveryId);
        if (!d || d.courierId !== null || d.status !== 'pending') return null;
        return { state, delivery: d.toView(), order: await this.deps.dispatchOrders.of(d.orderId) };
      }),
    );
    const regions = new Map<string, Waiting[]>();
    for (const w of found) {
      if (!w) continue;
      const key = w.state.region ?? this.deps.regionOf(w.delivery.pickup);
      if (w.state.region === null) openIn.set(key, (openIn.get(key) ?? 0) + 1); // opened by hand: counted where its pickup is
      regions.set(key, [...(regions.get(key) ?? []), w]);
    }
    return { regions, openIn };
  }

  private async matchRegion(waiting: Waiting[]): Promise<{ planned: number; offered: number; unmatched: number }> {
    const { liveSettings, clock } = this.deps;
    const settings = liveSettings.get('dispatch.batch');
    const rounds = liveSettings.get('dispatch.rounds');
    const promiseMs = liveSettings.get('dispatch.promiseMinutes') * 60_000;
    const now = clock.now().getTime();
    const byId = new Map(waiting.map((w) => [w.delivery.id, w]));
    const deliveries: BatchDelivery[] = waiting.map((w) => {
      const readyAtMs = Math.max(now, w.order?.readyAt ?? now);
      return { deliveryId: w.delivery.id, storeId: w.delivery.storeId, pickup: w.delivery.pickup, dropoff: w.delivery.dropoff, readyAtMs, promisedByMs: Math.max(Date.parse(w.state.openedAt), w.order?.readyAt ?? 0) + promiseMs, excluded: new Set(w.state.excluded) };
    });
    const radiusM = radiusForRound(rounds, Math.max(...waiting.map((w) => w.state.round)) + 1);
    const weights = { ...liveSettings.get('dispatch.weights'), scales: liveSettings.get('dispatch.scoreScales') };
    const candidates = await buildBatchCandidates(
      { locator: this.deps.courierLocator, etaS: this.deps.etaS, cost: (d, _c, etaToPickupS) => candidateCost(candidateFeatures({ now, etaToPickupS, readyAt: byId.get(d.deliveryId)?.order?.readyAt ?? null, lastJobEndedAt: null, onlineSince: null, offers: { offered: 0, accepted: 0 } }), weights) },
      deliveries,
      { k: settings.candidatesPerDelivery, radiusM },
    );
    await this.dropIneligible(candidates, byId, weights, now);
    const plan = planBatchRound({ deliveries, candidates, settings, nowMs: now, etaS: this.deps.etaS, distanceM: this.deps.distanceM });
    let offered = 0;
    for (const a of plan.offers) {
      const w = byId.get(a.deliveryId)!;
      const sent = await this.deps.sendOffer.execute({ delivery: w.delivery, courierId: a.courierId, feeMinor: w.order?.courierFeeMinor ?? 0, cash: w.order?.cash ?? false, cost: a.cost });
      if (sent && sent.courierId === a.courierId) offered++;
    }
    return { planned: plan.offers.length, offered, unmatched: plan.unmatched.length };
  }

  /**
   * Cash orders lose the couriers over their cash limit; every pair is priced
   * again with the courier's acceptance record (one read for the round).
   */
  private async dropIneligible(candidates: Awaited<ReturnType<typeof buildBatchCandidates>>, byId: Map<string, Waiting>, weights: Parameters<typeof candidateCost>[1], now: number): Promise<void> {
    // The index's load lags an assignment, and offers out (a greedy round's) hold room too: the database says what is free.
    const views = [...candidates.couriers.values()];
    const room = await freeCapacities(this.deps, views);
    for (const c of views) {
      const free = room.get(c.courierId)!;
      if (free <= 0) candidates.couriers.delete(c.courierId);
      else c.freeCapacity = Math.min(c.freeCapacity, free);
    }
    candidates.pairs = candidates.pairs.filter((p) => candidates.couriers.has(p.courierId));
    const ids = [...candidates.couriers.keys()];
    const cashOrders = candidates.pairs.some((p) => byId.get(p.deliveryId)?.order?.cash);
    const [over, records] = await Promise.all([cashOrders ? this.deps.courierCashLimit.overLimit(ids) : Promise.resolve(new Set<string>()), this.deps.offers.records(ids)]);
    candidates.pairs = candidates.pairs
      .filter((p) => !(byId.get(p.deliveryId)?.order?.cash && over.has(p.courierId)))
      .map((p) => {
        const c = candidates.couriers.get(p.courierId)!;
        const w = byId.get(p.deliveryId)!;
        const etaToPickupS = this.deps.etaS(c.at, w.delivery.pickup, c.vehicle);
        const features = candidateFeatures({ now, etaToPickupS, readyAt: w.order?.readyAt ?? null, lastJobEndedAt: null, onlineSince: null, offers: records.get(p.courierId) ?? { offered: 0, accepted: 0 } });
        return { ...p, cost: candidateCost(features, weights) };
      });
  }
}
