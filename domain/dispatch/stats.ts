/**
 * The ops board's dispatch figures, computed from what the offer flow and the
 * delivery lifecycle record. Pure: the route (and the simulation) read the
 * records for a time window and hand them here, so both report the same thing
 * the same way. Times are epoch milliseconds; null = not happened (yet).
 */
export interface DeliveryRecord {
  /** When dispatch started looking for a courier. */
  openedAt: number;
  /** The first assignment. */
  assignedAt: number | null;
  /** The courier entered the store's geofence. */
  arrivedAtStoreAt: number | null;
  pickedUpAt: number | null;
  deliveredAt: number | null;
  promisedBy: number | null;
  /** Assignments after the first (unassigned, reassigned). */
  reassignments: number;
}

export interface OfferRecord {
  sentAt: number;
  outcome: 'accepted' | 'declined' | 'expired' | 'open';
  answeredAt: number | null;
}

export interface CourierTime {
  onlineMs: number;
  onJobMs: number;
}

export interface Spread {
  count: number;
  meanS: number | null;
  p90S: number | null;
}

export interface DispatchStats {
  timeToAssign: Spread;
  offerToAccept: Spread;
  /** Accepted ÷ answered-or-expired offers, 0–1; null with no finished offer. */
  acceptanceRate: number | null;
  reassignmentsPerOrder: number | null;
  /** Time on a job ÷ time online, over all couriers, 0–1. */
  courierUtilisation: number | null;
  waitAtStore: Spread;
  /** Delivered by the promised time, in % of delivered orders that had a promise. */
  onTimePct: number | null;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** Mean and nearest-rank 90th percentile of durations in ms, in seconds. */
function spread(durationsMs: number[]): Spread {
  const xs = durationsMs.filter((x) => Number.isFinite(x) && x >= 0).sort((a, b) => a - b);
  if (xs.length === 0) return { count: 0, meanS: null, p90S: null };
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const p90 = xs[Math.ceil(0.9 * xs.length) - 1]!;
  return { count: xs.length, meanS: r3(mean / 1000), p90S: r3(p90 / 1000) };
}

const ratio = (num: number, den: number): number | null => (den > 0 ? r3(num / den) : null);

export function dispatchStats(input: { deliveries: readonly DeliveryRecord[]; offers: readonly OfferRecord[]; couriers: readonly CourierTime[] }): DispatchStats {
  const { deliveries, offers, couriers } = input;
  const assigned = deliveries.filter((d) => d.assignedAt !== null);
  const accepted = offers.filter((o) => o.outcome === 'accepted');
  const finished = offers.filter((o) => o.outcome !== 'open');
  const delivered = deliveries.filter((d) => d.deliveredAt !== null && d.promisedBy !== null);
  const online = couriers.reduce((s, c) => s + Math.max(0, c.onlineMs), 0);
  const onJob = couriers.reduce((s, c) => s + Math.min(Math.max(0, c.onJobMs), Math.max(0, c.onlineMs)), 0);
  const onTime = delivered.filter((d) => d.deliveredAt! <= d.promisedBy!).length;
  return {
    timeToAssign: spread(assigned.map((d) => d.assignedAt! - d.openedAt)),
    offerToAccept: spread(accepted.filter((o) => o.answeredAt !== null).map((o) => o.answeredAt! - o.sentAt)),
    acceptanceRate: ratio(accepted.length, finished.length),
    reassignmentsPerOrder: ratio(deliveries.reduce((s, d) => s + Math.max(0, d.reassignments), 0), deliveries.length),
    courierUtilisation: ratio(onJob, online),
    waitAtStore: spread(deliveries.filter((d) => d.arrivedAtStoreAt !== null && d.pickedUpAt !== null).map((d) => d.pickedUpAt! - d.arrivedAtStoreAt!)),
    onTimePct: delivered.length > 0 ? Math.round((onTime / delivered.length) * 1000) / 10 : null,
  };
}
