import { CircuitState, ConsecutiveBreaker, TimeoutStrategy, circuitBreaker, handleAll, timeout, wrap, type CircuitBreakerPolicy, type IPolicy } from 'cockatiel';
import { cellToLatLng, gridPathCells, latLngToCell } from 'h3-js';
import { LRUCache } from 'lru-cache';
import { haversineM } from './distance.js';
import { parentMemo } from './keys.js';
import { GeoError } from './errors.js';
import { assertLatLng } from './gps.js';
import { ROAD_FACTOR, SPEED_RESOLUTION, crowFlySpeed, type LearnedSpeed } from './speeds.js';
import { VEHICLE_PROFILE, isVehicle, type LatLng, type Vehicle } from './types.js';

/**
 * Port for a road-network ETA provider (ETA layer c). The Google Distance
 * Matrix adapter lives in infra/providers/google-distance-matrix.ts; tests use
 * a local HTTP stub behind the same adapter.
 */
export interface RoadEtaProvider {
  /** Road duration and distance for one origin/destination pair. Must honour `signal`. */
  roadEta(from: LatLng, to: LatLng, vehicle: Vehicle, opts: { signal: AbortSignal; departAtMs: number }): Promise<{ durationS: number; distanceM: number }>;
}

/** Where learned speeds come from (SpeedLearner implements it). */
export interface LearnedSpeedSource {
  ratios(cells: string[], ts: number): Promise<Map<string, LearnedSpeed>>;
}

export type EtaSource = 'google' | 'learned' | 'haversine';

export interface EtaResult {
  durationS: number;
  /** Road distance (provider) or great-circle × road factor (layers a, b). */
  distanceM: number;
  source: EtaSource;
}

export interface EtaOptions {
  road?: RoadEtaProvider;
  learned?: LearnedSpeedSource;
  clock?: () => number;
  /** Provider call timeout (default 1,500 ms). */
  timeoutMs?: number;
  /** Cached provider answers (default 10,000). */
  cacheSize?: number;
  /** Cache cells: origin/destination are snapped to cells of this resolution (default 9, ≈ 175 m edge). */
  cacheResolution?: number;
  /** Learned cells need this many samples to count (default 20). */
  minSamples?: number;
  /** Consecutive provider failures that open the breaker, and how long it stays open before one trial call (default 5, 30 s). */
  breaker?: { failureThreshold: number; cooldownMs: number };
  /**
   * A learned pace between two res-7 cells (it depends only on the cells,
   * the vehicle and the hour) is reused for this long (default 30,000 ms;
   * 0 = never): the hub asks for an ETA on every position it sends, and
   * consecutive positions of a courier fall in the same cell.
   */
  paceTtlMs?: number;
}

const BUCKET_MS = 15 * 60_000;

/** ETA layer (a): great-circle × road factor ÷ the vehicle's default road speed. */
export function haversineEta(from: LatLng, to: LatLng, vehicle: Vehicle): EtaResult {
  const distanceM = haversineM(from.lat, from.lng, to.lat, to.lng) * ROAD_FACTOR;
  return { durationS: distanceM / VEHICLE_PROFILE[vehicle].speedMps, distanceM, source: 'haversine' };
}

/**
 * Three-layer ETA: road provider (c) when configured and healthy, else
 * learned per-cell speeds (b) when enough samples cover the path, else the
 * haversine model (a). Provider errors, timeouts and an open breaker never
 * fail the call; they fall through to (b)/(a). Every result names its source.
 */
export class EtaService {
  private readonly cache: LRUCache<string, { durationS: number; distanceM: number }>;
  /** Learned paces by `<origin cell>|<destination cell>`. */
  private readonly paces: LRUCache<string, { vehicle: Vehicle; hour: number; pace: number | null; until: number }>;
  private readonly cells = new WeakMap<LatLng, { lat: number; lng: number; cell: string }>();
  private readonly breaker: CircuitBreakerPolicy;
  /** The provider call: bounded by a timeout that aborts it, inside the breaker (a timeout counts as a failure). */
  private readonly roadPolicy: IPolicy;
  private readonly clock: () => number;

