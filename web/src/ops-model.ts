export interface Delivery {
  id: string;
  orderId: string;
  storeId: string;
  status: string;
  courierId: string | null;
  pickup: { lat: number; lng: number };
  dropoff: { lat: number; lng: number };
  timestamps: Record<string, string>;
  reason: string | null;
  version: number;
  createdAt: string;
}

export const ACTIVE = new Set(['assigned', 'at_pickup', 'picked_up', 'at_dropoff']);

/** The server's ETA of a delivery (`GET /dispatch/etas`): seconds to the door from `at`. */
export interface ServerEta { deliveryId: string; status: string; etaS: number; source: string; from: 'courier' | 'pickup'; at: string }

/**
 * When each delivery reaches the door by the server's ETAs, kept while the delivery's status is the one
 * the ETA was computed for (a status change makes it stale until the next read).
 */
export function arrivalsOf(etas: readonly ServerEta[]): Map<string, { status: string; arriveAt: number }> {
  return new Map(etas.map((e) => [e.deliveryId, { status: e.status, arriveAt: Date.parse(e.at) + e.etaS * 1000 }]));
}

/** A pending offer as the board heard it on /ops (`offer:event`). */
export interface PendingOffer { offerId: string; deliveryId: string; courierId: string; expiresAt: number }

export type Alert =
  /** `eta`: whose ETA decided it, the server's (the ETA layers) or, until that is read, the board's straight line. */
  | { kind: 'late'; key: string; deliveryId: string; orderId: string; lateS: number; eta: 'server' | 'board' }
  | { kind: 'offer'; key: string; deliveryId: string; orderId: string | null; courierId: string; leftS: number }
  | { kind: 'stale'; key: string; courierId: string; silentS: number }
  | { kind: 'cash'; key: string; courierId: string };

/** An offer with this little time left is listed as expiring (offers last `dispatch.offerTimeoutSeconds`, 30 s by default). */
export const OFFER_EXPIRING_S = 15;
/**
 * The board's fallback ETA for a delivery, until the server's (`GET /dispatch/etas`, the ETA layers the
 * tracking page uses) has been read for it: the straight-line path still to go (courier → pickup →
 * dropoff, or courier → dropoff once picked up; pickup → dropoff with no courier in sight) at this speed.
 */
export const NOMINAL_SPEED_MPS = 6;

const M_PER_DEG = 111_320;
function metres(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
  const dy = (a.lat - b.lat) * M_PER_DEG;
  const dx = (a.lng - b.lng) * M_PER_DEG * Math.cos((((a.lat + b.lat) / 2) * Math.PI) / 180);
  return Math.hypot(dx, dy);
}

/** When the delivery is promised for: `dispatch.promiseMinutes` after it was opened (created), as the dispatch figures count it. */
export const promisedBy = (d: Delivery, promiseMinutes: number): number => Date.parse(d.createdAt) + promiseMinutes * 60_000;

export function etaSecondsOf(d: Delivery, courier: { lat: number; lng: number } | null): number {
  const pickedUp = d.status === 'picked_up' || d.status === 'at_dropoff';
  const path = pickedUp ? (courier ? metres(courier, d.dropoff) : 0) : (courier ? metres(courier, d.pickup) : 0) + metres(d.pickup, d.dropoff);
  return path / NOMINAL_SPEED_MPS;
}

/**
 * The board's alerts, most urgent first: late deliveries (the ETA lands past the promised time),
 * offers about to expire, couriers over their cash limit, stale couriers (the fleet layer lists them).
 */
