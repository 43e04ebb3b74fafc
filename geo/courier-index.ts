import type { Cluster, Redis } from 'ioredis';
import { latLngToCell } from 'h3-js';
import { haversineM } from './distance.js';
import { GeoError, SCRIPT_CODE, scriptError } from './errors.js';
import { DEFAULT_GPS_POLICY, assertCourierId, gpsFlags, validateFix, type GpsFlag, type GpsPolicy, type ValidFix } from './gps.js';
import { KeySpace } from './keys.js';
import { NearestSearch, type NearestCourier, type NearestQuery } from './nearest.js';
import { NearestPlanner } from './plan.js';
import { AreaReader, type AreaOptions, type AreaSnapshot } from './area.js';
import { guarded } from './redis-call.js';
import { defineGeoScripts, geo } from './scripts.js';
import { CourierDirectory, type CourierView, type TrailPoint } from './courier-directory.js';
import { assertGeofence, type Geofence, type GeofenceEvent } from './geofence.js';
import { type CourierState, type Fix, type Vehicle } from './types.js';

/** Receives one observation per applied fix that has a predecessor (feeds learned ETA speeds). */
export interface MoveObserver {
  observe(o: { cell: string; ts: number; vehicle: Vehicle; distanceM: number; dtMs: number; flags: GpsFlag[] }): void;
}

export interface CourierIndexOptions {
  redis: Redis | Cluster;
  /** Key prefix, e.g. 'geo:' (default) or a per-test prefix. */
  prefix?: string;
  /** H3 resolution of the cell index (default 9). See `resolutionForDensity`. */
  resolution?: number;
  /** H3 resolution of regions = hash-tag unit (default 3, ~12,000 km²). */
  regionResolution?: number;
  clock?: () => number;
  /** Default staleness for nearest searches, seconds (default 30). */
  maxAgeS?: number;
  /** Approximate trail length per courier (default 100). */
  trailMaxLen?: number;
  /** Idle couriers are forgotten by the sweep after this many seconds (default 86,400). */
  retentionS?: number;
  /** Every Redis call fails with REDIS_UNAVAILABLE after this long (default 1,000 ms). */
  commandTimeoutMs?: number;
  gps?: Partial<GpsPolicy>;
  observer?: MoveObserver;
  /** The nearest-search planner (default: the process's shared one for these resolutions; tests pass one with small cache budgets). */
  planner?: NearestPlanner;
}

/** Outcome of one fix. `rejected` only appears in `applyFixes` results (`applyFix` throws instead). */
export interface FixResult {
  courierId: string;
  outcome: 'applied' | 'ignored' | 'rejected';
  /** Index cell of the fix (when applied). */
  cell?: string;
  flags: GpsFlag[];
  events: GeofenceEvent[];
  /** Why a fix was ignored (STALE_FIX) or rejected (the GeoError). */
  reason?: 'STALE_FIX';
  error?: GeoError;
}

/**
 * Pick the index resolution for an expected fleet density (couriers per km²
 * in the busiest area). We aim for roughly 1-8 indexed couriers per cell: fewer
 * means many empty cells read per search, more means many entries decoded.
 */
export function resolutionForDensity(couriersPerKm2: number): number {
  if (couriersPerKm2 >= 40) return 9; // res 9 cell ≈ 0.105 km²
  if (couriersPerKm2 >= 2) return 8; // res 8 cell ≈ 0.737 km²
  return 7; // res 7 cell ≈ 5.16 km²
}

type ApplyReply = (string | number)[];

/**
 * Fixes per apply-fixes script call. Measured: 50-200 give the same throughput
 * (~16 µs of Redis per fix) and 1,000 is much slower (huge ARGV and reply
 * tables). 100 keeps one call under ~2 ms of Redis, so queries queued
 * behind a batch wait little.
 */
const FIX_BATCH = 100;

/**
 * The Redis-backed courier index: positions in H3 cells, filtered nearest
 * search, trails, staleness sweep and geofences. One instance per process;
 * it holds only caches, so many hub processes can share one Redis (Cluster).
 */
export class CourierIndex {
  readonly resolution: number;
  readonly keys: KeySpace;
  private readonly redis: Redis | Cluster;
  private readonly now: () => number;
  private readonly maxAgeS: number;
  private readonly trailMaxLen: number;
  private readonly retentionS: number;
  private readonly timeoutMs: number;
  private readonly gps: GpsPolicy;
  private readonly observer: MoveObserver | undefined;
  private readonly search: NearestSearch;
  private readonly directory: CourierDirectory;
  private readonly areas: AreaReader;

