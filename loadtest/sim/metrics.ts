/**
 * The simulation's figures, from what the server recorded (orders' timelines,
 * deliveries' timestamps, dispatch states, offers): never from what the
 * simulated couriers believe. Pure. Server times are wall-clock epoch ms; the
 * simulation runs `compression` times faster than the wall clock, so every
 * duration is multiplied back into simulated time before it is reported.
 */
import { dispatchStats, type CourierTime, type DeliveryRecord, type DispatchStats, type OfferRecord } from '../../domain/dispatch/stats.js';

/** One planned order as the server recorded it (wall-clock epoch ms; null: not happened). */
export interface ServerOrder {
  orderId: string;
  deliveryId: string | null;
  /** The delivery's courier now. */
  courierId: string | null;
  placedAt: number;
  /** When dispatch opened the delivery (its dispatch state), else null. */
  openedAt: number | null;
  assignedAt: number | null;
  atPickupAt: number | null;
  pickedUpAt: number | null;
  deliveredAt: number | null;
  /** Delivered, cancelled or failed. */
  endedAt: number | null;
}

export interface ServerOffer {
  deliveryId: string;
  courierId: string;
  status: 'pending' | 'accepted' | 'declined' | 'expired';
  offeredAt: number;
  endedAt: number | null;
}

export interface CourierShift {
  courierId: string;
  /** Wall-clock epoch ms. */
  onlineFrom: number;
  onlineTo: number;
}

export interface RunFigures {
  placed: number;
  delivered: number;
  /** Placed → delivered, simulated minutes (mean over delivered orders). */
  meanDeliveryMin: number | null;
  /** Dispatch opened → first assignment, simulated seconds. */
  meanTimeToAssignS: number | null;
  /** Σ time on a job ÷ Σ time online (0–1). */
  utilisation: number | null;
  /** The ops board's seven figures (domain/dispatch/stats.ts), in simulated time. */
  stats: DispatchStats;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** Length of the union of [from, to) intervals, clipped to [lo, hi). */
export function coveredMs(intervals: readonly [number, number][], lo: number, hi: number): number {
  const clipped = intervals.map(([a, b]) => [Math.max(a, lo), Math.min(b, hi)] as const).filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  let total = 0;
  let end = -Infinity;
  for (const [a, b] of clipped) {
    if (b <= end) continue;
    total += b - Math.max(a, end);
    end = b;
  }
  return total;
}

/**
 * The run's figures at wall time `nowMs`. `compression` turns wall durations into simulated ones;
 * `promiseMin` (simulated minutes after placing) is the on-time promise.
 */
export function runFigures(input: { orders: readonly ServerOrder[]; offers: readonly ServerOffer[]; shifts: readonly CourierShift[]; compression: number; promiseMin: number; nowMs: number }): RunFigures {
  const { orders, offers, shifts, compression: k, nowMs } = input;
  // Simulated time: wall durations × k, from a common origin.
  const t0 = Math.min(...orders.map((o) => o.placedAt), ...shifts.map((s) => s.onlineFrom), nowMs);
  const sim = (t: number | null): number | null => (t === null ? null : (t - t0) * k);
  const accepted = new Map<string, Set<string>>();
  for (const o of offers) if (o.status === 'accepted') accepted.set(o.deliveryId, (accepted.get(o.deliveryId) ?? new Set()).add(o.courierId));

  const records: DeliveryRecord[] = orders
    .filter((o) => o.openedAt !== null)
    .map((o) => ({
      openedAt: sim(o.openedAt)!,
      assignedAt: sim(o.assignedAt),
      arrivedAtStoreAt: sim(o.atPickupAt),
      pickedUpAt: sim(o.pickedUpAt),
      deliveredAt: sim(o.deliveredAt),
      promisedBy: sim(o.placedAt)! + input.promiseMin * 60_000,
      reassignments: Math.max(0, (accepted.get(o.deliveryId ?? '')?.size ?? 0) - 1),
    }));
  const offerRecords: OfferRecord[] = offers.map((o) => ({
    sentAt: sim(o.offeredAt)!,
    outcome: o.status === 'pending' ? 'open' : o.status,
    answeredAt: sim(o.endedAt),
  }));
  const jobs = new Map<string, [number, number][]>();
  for (const o of orders) {
    if (!o.courierId || o.assignedAt === null) continue;
    const list = jobs.get(o.courierId) ?? [];
    list.push([o.assignedAt, o.endedAt ?? nowMs]);
    jobs.set(o.courierId, list);
  }
  const couriers: CourierTime[] = shifts.map((s) => {
    const to = Math.min(s.onlineTo, nowMs);
    return { onlineMs: Math.max(0, to - s.onlineFrom) * k, onJobMs: coveredMs(jobs.get(s.courierId) ?? [], s.onlineFrom, to) * k };
  });
  const stats = dispatchStats({ deliveries: records, offers: offerRecords, couriers });

  const delivered = orders.filter((o) => o.deliveredAt !== null);
  const meanMs = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : null);
  const deliveryMs = meanMs(delivered.map((o) => (o.deliveredAt! - o.placedAt) * k));
  return {
    placed: orders.length,
    delivered: delivered.length,
    meanDeliveryMin: deliveryMs === null ? null : r3(deliveryMs / 60_000),
    meanTimeToAssignS: stats.timeToAssign.meanS,
    utilisation: stats.courierUtilisation,
    stats,
  };
}

