/**
 * The simulated day, drawn before anything runs: when orders arrive (a Poisson
 * process), who orders what from which store, how long each store takes, where
 * each courier starts and how each courier answers each offer. Pure and seeded:
 * the same seed and the same city give the same day, so greedy, batch and
 * stacked runs face exactly the same customers and couriers.
 */
import { between, exponential, pick, stream } from './random.js';

export type Point = { lat: number; lng: number };

export interface PlanStore {
  minimumOrderMinor: number;
  variants: { priceMinor: number; stock: number }[];
}

export interface PlanAddress {
  customer: number;
  point: Point;
  /** Stores that deliver there, nearest first. */
  stores: number[];
}

export interface DayOptions {
  seed: number;
  /** How long orders keep arriving, simulated minutes. */
  minutes: number;
  /** The Poisson rate λ, orders per simulated minute. */
  ordersPerMinute: number;
  /** A store takes this long from confirming to ready, simulated minutes (uniform). */
  prepMinutes: [number, number];
  /** A store confirms this long after the order is placed, simulated seconds (uniform). */
  confirmSeconds: [number, number];
  /** A customer orders from one of this many nearest stores that deliver to them. */
  nearestStores: number;
  maxLines: number;
}

export const DEFAULT_DAY: Omit<DayOptions, 'seed'> = {
  minutes: 60,
  ordersPerMinute: 1,
  prepMinutes: [6, 14],
  confirmSeconds: [20, 90],
  nearestStores: 6,
  maxLines: 6,
};

export interface PlannedOrder {
  index: number;
  /** Simulated seconds from the start of the day. */
  atS: number;
  address: number;
  customer: number;
  store: number;
  lines: { variant: number; quantity: number }[];
  confirmAfterS: number;
  prepS: number;
}

/** Arrival times of a Poisson process of `perMinute` over `minutes`, in seconds, ascending. */
export function poissonArrivals(r: () => number, perMinute: number, minutes: number): number[] {
  if (!(perMinute > 0) || !(minutes > 0)) return [];
  const meanGapS = 60 / perMinute;
  const out: number[] = [];
  for (let t = exponential(r, meanGapS); t < minutes * 60; t += exponential(r, meanGapS)) out.push(Math.round(t * 1000) / 1000);
  return out;
}

/**
 * Lines from `store` worth at least its minimum order, drawn from variants that
 * still have stock (`left` is debited); null when the store cannot fill one.
 */
function basket(r: () => number, store: PlanStore, left: number[], maxLines: number): PlannedOrder['lines'] | null {
  const lines = new Map<number, number>();
  let subtotal = 0;
  for (let tries = 0; tries < maxLines * 4 && lines.size < maxLines && (lines.size === 0 || subtotal < store.minimumOrderMinor); tries++) {
    const variant = Math.floor(r() * store.variants.length);
    const quantity = 1 + Math.floor(r() * 2);
    if ((left[variant] ?? 0) - (lines.get(variant) ?? 0) < quantity) continue;
    lines.set(variant, (lines.get(variant) ?? 0) + quantity);
    subtotal += quantity * store.variants[variant]!.priceMinor;
  }
  if (lines.size === 0 || subtotal < store.minimumOrderMinor) return null;
  for (const [v, q] of lines) left[v]! -= q;
  return [...lines].map(([variant, quantity]) => ({ variant, quantity }));
}

/** The day's orders, in arrival order. An arrival whose customer no store can serve is skipped. */
export function planDay(world: { stores: readonly PlanStore[]; addresses: readonly PlanAddress[] }, opts: DayOptions): PlannedOrder[] {
  const served = world.addresses.map((a, i) => ({ a, i })).filter(({ a }) => a.stores.length > 0);
  if (served.length === 0) return [];
  const stock = world.stores.map((s) => s.variants.map((v) => v.stock));
  const arrivals = poissonArrivals(stream(opts.seed, 'arrivals'), opts.ordersPerMinute, opts.minutes);
  const orders: PlannedOrder[] = [];
  arrivals.forEach((atS, n) => {
    const r = stream(opts.seed, 'order', n);
    const { a, i } = pick(r, served);
    const near = a.stores.slice(0, Math.max(1, opts.nearestStores));
    for (let tries = 0; tries < near.length; tries++) {
      const store = pick(r, near);
      const lines = basket(r, world.stores[store]!, stock[store]!, opts.maxLines);
      if (!lines) continue;
      orders.push({
        index: orders.length,
        atS,
        address: i,
        customer: a.customer,
        store,
        lines,
        confirmAfterS: Math.round(between(r, ...opts.confirmSeconds)),
        prepS: Math.round(between(r, opts.prepMinutes[0] * 60, opts.prepMinutes[1] * 60)),
      });
      return;
    }
  });
  return orders;
}

export interface PlannedCourier {
  index: number;
  start: Point;
}

const M_PER_DEG = 111_320;

/** Where each courier starts: within `spreadM` of a store drawn at random (couriers wait where the work is). */
export function planFleet(seed: number, count: number, anchors: readonly Point[], spreadM = 1_500): PlannedCourier[] {
  const r = stream(seed, 'fleet');
  return Array.from({ length: count }, (_, index) => {
    const at = pick(r, anchors);
    const d = Math.sqrt(r()) * spreadM;
    const bearing = r() * 2 * Math.PI;
    const lat = at.lat + (d * Math.cos(bearing)) / M_PER_DEG;
    const lng = at.lng + (d * Math.sin(bearing)) / (M_PER_DEG * Math.cos((at.lat * Math.PI) / 180));
    return { index, start: { lat: Math.round(lat * 1e6) / 1e6, lng: Math.round(lng * 1e6) / 1e6 } };
  });
}

/**
 * How courier `courier` answers the `attempt`-th offer of planned order
 * `order`: a pure function of the seed, so the same courier answers the same
 * offer the same way in every run, whatever order the offers come in.
 */
export function answerOf(seed: number, acceptProbability: number, courier: number, order: number, attempt: number, delayS: [number, number] = [3, 15]): { accept: boolean; delayS: number } {
  const r = stream(seed, 'answer', courier, order, attempt);
  return { accept: r() < acceptProbability, delayS: between(r, ...delayS) };
}