  constructor(opts: CourierIndexOptions) {
    this.redis = opts.redis;
    this.resolution = opts.resolution ?? 9;
    this.keys = new KeySpace(opts.prefix ?? 'geo:', opts.regionResolution ?? 3);
    if (this.keys.regionResolution >= this.resolution) throw new GeoError('INVALID_INPUT', 'regionResolution must be coarser than resolution');
    this.now = opts.clock ?? Date.now;
    this.maxAgeS = opts.maxAgeS ?? 30;
    this.trailMaxLen = opts.trailMaxLen ?? 100;
    this.retentionS = opts.retentionS ?? 86_400;
    this.timeoutMs = opts.commandTimeoutMs ?? 1_000;
    this.gps = { ...DEFAULT_GPS_POLICY, ...opts.gps };
    this.observer = opts.observer;
    defineGeoScripts(this.redis);
    const planner = opts.planner ?? NearestPlanner.shared(this.resolution, this.keys.regionResolution);
    if (planner.resolution !== this.resolution || planner.regionResolution !== this.keys.regionResolution) throw new GeoError('INVALID_INPUT', 'the planner must have the index resolutions');
    this.search = new NearestSearch({ redis: this.redis, keys: this.keys, planner, now: this.now, defaultMaxAgeS: this.maxAgeS, timeoutMs: this.timeoutMs });
    this.directory = new CourierDirectory({ redis: this.redis, keys: this.keys, now: this.now, maxAgeS: this.maxAgeS, timeoutMs: this.timeoutMs, trailMaxLen: this.trailMaxLen });
    this.areas = new AreaReader({ redis: this.redis, keys: this.keys, resolution: this.resolution, now: this.now, defaultMaxAgeS: this.maxAgeS, timeoutMs: this.timeoutMs });
  }

  /**
   * Apply one fix in one round trip (two more only when the courier changes
   * region). Older-or-equal fixes are `ignored`; invalid ones throw a
   * VALIDATION_ERROR GeoError; an unknown courier throws UNKNOWN_COURIER (404).
   */
  async applyFix(fix: Fix): Promise<FixResult> {
    const valid = validateFix(fix, this.now(), this.gps);
    const cell = latLngToCell(valid.lat, valid.lng, this.resolution);
    const rp = this.keys.regionPrefix(this.keys.regionOf(cell));
    const reply = (await guarded(this.redis, 'applyFix', this.timeoutMs, () =>
      geo(this.redis).daraaGeo_applyFix(...this.applyArgs(valid, rp, cell)),
    )) as ApplyReply;
    return this.settle(valid, cell, rp, reply);
  }

