import { asFunction, type AwilixContainer } from 'awilix';
import type { RouteSpec } from '../../api/route-kit.js';
import { dispatchControlRoutes, type DispatchControlRouteDeps } from '../../api/routes/dispatch-control.js';
import type { CourierShifts } from '../../domain/dispatch/ports.js';
import { ControlDelivery } from '../../domain/dispatch/use-cases/control-delivery.js';
import { DispatchQueries } from '../../domain/dispatch/use-cases/queries.js';
import { ListPendingOffers } from '../../domain/dispatch/use-cases/list-pending-offers.js';
import { DeliveryEtas } from '../../domain/dispatch/use-cases/delivery-etas.js';
import type { OrderReadiness } from '../../domain/delivery/ports.js';
import type { CheckCourierEligibility } from '../../domain/identity/use-cases/check-courier-eligibility.js';
import type { SettingsReader } from '../../domain/platform/ports.js';
import type { Outbox, UnitOfWork } from '../../domain/shared/events.js';
import type { Clock, IdGenerator } from '../../domain/shared/ids.js';
import type { CourierPresence } from '../../server/presence.js';
import type { Repositories } from '../db/index.js';
import type { Metrics } from '../metrics.js';
import type { Logger } from 'pino';
import { etaThrough, haversineM, type CourierIndex, type EtaService } from '../../geo/index.js';
import type { CourierCashLimit, DispatchOrders } from '../../domain/dispatch/ports.js';
import type { SendOffer } from '../../domain/dispatch/use-cases/send-offer.js';
import { RunBatchRound } from '../../domain/dispatch/use-cases/run-batch-round.js';
import { DISPATCH_BATCH_SCHEDULER, dispatchBatchProcessor } from '../../workers/processors/dispatch-batch.js';
import { QUEUES } from '../../workers/queues.js';
import type { Queues } from '../queues.js';
import { dispatchRegionOf, etaSecondsOf } from './dispatch.js';

/** Dispatch's manual control and the ops figures (docs/dispatch.md, Manual control and Metrics). */
export interface DispatchControlCradle extends DispatchControlRouteDeps {
  /** One batch-matching round over the busy regions (the worker's repeatable job). */
  runBatchRound: RunBatchRound;
  /** When couriers came online, from the hubs' presence records. */
  courierShifts: CourierShifts;
}

interface Needs {
  repositories: Repositories;
  outbox: Outbox;
  unitOfWork: UnitOfWork;
  liveSettings: SettingsReader;
  clock: Clock;
  ids: IdGenerator;
  courierEligibility: CheckCourierEligibility;
  orderReadiness: OrderReadiness;
  presence: CourierPresence;
  courierIndex: CourierIndex;
  eta: EtaService;
  courierCashLimit: CourierCashLimit;
  dispatchOrders: DispatchOrders;
  sendOffer: SendOffer;
}

export function registerDispatchControl(container: AwilixContainer<DispatchControlCradle & Needs>): void {
  container.register({
    courierShifts: asFunction(({ presence }: Needs): CourierShifts => ({
      async onlineSince(ids) {
        const entries = await Promise.all(ids.map((id) => presence.get(id)));
        return new Map(entries.flatMap((e, i) => (e ? [[ids[i]!, e.since] as const] : [])));
      },
    })).singleton(),
    controlDelivery: asFunction((c: Needs) => new ControlDelivery({
      deliveries: c.repositories.deliveries, stores: c.repositories.stores, offers: c.repositories.offers, dispatches: c.repositories.dispatches,
      outbox: c.outbox, unitOfWork: c.unitOfWork, liveSettings: c.liveSettings, clock: c.clock, ids: c.ids, courierEligibility: c.courierEligibility, orderReadiness: c.orderReadiness,
    })).singleton(),
    runBatchRound: asFunction((c: Needs) => new RunBatchRound({
      dispatches: c.repositories.dispatches, offers: c.repositories.offers, deliveries: c.repositories.deliveries, courierLocator: c.courierIndex, courierCashLimit: c.courierCashLimit,
      dispatchOrders: c.dispatchOrders, sendOffer: c.sendOffer, liveSettings: c.liveSettings, clock: c.clock, etaS: etaSecondsOf(c.eta),
      distanceM: (p, q) => haversineM(p.lat, p.lng, q.lat, q.lng),
      regionOf: dispatchRegionOf,
    })).singleton(),
    dispatchQueries: asFunction((c: DispatchControlCradle & Needs) => new DispatchQueries({
      dispatches: c.repositories.dispatches, offers: c.repositories.offers, deliveries: c.repositories.deliveries, courierShifts: c.courierShifts, liveSettings: c.liveSettings, clock: c.clock,
    })).singleton(),
    listPendingOffers: asFunction((c: Needs) => new ListPendingOffers({ offers: c.repositories.offers, liveSettings: c.liveSettings, clock: c.clock })).singleton(),
    deliveryEtas: asFunction((c: Needs) => new DeliveryEtas({
      deliveries: c.repositories.deliveries, courierLocator: c.courierIndex, clock: c.clock,
      etaThrough: (at, stops, vehicle) => etaThrough(c.eta, at, stops, vehicle),
    })).singleton(),
  });
}

/** The window of the Prometheus dispatch gauges (the stats route takes any window). */
export const METRICS_WINDOW_MINUTES = 60;

/** Prometheus reads the ops figures at scrape time (api and all-in-one roles: they hold the queries). */
export function startDispatchMetrics(c: DispatchControlRouteDeps & { metrics: Metrics }): void {
  c.metrics.dispatchFigures(() => c.dispatchQueries.stats(METRICS_WINDOW_MINUTES), METRICS_WINDOW_MINUTES);
}

/**
 * The worker role's batch-matching loop: a repeatable job every
 * `dispatch.batch.intervalSeconds` (one scheduler for the deployment), one
 * round at a time per worker. Regions are the courier index's region cells.
 */
export function startDispatchBatch(c: DispatchControlCradle & Needs & { queues: Queues; logger: Logger }): void {
  const schedule = {
    everyMs: null as number | null,
    async set(everyMs: number) {
      await c.queues.repeat(QUEUES.dispatchBatch, DISPATCH_BATCH_SCHEDULER, everyMs, { task: 'round' });
      schedule.everyMs = everyMs;
    },
  };
  c.queues.work(QUEUES.dispatchBatch, dispatchBatchProcessor({ runBatchRound: c.runBatchRound, liveSettings: c.liveSettings, schedule }), 1);
  void scheduleWhenRedisAnswers(() => schedule.set(c.liveSettings.get('dispatch.batch').intervalSeconds * 1000), c.logger);
}

/** At start Redis may still be connecting and the queue refuses at once: try again for a while (about 20 s). */
async function scheduleWhenRedisAnswers(schedule: () => Promise<void>, logger: Logger): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await schedule();
    } catch (err) {
      if (attempt >= 40) return void logger.warn({ err }, 'could not schedule the dispatch batch round; the next start retries');
      await new Promise((r) => setTimeout(r, 500).unref());
    }
  }
}

export const dispatchControlRoutesOf = (c: DispatchControlRouteDeps): RouteSpec[] => dispatchControlRoutes(c);
