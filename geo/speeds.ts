import type { Cluster, Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { MoveObserver } from './courier-index.js';
import { growingLru, parentMemo, type KeySpace } from './keys.js';
import { guarded } from './redis-call.js';
import { defineGeoScripts, geo } from './scripts.js';
import { VEHICLE_PROFILE, type Vehicle } from './types.js';

/** Road distance ÷ great-circle distance in a typical city grid (ETA layer a). */
export const ROAD_FACTOR = 1.35;
/** Resolution of learned-speed cells (res 7 ≈ 5 km², enough fixes per hour of week). */
export const SPEED_RESOLUTION = 7;

/** Straight-line ("crow-fly") speed a vehicle makes good by default, m/s. */
export const crowFlySpeed = (v: Vehicle): number => VEHICLE_PROFILE[v].speedMps / ROAD_FACTOR;

/** Hour of week 0..167, Monday 00:00 = 0, in UTC shifted by `utcOffsetMin`. */
export function hourOfWeek(ts: number, utcOffsetMin = 0): number {
  const h = Math.floor((ts + utcOffsetMin * 60_000) / 3_600_000);
  // 1970-01-01 was a Thursday: day index 3 with Monday = 0
  return ((Math.floor(h / 24) + 3) % 7) * 24 + (((h % 24) + 24) % 24);
}

export interface LearnedSpeed {
  /** Observed crow-fly speed ÷ the vehicle's default crow-fly speed (1 = as expected, 0.5 = congested). */
  ratio: number;
  samples: number;
}

/**
 * ETA layer (b): learns, per res-7 cell and hour of week, how fast couriers
 * actually move relative to their vehicle's default. Fed by the courier index
 * (it is a MoveObserver); observations are batched in memory and folded into
 * Redis EWMAs by speed-observe-1.lua, so the fix hot path gains no round trip.
 */
export class SpeedLearner implements MoveObserver {
  private pending = new Map<string, Map<string, { sum: number; count: number }>>();
  private pendingCount = 0;
  private readonly alpha: number;
  private readonly flushEvery: number;
  private readonly utcOffsetMin: number;
  private readonly cacheTtlMs: number;
  /**
   * Ratios read recently, per `cell|hourOfWeek` (null: no samples). Learned
   * speeds are EWMAs that move slowly, and the hub asks for the same cells on
   * every position it sends, so a short-lived copy saves a Redis round trip
   * per ETA. This process's own flush clears it; other processes' writes show
   * after `cacheTtlMs`.
   */
  private readonly cache: LRUCache<string, { value: LearnedSpeed | null; until: number }>;
  /** Index cell → its res-7 speed cell (observe runs per applied fix). */
  private readonly speedCellOf = parentMemo(SPEED_RESOLUTION);

  constructor(
    private readonly deps: {
      redis: Redis | Cluster;
      keys: KeySpace;
      timeoutMs?: number;
      alpha?: number;
      flushEvery?: number;
      utcOffsetMin?: number;
      /** How long a read ratio is reused (default 30,000 ms; 0 = always read Redis). */
      cacheTtlMs?: number;
      /** Bound on cached ratios (default 100,000). */
      cacheSize?: number;
    },
  ) {
    this.alpha = deps.alpha ?? 0.1;
    this.flushEvery = deps.flushEvery ?? 1000;
    this.utcOffsetMin = deps.utcOffsetMin ?? 0;
    this.cacheTtlMs = deps.cacheTtlMs ?? 30_000;
    this.cache = growingLru(deps.cacheSize ?? 100_000);
    defineGeoScripts(deps.redis);
  }

  /** Record one move. Ignores implausible or idle moves (teleports, waits, long gaps). */
  observe(o: { cell: string; ts: number; vehicle: Vehicle; distanceM: number; dtMs: number; flags: string[] }): void {
    if (o.flags.includes('teleport') || o.dtMs < 2_000 || o.dtMs > 300_000) return;
    const mps = o.distanceM / (o.dtMs / 1000);
    if (mps < 0.5) return; // waiting at a store or a light says nothing about road speed
    const cell = this.speedCellOf(o.cell);
    const region = this.deps.keys.regionOf(cell);
    let byField = this.pending.get(region);
    if (!byField) this.pending.set(region, (byField = new Map()));
    const field = `${cell}|${hourOfWeek(o.ts, this.utcOffsetMin)}`;
    const acc = byField.get(field) ?? { sum: 0, count: 0 };
    acc.sum += Math.min(mps / crowFlySpeed(o.vehicle), 5);
    acc.count++;
    byField.set(field, acc);
    if (++this.pendingCount >= this.flushEvery) void this.flush().catch(() => undefined);
  }

  /** Write pending observations to Redis (one script call per region). */
  async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    this.pendingCount = 0;
    this.cache.clear();
    const { redis, keys } = this.deps;
    await guarded(redis, 'speedFlush', this.deps.timeoutMs ?? 1_000, () =>
      Promise.all(
        [...batch].map(([region, fields]) => {
          const rp = keys.regionPrefix(region);
          const args = [...fields].flatMap(([f, a]) => [f, a.sum / a.count, a.count]);
          return geo(redis).daraaGeo_speedObserve(keys.speeds(rp), this.alpha, ...args);
        }),
      ),
    );
  }

  /** Learned ratios for res-7 cells at the hour of week of `ts` (missing cells are absent). */
  async ratios(cells: string[], ts: number): Promise<Map<string, LearnedSpeed>> {
    const { redis, keys } = this.deps;
    const how = hourOfWeek(ts, this.utcOffsetMin);
    const now = Date.now();
    const out = new Map<string, LearnedSpeed>();
    const byRegion = new Map<string, string[]>();
    for (const c of cells) {
      if (out.has(c)) continue;
      const hit = this.cacheTtlMs > 0 ? this.cache.get(`${c}|${how}`) : undefined;
      if (hit && hit.until > now) {
        if (hit.value) out.set(c, hit.value);
        continue;
      }
      const r = keys.regionOf(c);
      const list = byRegion.get(r);
      if (list) {
        if (!list.includes(c)) list.push(c);
      } else byRegion.set(r, [c]);
    }
    if (byRegion.size === 0) return out;
    await guarded(redis, 'learnedSpeeds', this.deps.timeoutMs ?? 1_000, () =>
      Promise.all(
        [...byRegion].map(async ([region, cs]) => {
          const vals = await redis.hmget(keys.speeds(keys.regionPrefix(region)), ...cs.map((c) => `${c}|${how}`));
          vals.forEach((v, i) => {
            const cell = cs[i] as string;
            let value: LearnedSpeed | null = null;
            if (v) {
              const [ratio, samples] = v.split(',').map(Number);
              value = { ratio: ratio as number, samples: samples as number };
              out.set(cell, value);
            }
            this.remember(`${cell}|${how}`, value, now);
          });
        }),
      ),
    );
    return out;
  }

  private remember(key: string, value: LearnedSpeed | null, now: number): void {
    if (this.cacheTtlMs <= 0) return;
    this.cache.set(key, { value, until: now + this.cacheTtlMs });
  }
}