  /**
   * Apply a batch of fixes: one apply-fixes script call per region (per cluster
   * slot) per FIX_BATCH fixes, all sent at once. Redis runs a region's fixes in
   * input order, and results are settled in input order. Invalid fixes come
   * back `rejected` without failing the batch.
   */
  async applyFixes(fixes: Fix[]): Promise<FixResult[]> {
    const now = this.now();
    const results: (FixResult | undefined)[] = new Array(fixes.length);
    const groups = new Map<string, { idx: number; fix: ValidFix; cell: string }[]>();
    // The common batch holds one fix per courier (many sockets, one live fix each): then no
    // courier's fixes need ordering among themselves, and each reply settles on its own.
    const couriers = new Set<string>();
    let valid = 0;
    for (let idx = 0; idx < fixes.length; idx++) {
      const raw = fixes[idx]!;
      try {
        const fix = validateFix(raw, now, this.gps);
        const cell = latLngToCell(fix.lat, fix.lng, this.resolution);
        const rp = this.keys.regionPrefix(this.keys.regionOf(cell));
        let g = groups.get(rp);
        if (!g) groups.set(rp, (g = []));
        g.push({ idx, fix, cell });
        couriers.add(fix.courierId);
        valid += 1;
      } catch (err) {
        if (!(err instanceof GeoError)) throw err;
        results[idx] = { courierId: String(raw?.courierId), outcome: 'rejected', flags: [], events: [], error: err };
      }
    }
    const replies = await guarded(this.redis, 'applyFixes', this.timeoutMs * 5, () =>
      Promise.all(
        [...groups].flatMap(([rp, items]) => {
          // one script call per region per chunk: in order, each fix exactly as applyFix would apply it
          const calls: Promise<{ rp: string; items: typeof items; out: ApplyReply[] }>[] = [];
          for (let i = 0; i < items.length; i += FIX_BATCH) {
            const chunk = items.slice(i, i + FIX_BATCH);
            let lines = '';
            for (const { fix, cell } of chunk) lines += `${lines ? '\n' : ''}${fix.courierId}\t${fix.lat}\t${fix.lng}\t${fix.ts}\t${fix.accuracy ?? ''}\t${fix.speed ?? ''}\t${fix.heading ?? ''}\t${cell}\t${fix.deviceTs ?? ''}`;
            calls.push((geo(this.redis).daraaGeo_applyFixes(this.keys.seen(rp), rp, this.trailMaxLen, lines) as Promise<string>).then((out) => ({ rp, items: chunk, out: out.split('\n').map((r) => r.split('\t')) })));
          }
          return calls;
        }),
      ),
    );
    const reject = (p: { idx: number; fix: Fix }, err: unknown) => {
      if (!(err instanceof GeoError) || err.reason === 'REDIS_UNAVAILABLE') throw err;
      results[p.idx] = { courierId: p.fix.courierId, outcome: 'rejected', flags: [], events: [], error: err };
    };
    if (couriers.size === valid) {
      const homing: Promise<void>[] = [];
      for (const { rp, items, out } of replies) {
        for (let i = 0; i < items.length; i++) {
          const it = items[i]!;
          const reply = out[i] as ApplyReply;
          try {
            const done = this.settleNow(it.fix, it.cell, reply);
            if (done) results[it.idx] = done;
            else homing.push(this.settle(it.fix, it.cell, rp, reply).then((r) => void (results[it.idx] = r), (err: unknown) => reject(it, err)));
          } catch (err) {
            reject(it, err);
          }
        }
      }
      if (homing.length > 0) await Promise.all(homing);
      return results as FixResult[];
    }
    // Settle each courier's fixes in input order, so its region moves and geofence events stay
    // ordered; different couriers settle independently (a first fix that homes a courier costs
    // round trips, and must not hold up the rest of the batch).
    const byCourier = new Map<string, { idx: number; fix: Fix; cell: string; rp: string; reply: ApplyReply }[]>();
    for (const { rp, items, out } of replies) {
      items.forEach((it, i) => {
        const list = byCourier.get(it.fix.courierId);
        const p = { ...it, rp, reply: out[i] as ApplyReply };
        if (list) list.push(p);
        else byCourier.set(it.fix.courierId, [p]);
      });
    }
    const slow: Promise<void>[] = [];
    for (const list of byCourier.values()) {
      list.sort((a, b) => a.idx - b.idx);
      // Replies that need no further round trip settle synchronously; from the first one that
      // needs homing on, this courier's fixes settle one after another.
      let i = 0;
      for (; i < list.length; i++) {
        const p = list[i]!;
        try {
          const done = this.settleNow(p.fix, p.cell, p.reply);
          if (!done) break;
          results[p.idx] = done;
        } catch (err) {
          reject(p, err);
        }
      }
      if (i === list.length) continue;
      const rest = list.slice(i);
      slow.push((async () => {
        for (const p of rest) {
          try {
            results[p.idx] = await this.settle(p.fix, p.cell, p.rp, p.reply);
          } catch (err) {
            reject(p, err);
          }
        }
      })());
    }
    await Promise.all(slow);
    return results as FixResult[];
  }

  private applyArgs(fix: ValidFix, rp: string, cell: string): (string | number)[] {
    const id = fix.courierId;
    return [this.keys.courier(rp, id), this.keys.trail(rp, id), this.keys.fences(rp, id), rp, id, fix.lat, fix.lng, fix.ts, fix.accuracy ?? '', fix.speed ?? '', fix.heading ?? '', cell, this.trailMaxLen, fix.deviceTs ?? ''];
  }

  /**
   * Settles a reply that needs no further round trip (applied, ignored, or an
   * error code); null when the courier must be homed in this region first.
   */
  private settleNow(fix: Fix, cell: string, reply: ApplyReply): FixResult | null {
    const code = Number(reply[0]);
    if (code === SCRIPT_CODE.IGNORED_OLDER) return { courierId: fix.courierId, outcome: 'ignored', reason: 'STALE_FIX', flags: [], events: [] };
    if (code === SCRIPT_CODE.NOT_HOMED) return null;
    if (code !== SCRIPT_CODE.OK) throw scriptError('apply-fix', code, { courierId: fix.courierId });

    const prev = reply[3] === '' ? null : { lat: Number(reply[1]), lng: Number(reply[2]), ts: Number(reply[3]) };
    const vehicle = (reply[4] || null) as Vehicle | null;
    const flags = gpsFlags(fix, prev, vehicle, this.gps);
    const events: GeofenceEvent[] = [];
    for (let i = 6; i < reply.length; i += 2) {
      events.push({ courierId: fix.courierId, fenceId: String(reply[i]), type: reply[i + 1] as GeofenceEvent['type'], ts: fix.ts });
    }
    if (prev && vehicle && this.observer) {
      this.observer.observe({ cell, ts: fix.ts, vehicle, distanceM: haversineM(prev.lat, prev.lng, fix.lat, fix.lng), dtMs: fix.ts - prev.ts, flags });
    }
    return { courierId: fix.courierId, outcome: 'applied', cell, flags, events };
  }