/**
 * Deliveries given to more than one courier: per delivery, every courier
 * beyond the first among those whose offer for it was accepted and the one
 * the delivery names. The simulation never reassigns by hand, so any such
 * courier is a double assignment.
 */
export function doubleAssignments(orders: readonly ServerOrder[], offers: readonly ServerOffer[]): number {
  const couriers = new Map<string, Set<string>>();
  const acceptedCount = new Map<string, number>();
  for (const o of offers) {
    if (o.status !== 'accepted') continue;
    couriers.set(o.deliveryId, (couriers.get(o.deliveryId) ?? new Set()).add(o.courierId));
    acceptedCount.set(o.deliveryId, (acceptedCount.get(o.deliveryId) ?? 0) + 1);
  }
  for (const o of orders) if (o.deliveryId && o.courierId) couriers.set(o.deliveryId, (couriers.get(o.deliveryId) ?? new Set()).add(o.courierId));
  let n = 0;
  for (const [deliveryId, set] of couriers) n += Math.max(set.size, acceptedCount.get(deliveryId) ?? 0) - 1;
  return Math.max(0, n);
}

/**
 * Assignments that put a courier over capacity: each courier's deliveries
 * as [assigned, ended) intervals; an assignment that starts while `capacity`
 * others are still open counts once. `capacityOf` is what the server holds
 * (the courier's state in the geo index); an interval ending at the same
 * instant another starts does not overlap it.
 */
export function overCapacity(orders: readonly ServerOrder[], capacityOf: (courierId: string) => number, nowMs: number): { overCapacity: number; mostHeld: number; cases: { courierId: string; deliveryId: string; at: number; held: number }[] } {
  const byCourier = new Map<string, { deliveryId: string; from: number; to: number }[]>();
  for (const o of orders) {
    if (!o.courierId || o.assignedAt === null) continue;
    byCourier.set(o.courierId, [...(byCourier.get(o.courierId) ?? []), { deliveryId: o.deliveryId ?? o.orderId, from: o.assignedAt, to: o.endedAt ?? nowMs }]);
  }
  let mostHeld = 0;
  const cases: { courierId: string; deliveryId: string; at: number; held: number }[] = [];
  for (const [courierId, jobs] of byCourier) {
    const events = jobs.flatMap((j) => [{ at: j.from, delta: 1, deliveryId: j.deliveryId }, { at: j.to, delta: -1, deliveryId: j.deliveryId }]).sort((x, y) => x.at - y.at || x.delta - y.delta);
    let held = 0;
    for (const e of events) {
      held += e.delta;
      if (e.delta > 0 && held > capacityOf(courierId)) cases.push({ courierId, deliveryId: e.deliveryId, at: e.at, held });
      mostHeld = Math.max(mostHeld, held);
    }
  }
  return { overCapacity: cases.length, mostHeld, cases };
}

const fmt = (x: number | null, unit = '', digits = 0) => (x === null ? '–' : `${x.toFixed(digits)}${unit}`);

/** One progress line: the issue's seven figures, in simulated time. */
export function progressLine(run: string, simMinute: number, f: RunFigures): string {
  const s = f.stats;
  return [
    `[${run} ${String(Math.floor(simMinute)).padStart(3)} min]`,
    `orders ${f.delivered}/${f.placed} delivered`,
    `mean delivery ${fmt(f.meanDeliveryMin, ' min', 1)}`,
    `assign ${fmt(s.timeToAssign.meanS, ' s')} (p90 ${fmt(s.timeToAssign.p90S, ' s')})`,
    `offer→accept ${fmt(s.offerToAccept.meanS, ' s')}`,
    `accepted ${s.acceptanceRate === null ? '–' : `${Math.round(s.acceptanceRate * 100)} %`}`,
    `reassign/order ${fmt(s.reassignmentsPerOrder, '', 2)}`,
    `utilisation ${fmt(s.courierUtilisation, '', 2)}`,
    `wait@store ${fmt(s.waitAtStore.meanS, ' s')}`,
    `on time ${fmt(s.onTimePct, ' %')}`,
  ].join(' · ');
}
