import { asFunction, type AwilixContainer } from 'awilix';
import type { RouteSpec } from '../../api/route-kit.js';
import { dispatchControlRoutes, type DispatchControlRouteDeps } from '../../api/routes/dispatch-control.js';
import type { CourierShifts } from '../../domain/dispatch/ports.js';
import { ControlDelivery } from '../../domain/dispatch/use-cases/control-delivery.js';
import { DispatchQueries } from '../../domain/dispatch/use-cases/queries.js';
import type { OrderReadiness } from '../../domain/delivery/ports.js';
import type { CheckCourierEligibility } from '../../domain/identity/use-cases/check-courier-eligibility.js';
import type { SettingsReader } from '../../domain/platform/ports.js';
import type { Outbox, UnitOfWork } from '../../domain/shared/events.js';
import type { Clock, IdGenerator } from '../../domain/shared/ids.js';
import type { CourierPresence } from '../../server/presence.js';
import type { Repositories } from '../db/index.js';
import type { Metrics } from '../metrics.js';

/** Dispatch's manual control and the ops figures (docs/dispatch.md, Manual control and Metrics). */
export interface DispatchControlCradle extends DispatchControlRouteDeps {
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
    dispatchQueries: asFunction((c: DispatchControlCradle & Needs) => new DispatchQueries({
      dispatches: c.repositories.dispatches, offers: c.repositories.offers, deliveries: c.repositories.deliveries, courierShifts: c.courierShifts, liveSettings: c.liveSettings, clock: c.clock,
    })).singleton(),
  });
}

/** The window of the Prometheus dispatch gauges (the stats route takes any window). */
export const METRICS_WINDOW_MINUTES = 60;

/** Prometheus reads the ops figures at scrape time (api and all-in-one roles: they hold the queries). */
export function startDispatchMetrics(c: DispatchControlRouteDeps & { metrics: Metrics }): void {
  c.metrics.dispatchFigures(() => c.dispatchQueries.stats(METRICS_WINDOW_MINUTES), METRICS_WINDOW_MINUTES);
}

export const dispatchControlRoutesOf = (c: DispatchControlRouteDeps): RouteSpec[] => dispatchControlRoutes(c);
