/**
 * One run of the simulated day: a fresh app and city, the dispatch settings of
 * the run, the fleet online at its planned starts, the planned orders placed at
 * their times, progress lines every few wall seconds, then a drain until every
 * order is delivered (or the drain time is up), and the figures from the
 * server's records.
 */
import os from 'node:os';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import type { SettingValue } from '../../domain/platform/settings.js';
import { SimClock, sleepWall } from './clock.js';
import { SimCourier, newCounters, type CourierCounters } from './courier.js';
import { doubleAssignments, overCapacity, progressLine, runFigures, type CourierShift, type RunFigures } from './metrics.js';
import { OrderFlow, type OrderCounters } from './orders.js';
import { DEFAULT_DAY, planDay, planFleet, type DayOptions } from './plan.js';
import { ServerRecords } from './server.js';
import { buildWorld, type CityOptions, type World } from './world.js';

export type RunName = 'greedy' | 'batch' | 'batchStacked';

export interface RunSpec {
  name: RunName;
  /** What each courier declares going online: how many orders they carry at once. */
  capacity: number;
  /** Over the default `dispatch.batch`. */
  batch: Partial<SettingValue<'dispatch.batch'>>;
}

/**
 * The three ways of the same day. Greedy: no region ever counts as busy, so every delivery gets one offer at a
 * time. Batch: every region is busy from its first open delivery, so all of them go through the matcher's
 * rounds. Stacked: the same, with K = 2 and couriers who carry two.
 */
export const RUNS: RunSpec[] = [
  { name: 'greedy', capacity: 1, batch: { busyOpenDeliveries: 10_000, maxStackedOrders: 1 } },
  { name: 'batch', capacity: 1, batch: { busyOpenDeliveries: 1, maxStackedOrders: 1, intervalSeconds: 1 } },
  { name: 'batchStacked', capacity: 2, batch: { busyOpenDeliveries: 1, maxStackedOrders: 2, intervalSeconds: 1 } },
];

export interface SimOptions extends CityOptions {
  compression: number;
  day: Omit<DayOptions, 'seed'>;
  /** After the last order, wait at most this long (simulated minutes) for the rest to be delivered. */
  drainMinutes: number;
  acceptProbability: number;
  /** Simulated seconds at each stop. */
  stopSeconds: number;
  /** Couriers start within this many metres of a store. */
  fleetSpreadM: number;
  /** The on-time promise, simulated minutes after placing. */
  promiseMinutes: number;
  /** Wall seconds between progress lines. */
  reportEveryS: number;
  /** A directory to write each run's server records to (<run>-records.json), for a closer look. */
  dumpDir?: string;
  log: (line: string) => void;
}

export const DEFAULT_SIM: Omit<SimOptions, 'log'> = {
  seed: 42,
  stores: 24,
  customers: 120,
  products: 4,
  couriers: 20,
  compression: 20,
  day: DEFAULT_DAY,
  drainMinutes: 60,
  acceptProbability: 0.85,
  stopSeconds: 60,
  fleetSpreadM: 1_500,
  promiseMinutes: 45,
  reportEveryS: 5,
};

export interface RunResult {
  name: RunName;
  figures: RunFigures;
  doubleAssignments: number;
  overCapacity: number;
  mostHeld: number;
  /** Each assignment over capacity: the courier, the delivery, when (wall ms) and how many they then held. */
  overCapacityCases: { courierId: string; deliveryId: string; at: number; held: number }[];
  planned: number;
  orders: OrderCounters;
  couriers: Omit<CourierCounters, 'errors'> & { errors: string[] };
  wallS: number;
  loadAverage: number[];
}

/**
 * The settings every run shares. The app runs on the wall clock and the day `compression` times faster, so
 * what is a duration in the app is scaled: the offer timeout (5 s at least), the idle time that saturates
 * the fairness term. Dispatch opens as soon as the store confirms (the app's expected ready time is in wall
 * minutes, far behind the simulated kitchen), which is also why the wait-at-store term is off and its share
 * given to the ETA. Couriers' cash limit is lifted: a day of cash orders must not stop dispatch for them.
 */
export function sharedSettings(compression: number): Record<string, unknown> {
  return {
    'dispatch.offerTimeoutSeconds': Math.max(5, Math.round(30 / compression)),
    'dispatch.openBeforeReadyMinutes': 240,
    'dispatch.scoreScales': { etaS: 1_200, waitAtStoreS: 900, idleS: Math.max(1, Math.round(1_800 / compression)) },
    'dispatch.weights': { eta: 0.75, waitAtStore: 0, idle: 0.15, acceptanceRate: 0.1 },
    'finance.cashLimitMinor': 1_000_000_000_000,
  };
}

