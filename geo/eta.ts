import { cellToLatLng, gridPathCells, latLngToCell } from 'h3-js';
import { CircuitBreaker } from './circuit-breaker.js';
import { haversineM } from './distance.js';
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
  breaker?: { failureThreshold: number; cooldownMs: number };
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
  private readonly cache = new Map<string, { durationS: number; distanceM: number }>();
  private readonly breaker: CircuitBreaker;
  private readonly clock: () => number;

  constructor(private readonly opts: EtaOptions = {}) {
    this.clock = opts.clock ?? Date.now;
    this.breaker = new CircuitBreaker({ ...(opts.breaker ?? { failureThreshold: 5, cooldownMs: 30_000 }), clock: this.clock });
  }

  get breakerState(): 'closed' | 'open' | 'half-open' {
    return this.breaker.state;
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
      const learned = await this.fromLearned(from, to, vehicle, now).catch(() => null);
      if (learned) return learned;
    }
    return haversineEta(from, to, vehicle);
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
    if (!this.breaker.canRequest()) return null;
    const ctrl = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    try {
      const answer = await Promise.race([
        (this.opts.road as RoadEtaProvider).roadEta(from, to, vehicle, { signal: ctrl.signal, departAtMs: now }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            ctrl.abort();
            reject(new Error('road ETA timeout'));
          }, this.opts.timeoutMs ?? 1_500);
        }),
      ]);
      if (!(answer.durationS >= 0) || !(answer.distanceM >= 0)) throw new Error('road ETA returned an invalid answer');
      this.breaker.success();
      if (this.cache.size >= (this.opts.cacheSize ?? 10_000)) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(key, answer);
      return answer;
    } catch {
      this.breaker.failure();
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Walk the res-7 cells on the straight path; each gets its learned speed if
   * it has enough samples, else the vehicle default. Used only when at least
   * half of the path is learned, so one noisy cell cannot dominate.
   */
  private async fromLearned(from: LatLng, to: LatLng, vehicle: Vehicle, now: number): Promise<EtaResult | null> {
    const a = latLngToCell(from.lat, from.lng, SPEED_RESOLUTION);
    const b = latLngToCell(to.lat, to.lng, SPEED_RESOLUTION);
    let path: string[];
    try {
      path = a === b ? [a] : gridPathCells(a, b);
    } catch {
      path = [a, b]; // no grid path across some pentagons / faces
    }
    const ratios = await (this.opts.learned as LearnedSpeedSource).ratios(path, now);
    const min = this.opts.minSamples ?? 20;
    const learned = path.filter((c) => (ratios.get(c)?.samples ?? 0) >= min);
    if (learned.length * 2 < path.length) return null;
    const crow = haversineM(from.lat, from.lng, to.lat, to.lng);
    const base = crowFlySpeed(vehicle);
    let durationS = 0;
    for (const c of path) {
      const r = ratios.get(c);
      const speed = r && r.samples >= min ? Math.max(0.2, r.ratio) * base : base;
      durationS += crow / path.length / speed;
    }
    return { durationS, distanceM: crow * ROAD_FACTOR, source: 'learned' };
  }
}

/** Centre of a learned-speed cell; handy for tests and ops tooling. */
export const speedCellCenter = (cell: string): LatLng => {
  const [lat, lng] = cellToLatLng(cell);
  return { lat, lng };
};
