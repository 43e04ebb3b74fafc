import { asFunction, type AwilixContainer } from 'awilix';
import type { Logger } from 'pino';
import type { CourierCashLimit, CourierLocator, DispatchOrders, DispatchRepository, OfferRepository, OfferTimer } from '../../domain/dispatch/ports.js';
import { SendOffer } from '../../domain/dispatch/use-cases/send-offer.js';
import { RunDispatchRound } from '../../domain/dispatch/use-cases/run-dispatch-round.js';
import { AnswerOffer } from '../../domain/dispatch/use-cases/answer-offer.js';
import { DispatchOrdersOfOrders } from '../../domain/ordering/use-cases/dispatch-orders.js';
import { latLngToCell } from 'h3-js';
import type { Coordinate } from '../../domain/shared/coordinate.js';
import { REGION_RESOLUTION } from './realtime.js';
import type { Vehicle } from '../../domain/shared/vehicles.js';
import type { Outbox, ProcessedEvents, UnitOfWork } from '../../domain/shared/events.js';
import type { Clock } from '../../domain/shared/ids.js';
import type { SettingsReader } from '../../domain/platform/ports.js';
import type { DeliveryRepository } from '../../domain/delivery/ports.js';
import { haversineEta, type CourierIndex, type EtaService } from '../../geo/index.js';
import { dispatchProcessor, dispatchRoundProcessor, jobIdOf, offerExpiryProcessor, resumeOpenDispatches } from '../../workers/processors/dispatch.js';
import { QUEUES } from '../../workers/queues.js';
import type { Repositories } from '../db/index.js';
import type { Queues } from '../queues.js';
import { DispatchEventBus } from '../dispatch-events.js';
import type { RedisClient } from '../redis.js';

/** Automatic dispatch (docs/dispatch.md): offers, rounds, timers and the hubs' offer channel. */
export interface DispatchCradle {
  offers: OfferRepository;
  dispatches: DispatchRepository;
  /** Dispatch's view of the live fleet: the geo courier index. */
  courierLocator: CourierLocator;
  dispatchOrders: DispatchOrders;
  /** Each offer's expiry: a BullMQ delayed job keyed by the offer id. */
  offerTimer: OfferTimer;
  sendOffer: SendOffer;
  runDispatchRound: RunDispatchRound;
  answerOffer: AnswerOffer;
  /** Offers made and ended on `<REDIS_KEY_PREFIX>dispatch:events`: the relay publishes, hubs push offer:new. */
  dispatchEvents: DispatchEventBus;
}

interface Needs {
  repositories: Repositories;
  deliveries: DeliveryRepository;
  courierIndex: CourierIndex;
  eta: EtaService;
  courierCashLimit: CourierCashLimit;
  queues: Queues;
  outbox: Outbox;
  unitOfWork: UnitOfWork;
  processedEvents: ProcessedEvents;
  liveSettings: SettingsReader;
  clock: Clock;
  redis: RedisClient;
  keyPrefix: string;
  logger: Logger;
}