  private async settle(fix: Fix, cell: string, rp: string, reply: ApplyReply): Promise<FixResult> {
    const now = this.settleNow(fix, cell, reply);
    if (now) return now;
    // Not homed in this region yet: move the courier's record here, then apply again.
    const moved = await this.directory.home(fix, rp);
    if (moved === 'ignored') return { courierId: fix.courierId, outcome: 'ignored', reason: 'STALE_FIX', flags: [], events: [] };
    const again = (await guarded(this.redis, 'applyFix', this.timeoutMs, () =>
      geo(this.redis).daraaGeo_applyFix(...this.applyArgs(fix, rp, cell)),
    )) as ApplyReply;
    if (Number(again[0]) === SCRIPT_CODE.NOT_HOMED) throw scriptError('apply-fix', SCRIPT_CODE.NOT_HOMED, { courierId: fix.courierId });
    return this.settle(fix, cell, rp, again);
  }

  /** Set a courier's state. Works before its first fix (kept in the directory until then). */
  setState(courierId: string, state: CourierState): Promise<void> {
    return this.directory.setState(courierId, state);
  }

  /** The courier's state, last fix and staleness, or null when unknown. */
  getCourier(courierId: string): Promise<CourierView | null> {
    return this.directory.get(courierId);
  }

  /** Trail points with ts >= sinceMs, oldest first (bounded by trailMaxLen). */
  trail(courierId: string, sinceMs = 0): Promise<TrailPoint[]> {
    return this.directory.trail(courierId, sinceMs);
  }

  /**
   * Up to `limit` couriers within `radiusM` (at most MAX_RADIUS_M), nearest first by exact
   * great-circle distance. Status, freshness, vehicle and free capacity are
   * filtered before the limit; the answer equals brute force.
   */
  nearestCouriers(query: NearestQuery): Promise<NearestCourier[]> {
    return this.search.run(query);
  }

  /**
   * The indexed couriers inside `area`, an H3 cell of resolution 4 up to the
   * index resolution (the ops board asks once a second per watched area).
   * Counts cover every indexed courier of the area: `online` = `available` +
   * `busy` with a fix newer than `maxAgeS` (default: the index's), `stale` =
   * the others; offline couriers are not indexed, so not counted. The list is
   * sorted by courierId and holds at most `limit` (default 500) couriers;
   * `truncated` says there were more. One script call per region the area
   * touches (usually one). Throws INVALID_INPUT for a bad area or option.
   */
  couriersInArea(area: string, opts?: AreaOptions): Promise<AreaSnapshot> {
    return this.areas.read(area, opts);
  }

  /**
   * Unindex couriers whose last fix is older than `maxAgeS` and delete those
   * idle longer than `retentionS`, in every region. Run it every few seconds.
   */
  sweepStale(opts: { maxAgeS?: number; retentionS?: number; batch?: number } = {}): Promise<{ unindexed: number; deleted: number }> {
    const now = this.now();
    return this.directory.sweep(now - (opts.maxAgeS ?? this.maxAgeS) * 1000, now - (opts.retentionS ?? this.retentionS) * 1000, opts.batch ?? 500);
  }

  /**
   * Attach (or replace) a geofence to a courier. Its events come back in the
   * `events` of later fix results. The courier must have sent a fix.
   */
  async setGeofence(courierId: string, fence: Geofence): Promise<void> {
    assertCourierId(courierId);
    assertGeofence(fence);
    const json = JSON.stringify({ lat: fence.lat, lng: fence.lng, r: fence.radiusM, m: fence.marginM ?? 30, dw: fence.dwellMs ?? 60_000, s: 0, t: 0, d: 0 });
    await this.directory.geofence(courierId, fence.id, json);
  }

  /** Remove a courier's geofence (no event is emitted). */
  async removeGeofence(courierId: string, fenceId: string): Promise<void> {
    assertCourierId(courierId);
    await this.directory.geofence(courierId, fenceId, '');
  }
}