async function applySettings(world: World, values: Record<string, unknown>): Promise<void> {
  const { api, adminToken: token } = world;
  for (const [key, value] of Object.entries(values)) {
    const current = await api<{ value: unknown; version: number }>(`read ${key}`, `/admin/settings/${key}`, { token });
    const merged = typeof value === 'object' && value !== null && !Array.isArray(value) && typeof current.value === 'object' ? { ...(current.value as object), ...value } : value;
    await api(`set ${key}`, `/admin/settings/${key}`, { method: 'PUT', token, json: { value: merged, expectedVersion: current.version, reason: 'city simulation' } });
  }
}

export async function runDay(opts: SimOptions, spec: RunSpec): Promise<RunResult> {
  const { log } = opts;
  const wall0 = Date.now();
  const world = await buildWorld(opts, log);
  const couriers: SimCourier[] = [];
  const counters = newCounters();
  let stopped = false;
  let reporter: NodeJS.Timeout | undefined;
  try {
    await applySettings(world, { ...sharedSettings(opts.compression), 'dispatch.batch': spec.batch });
    const plan = planDay({ stores: world.stores, addresses: world.addresses }, { ...opts.day, seed: opts.seed });
    const fleet = planFleet(opts.seed, world.couriers.length, world.stores.map((s) => s.location), opts.fleetSpreadM);
    log(`${spec.name}: ${plan.length} orders planned over ${opts.day.minutes} simulated minutes (λ ${opts.day.ordersPerMinute}/min), ${fleet.length} couriers of capacity ${spec.capacity}, time ×${opts.compression}`);

    const clock = new SimClock(opts.compression);
    const flow = new OrderFlow(world, clock);
    const deps = { url: world.app.url, api: world.api, clock, seed: opts.seed, acceptProbability: opts.acceptProbability, stopS: opts.stopSeconds, orderIndexOf: flow.orderIndexOf, readyOf: flow.readyOf, counters };
    for (const p of fleet) {
      const a = world.couriers[p.index]!;
      const courier = new SimCourier(deps, p.index, a.courierId, a.token, p.start, spec.capacity);
      await courier.start();
      couriers.push(courier);
    }
    const onlineFrom = Date.now();
    const records = new ServerRecords(world.c);
    const shifts = (to: number): CourierShift[] => couriers.map((c) => ({ courierId: c.courierId, onlineFrom, onlineTo: to }));
    const figuresNow = async () => {
      const { orders, offers } = await records.read(flow.placed);
      return { orders, offers, figures: runFigures({ orders, offers, shifts: shifts(Date.now()), compression: opts.compression, promiseMin: opts.promiseMinutes, nowMs: Date.now() }) };
    };
    let reporting = false;
    reporter = setInterval(() => {
      if (reporting) return;
      reporting = true;
      void figuresNow()
        .then(({ figures }) => log(progressLine(spec.name, clock.nowS() / 60, figures)))
        .catch((err: unknown) => log(`report failed: ${(err as Error).message}`))
        .finally(() => (reporting = false));
    }, opts.reportEveryS * 1000);

    await flow.run(plan, () => stopped);
    await flow.allPlaced();
    const drainEnd = clock.nowS() + opts.drainMinutes * 60;
    for (;;) {
      const { orders } = await records.read(flow.placed);
      if (orders.length >= flow.placed.length && orders.every((o) => o.endedAt !== null)) break;
      if (clock.nowS() >= drainEnd) {
        log(`${spec.name}: drain time up with ${orders.filter((o) => o.endedAt === null).length} orders not delivered`);
        break;
      }
      await sleepWall(500);
    }
    clearInterval(reporter);
    const end = Date.now();
    const { orders, offers, figures } = await figuresNow();
    const capacity = await records.capacities(couriers.map((c) => c.courierId));
    const over = overCapacity(orders, (id) => capacity.get(id) ?? 1, end);
    if (opts.dumpDir) writeFileSync(path.join(opts.dumpDir, `${spec.name}-records.json`), `${JSON.stringify({ orders, offers, capacity: Object.fromEntries(capacity) }, null, 1)}\n`);
    log(progressLine(spec.name, clock.nowS() / 60, figures));
    return {
      name: spec.name,
      figures,
      doubleAssignments: doubleAssignments(orders, offers),
      overCapacity: over.overCapacity,
      mostHeld: over.mostHeld,
      overCapacityCases: over.cases,
      planned: plan.length,
      orders: flow.counters,
      couriers: counters,
      wallS: Math.round((Date.now() - wall0) / 100) / 10,
      loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    };
  } finally {
    stopped = true;
    clearInterval(reporter);
    await Promise.all(couriers.map((c) => c.stop().catch(() => undefined)));
    await world.app.stop();
  }
}