export function registerDispatch(container: AwilixContainer<DispatchCradle & Needs>): void {
  container.register({
    offers: asFunction(({ repositories }: Needs) => repositories.offers).singleton(),
    dispatches: asFunction(({ repositories }: Needs) => repositories.dispatches).singleton(),
    courierLocator: asFunction(({ courierIndex }: Needs) => courierIndex).singleton(),
    dispatchOrders: asFunction(({ repositories, liveSettings }: Needs) => new DispatchOrdersOfOrders({ orders: repositories.orders, stores: repositories.stores, liveSettings })).singleton(),
    offerTimer: asFunction(({ queues, clock }: Needs): OfferTimer => ({
      async schedule(offerId, expiresAt) {
        killBeforeTimerForTests();
        await queues.add(QUEUES.offerExpiry, { offerId }, { jobId: jobIdOf(offerId), delay: Math.max(0, expiresAt.getTime() - clock.now().getTime()) });
      },
    })).singleton(),
    sendOffer: asFunction((c: DispatchCradle & Needs) => new SendOffer({ offers: c.offers, dispatches: c.dispatches, outbox: c.outbox, unitOfWork: c.unitOfWork, offerTimer: c.offerTimer, liveSettings: c.liveSettings, clock: c.clock })).singleton(),
    runDispatchRound: asFunction((c: DispatchCradle & Needs) => new RunDispatchRound({
      deliveries: c.deliveries, dispatches: c.dispatches, offers: c.offers, courierLocator: c.courierLocator, courierCashLimit: c.courierCashLimit, dispatchOrders: c.dispatchOrders,
      sendOffer: c.sendOffer, outbox: c.outbox, unitOfWork: c.unitOfWork, liveSettings: c.liveSettings, clock: c.clock,
      etaS: etaSecondsOf(c.eta), regionOf: dispatchRegionOf,
    })).singleton(),
    answerOffer: asFunction((c: DispatchCradle & Needs) => new AnswerOffer({ offers: c.offers, dispatches: c.dispatches, deliveries: c.deliveries, outbox: c.outbox, unitOfWork: c.unitOfWork, clock: c.clock, courierLocator: c.courierLocator })).singleton(),
    dispatchEvents: asFunction(({ redis, logger, keyPrefix }: Needs) => new DispatchEventBus({ redis, logger, keyPrefix })).singleton(),
  });
}

/**
 * The ETA layers, synchronously as ranking needs them: a cached road answer or
 * learned pace when there is one (`peek`), else the haversine model.
 */
export const etaSecondsOf = (eta: EtaService) => (from: Coordinate, to: Coordinate, vehicle: Vehicle): number => (eta.peek(from, to, vehicle) ?? haversineEta(from, to, vehicle)).durationS;

/** The region of a pickup, as the courier index keys it: the batch round groups deliveries by it, and a busy one holds greedy rounds. */
export const dispatchRegionOf = (p: Coordinate): string => latLngToCell(p.lat, p.lng, REGION_RESOLUTION);

/** Rounds write a few rows and read the index: a short lock hands a killed worker's round on within seconds. */
const DISPATCH_LOCK_MS = 5_000;

/** The worker role: the dispatch consumer, the rounds, the offer timers, and the resume of open dispatches. */
export function startDispatchWorkers(c: DispatchCradle & Needs): void {
  c.queues.work(QUEUES.dispatch, dispatchProcessor(c), 4, DISPATCH_LOCK_MS);
  c.queues.work(QUEUES.dispatchRounds, dispatchRoundProcessor(c), 4, DISPATCH_LOCK_MS);
  c.queues.work(QUEUES.offerExpiry, offerExpiryProcessor(c), 4, DISPATCH_LOCK_MS);
  void resumeWhenRedisAnswers(c);
}

/** At start Redis may still be connecting: the queue refuses at once then, so the resume tries again for a while. */
async function resumeWhenRedisAnswers(c: DispatchCradle & Needs): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const n = await resumeOpenDispatches(c);
      if (n > 0) c.logger.info({ open: n }, 'resumed open dispatches');
      return;
    } catch (err) {
      if (attempt >= RESUME_ATTEMPTS) return void c.logger.warn({ err }, 'could not resume open dispatches; they resume at the next start or event');
      await new Promise((r) => setTimeout(r, 500).unref());
    }
  }
}
const RESUME_ATTEMPTS = 40;

/**
 * The crash test's seam: with NODE_ENV=test and DARAA_TEST_KILL_DISPATCH_BEFORE_TIMER=1
 * the worker kills itself (SIGKILL) after an offer commits, before its timer is set.
 */
function killBeforeTimerForTests(): void {
  if (process.env.NODE_ENV === 'test' && process.env.DARAA_TEST_KILL_DISPATCH_BEFORE_TIMER === '1') process.kill(process.pid, 'SIGKILL');
}