  constructor(private readonly opts: EtaOptions = {}) {
    this.clock = opts.clock ?? Date.now;
    const { failureThreshold, cooldownMs } = opts.breaker ?? { failureThreshold: 5, cooldownMs: 30_000 };
    this.breaker = circuitBreaker(handleAll, { halfOpenAfter: cooldownMs, breaker: new ConsecutiveBreaker(failureThreshold) });
    this.roadPolicy = wrap(this.breaker, timeout(opts.timeoutMs ?? 1_500, TimeoutStrategy.Aggressive));
    this.cache = new LRUCache({ max: opts.cacheSize ?? 10_000 });
    this.paces = new LRUCache({ max: opts.cacheSize ?? 10_000 });
  }

  get breakerState(): 'closed' | 'open' | 'half-open' {
    const s = this.breaker.state;
    return s === CircuitState.Closed ? 'closed' : s === CircuitState.HalfOpen ? 'half-open' : 'open';
  }

  async eta(from: LatLng, to: LatLng, vehicle: Vehicle): Promise<EtaResult> {
    assertLatLng(from?.lat, from?.lng, 'from');
    assertLatLng(to?.lat, to?.lng, 'to');
    if (!isVehicle(vehicle)) throw new GeoError('UNKNOWN_VEHICLE', `unknown vehicle ${String(vehicle)}`, { vehicle });
    const now = this.clock();
    if (this.opts.road) {
      const road = await this.fromProvider(from, to, vehicle, now);
      if (road) return { ...road, source: 'google' };
    }
    if (this.opts.learned) {
      const a = this.speedCell(from, false);
      const b = this.speedCell(to, true);
      let pace = this.cachedPace(a, b, vehicle, now);
      // Redis unavailable: answer from layer (a) now, ask again next time.
      if (pace === undefined) pace = await this.learnedPace(a, b, vehicle, now).catch(() => null);
      if (pace !== null) return learnedEta(from, to, pace);
    }
    return haversineEta(from, to, vehicle);
  }

  /**
   * The answer `eta` would give, when it needs no I/O (a cached provider
   * answer, a cached learned pace, or no source but haversine); else null.
   * Lets a hot path skip the promise machinery for the common case.
   * `fromCell`, when known, is the index's H3 cell of `from` (finer than the
   * learned speeds'): its parent is the speed cell, which spares an H3 lookup
   * per call and is the cell the SpeedLearner files that fix under (near a
   * cell edge, H3 parents do not always contain every point of a child).
   */
  peek(from: LatLng, to: LatLng, vehicle: Vehicle, fromCell?: string): EtaResult | null {
    const now = this.clock();
    if (this.opts.road) {
      const hit = this.cache.get(this.cacheKey(from, to, vehicle, now));
      return hit ? { ...hit, source: 'google' } : null;
    }
    if (!this.opts.learned) return haversineEta(from, to, vehicle);
    const a = fromCell === undefined ? this.speedCell(from, false) : this.speedCellOf(fromCell, from);
    const pace = this.cachedPace(a, this.speedCell(to, true), vehicle, now);
    if (pace === undefined) return null;
    return pace === null ? haversineEta(from, to, vehicle) : learnedEta(from, to, pace);
  }

  private cacheKey(from: LatLng, to: LatLng, vehicle: Vehicle, now: number): string {
    const res = this.opts.cacheResolution ?? 9;
    const mode = vehicle === 'bike' ? 'bicycling' : 'driving';
    return `${latLngToCell(from.lat, from.lng, res)}|${latLngToCell(to.lat, to.lng, res)}|${mode}|${Math.floor(now / BUCKET_MS)}`;
  }