export function alertsOf(input: {
  deliveries: Delivery[];
  positionOf: (courierId: string) => { lat: number; lng: number } | null;
  offers: PendingOffer[];
  overCash: ReadonlySet<string>;
  stale: { courierId: string; silentS: number }[];
  promiseMinutes: number;
  now: number;
  /** When the server's ETA says the delivery reaches the door (ms), for those it has answered. */
  arrivalOf?: (deliveryId: string) => number | null;
}): Alert[] {
  const { now } = input;
  const byId = new Map(input.deliveries.map((d) => [d.id, d]));
  const arrival = (d: Delivery) => {
    const server = input.arrivalOf?.(d.id) ?? null;
    return server !== null ? { at: server, eta: 'server' as const } : { at: now + etaSecondsOf(d, d.courierId ? input.positionOf(d.courierId) : null) * 1000, eta: 'board' as const };
  };
  const late: Alert[] = input.deliveries
    .filter((d) => d.status === 'pending' || ACTIVE.has(d.status))
    .map((d) => {
      const a = arrival(d);
      return { d, eta: a.eta, lateS: Math.round((a.at - promisedBy(d, input.promiseMinutes)) / 1000) };
    })
    .filter((x) => x.lateS > 0)
    .sort((a, b) => b.lateS - a.lateS)
    .map(({ d, lateS, eta }) => ({ kind: 'late', key: `late:${d.id}`, deliveryId: d.id, orderId: d.orderId, lateS, eta }));
  const offers: Alert[] = input.offers
    .map((o) => ({ o, leftS: Math.round((o.expiresAt - now) / 1000) }))
    .filter((x) => x.leftS >= 0 && x.leftS <= OFFER_EXPIRING_S)
    .sort((a, b) => a.leftS - b.leftS)
    .map(({ o, leftS }) => ({ kind: 'offer', key: `offer:${o.offerId}`, deliveryId: o.deliveryId, orderId: byId.get(o.deliveryId)?.orderId ?? null, courierId: o.courierId, leftS }));
  const cash: Alert[] = [...input.overCash].sort().map((courierId) => ({ kind: 'cash', key: `cash:${courierId}`, courierId }));
  const stale: Alert[] = input.stale.map((c) => ({ kind: 'stale', key: `stale:${c.courierId}`, courierId: c.courierId, silentS: c.silentS }));
  return [...late, ...offers, ...cash, ...stale];
}

/** GET /dispatch/stats over the last hour, as far as the board shows it. */
export interface DispatchFigures { assignP90S: number | null; onTimePct: number | null }

/** The header's figures, from what the board holds: the fleet's counts and the listed deliveries. */
export function kpisOf(deliveries: Delivery[], fleet: { online: number; available: number; busy: number }, now: number, promiseMinutes: number): { online: number; available: number; busy: number; perHour: number; medianAssignS: number | null; onTimePct: number | null } {
  const hourAgo = now - 3_600_000;
  const delivered = deliveries.filter((d) => d.timestamps.delivered);
  const perHour = delivered.filter((d) => Date.parse(d.timestamps.delivered!) >= hourAgo).length;
  const waits = deliveries
    .filter((d) => d.timestamps.assigned)
    .map((d) => (Date.parse(d.timestamps.assigned!) - Date.parse(d.createdAt)) / 1000)
    .sort((a, b) => a - b);
  const mid = Math.floor(waits.length / 2);
  const medianAssignS = waits.length === 0 ? null : waits.length % 2 ? waits[mid]! : (waits[mid - 1]! + waits[mid]!) / 2;
  const onTime = delivered.filter((d) => Date.parse(d.timestamps.delivered!) <= promisedBy(d, promiseMinutes)).length;
  return {
    online: fleet.online,
    available: fleet.available,
    busy: fleet.busy,
    perHour,
    medianAssignS,
    onTimePct: delivered.length ? Math.round((onTime / delivered.length) * 1000) / 10 : null,
  };
}

/** A store's zone as the board draws it: a polygon as is, a radius as a 64-sided ring. */
export function zoneRing(zone: { kind: 'polygon'; polygon: { coordinates: number[][][] } } | { kind: 'radius'; center: { lat: number; lng: number }; radiusM: number }): number[][][] {
  if (zone.kind === 'polygon') return zone.polygon.coordinates;
  const { center, radiusM } = zone;
  const ring: number[][] = [];
  for (let i = 0; i <= 64; i++) {
    const a = (i / 64) * 2 * Math.PI;
    ring.push([center.lng + (radiusM * Math.sin(a)) / (M_PER_DEG * Math.cos((center.lat * Math.PI) / 180)), center.lat + (radiusM * Math.cos(a)) / M_PER_DEG]);
  }
  return [ring];
}