  private async fromProvider(from: LatLng, to: LatLng, vehicle: Vehicle, now: number): Promise<{ durationS: number; distanceM: number } | null> {
    const key = this.cacheKey(from, to, vehicle, now);
    const hit = this.cache.get(key);
    if (hit) return hit;
    const road = this.opts.road as RoadEtaProvider;
    try {
      const answer = await this.roadPolicy.execute(async ({ signal }) => {
        const a = await road.roadEta(from, to, vehicle, { signal, departAtMs: now });
        if (!(a.durationS >= 0) || !(a.distanceM >= 0)) throw new Error('road ETA returned an invalid answer');
        return a;
      });
      this.cache.set(key, answer);
      return answer;
    } catch {
      // failed, timed out, or the breaker is open: the next layer answers
      return null;
    }
  }

  /**
   * The res-7 cell of a point. Pickups and dropoffs are the same objects on
   * every position of a delivery, so the cell of a destination is remembered
   * per object (checked against its coordinates, in case an object is
   * reused); an origin is only looked up (a pickup is the origin of the
   * second leg), since a courier's position is a new object every time.
   */
  private speedCell(p: LatLng, remember: boolean): string {
    const known = this.cells.get(p);
    if (known && known.lat === p.lat && known.lng === p.lng) return known.cell;
    const cell = latLngToCell(p.lat, p.lng, SPEED_RESOLUTION);
    if (remember) this.cells.set(p, { lat: p.lat, lng: p.lng, cell });
    return cell;
  }

  /**
   * The speed cell of a point from its finer index cell: the memoised parent,
   * as the SpeedLearner computes it. A cell coarser than the speed resolution
   * has no such parent (H3 throws): the point's own cell is looked up.
   */
  private speedCellOf(cell: string, p: LatLng): string {
    try {
      return this.speedParent(cell);
    } catch {
      return this.speedCell(p, false);
    }
  }

  private readonly speedParent = parentMemo(SPEED_RESOLUTION, 100_000);

  /** A cached pace (null: not enough learned cells), or undefined when it must be read. */
  private cachedPace(a: string, b: string, vehicle: Vehicle, now: number): number | null | undefined {
    const hit = this.paces.get(`${a}|${b}`);
    return hit && hit.until > now && hit.vehicle === vehicle && hit.hour === Math.floor(now / 3_600_000) ? hit.pace : undefined;
  }

  /**
   * Mean seconds per crow-fly metre over the res-7 cells on the straight path
   * from cell a to cell b (learned speed where a cell has enough samples, else
   * the vehicle default), or null when less than half of the path is learned,
   * so one noisy cell cannot dominate. It depends only on the two cells, the
   * vehicle and the hour, so every position inside a cell reuses it for
   * `paceTtlMs`.
   */
  private async learnedPace(a: string, b: string, vehicle: Vehicle, now: number): Promise<number | null> {
    const ttl = this.opts.paceTtlMs ?? 30_000;
    let path: string[];
    try {
      path = a === b ? [a] : gridPathCells(a, b);
    } catch {
      path = [a, b]; // no grid path across some pentagons / faces
    }
    const ratios = await (this.opts.learned as LearnedSpeedSource).ratios(path, now);
    const min = this.opts.minSamples ?? 20;
    const base = crowFlySpeed(vehicle);
    let learned = 0;
    let sum = 0;
    for (const c of path) {
      const r = ratios.get(c);
      if (r && r.samples >= min) learned += 1;
      sum += 1 / (r && r.samples >= min ? Math.max(0.2, r.ratio) * base : base);
    }
    const pace = learned * 2 < path.length ? null : sum / path.length;
    if (ttl > 0) this.paces.set(`${a}|${b}`, { vehicle, hour: Math.floor(now / 3_600_000), pace, until: now + ttl });
    return pace;
  }
}

/** ETA layer (b) from a learned pace (seconds per crow-fly metre). */
function learnedEta(from: LatLng, to: LatLng, pace: number): EtaResult {
  const crow = haversineM(from.lat, from.lng, to.lat, to.lng);
  return { durationS: crow * pace, distanceM: crow * ROAD_FACTOR, source: 'learned' };
}

/** Centre of a learned-speed cell; handy for tests and ops tooling. */
export const speedCellCenter = (cell: string): LatLng => {
  const [lat, lng] = cellToLatLng(cell);
  return { lat, lng };
};
