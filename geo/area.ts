import type { Cluster, Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { cellToChildren, cellToParent, getResolution, isValidCell } from 'h3-js';
import { REC, recordId, recordLength } from './cells.js';
import { GeoError } from './errors.js';
import type { KeySpace } from './keys.js';
import { guarded } from './redis-call.js';
import { VEHICLES, type IndexedStatus, type Vehicle } from './types.js';

/** One courier of an area, as the ops board shows it. */
export interface AreaCourier {
  courierId: string;
  lat: number;
  lng: number;
  status: IndexedStatus;
  vehicle: Vehicle;
  /** Epoch ms of the last fix. */
  ts: number;
  /** The last fix is older than maxAgeS. */
  stale: boolean;
  heading?: number;
  speed?: number;
}

/** Indexed couriers of an area: `online` = `available` + `busy` (fresh fixes); `stale` = indexed with an old fix. */
export interface AreaCounts {
  online: number;
  available: number;
  busy: number;
  stale: number;
}

export interface AreaSnapshot {
  /** Sorted by courierId (byte order), at most `limit`. */
  couriers: AreaCourier[];
  counts: AreaCounts;
  /** More couriers are in the area than `limit`; the smallest ids were kept. */
  truncated: boolean;
}

export interface AreaOptions {
  /** Fixes older than this count as stale (default: the index's maxAgeS). */
  maxAgeS?: number;
  /** Most couriers returned (default 500, at most 10,000; 0 = counts only). */
  limit?: number;
}

export interface AreaDeps {
  redis: Redis | Cluster;
  keys: KeySpace;
  resolution: number;
  now: () => number;
  defaultMaxAgeS: number;
  timeoutMs: number;
}

export const MIN_AREA_RESOLUTION = 4;
const MAX_LIMIT = 10_000;
/** Keys per MGET: bounds how long one command holds Redis (about 1 ms for 2,500 keys). */
const MGET_CHUNK = 2_500;
/** Cached area plans hold at most this many keys in total (a res-5 area at res 9 is 4,802). */
const MAX_CACHED_KEYS = 250_000;
const VEHICLE_BY_CODE: Record<number, Vehicle> = Object.fromEntries(VEHICLES.map((v, i) => [i + 1, v]));

/** One region's part of an area: the keys of its cells, available ones first, then busy ones. */
interface RegionPart {
  keys: string[];
  /** keys[i] for i < cells are available cells, the rest busy ones. */
  cells: number;
}

interface Found {
  v: Buffer;
  o: number;
  id: string;
  ts: number;
  status: IndexedStatus;
}

/**
 * Snapshots of the couriers in an H3 area (the ops board, #5). The area's
 * cells at the index resolution, grouped by region, are read with MGET (in
 * chunks of MGET_CHUNK keys, all of one region in one slot), and the packed
 * records are decoded, counted, sorted and cut here: Redis only serves bytes.
 * The keys of an area are cached: the board asks for the same areas every
 * second.
 */
export class AreaReader {
  /** Least recently read areas go first; bounded by the number of keys held. */
  private readonly plans = new LRUCache<string, RegionPart[]>({ maxSize: MAX_CACHED_KEYS, sizeCalculation: (parts) => Math.max(1, parts.reduce((n, p) => n + p.keys.length, 0)) });

  constructor(private readonly d: AreaDeps) {}

  async read(area: string, opts: AreaOptions = {}): Promise<AreaSnapshot> {
    const { limit, maxAgeS } = this.validate(area, opts);
    const { redis } = this.d;
    const minTs = this.d.now() - maxAgeS * 1000;
    const parts = this.plan(area);
    const replies = await guarded(redis, 'couriersInArea', this.d.timeoutMs, () =>
      Promise.all(
        parts.map(async (part) => {
          const calls: Promise<(Buffer | null)[]>[] = [];
          for (let i = 0; i < part.keys.length; i += MGET_CHUNK) calls.push(redis.mgetBuffer(part.keys.slice(i, i + MGET_CHUNK)));
          return (await Promise.all(calls)).flat();
        }),
      ),
    );

    let found: Found[] = [];
    parts.forEach((part, p) => {
      const values = replies[p] as (Buffer | null)[];
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (!v) continue;
        const status: IndexedStatus = i < part.cells ? 'available' : 'busy';
        for (let o = 0; o < v.length; o += recordLength(v, o)) found.push({ v, o, id: recordId(v, o), ts: v.readDoubleLE(o + REC.ts), status });
      }
    });
    // a courier caught mid-move between regions can briefly sit in both: keep the newer fix
    if (parts.length > 1) {
      const byId = new Map<string, Found>();
      for (const f of found) {
        const prev = byId.get(f.id);
        if (!prev || f.ts > prev.ts) byId.set(f.id, f);
      }
      found = [...byId.values()];
    }

    const counts: AreaCounts = { online: 0, available: 0, busy: 0, stale: 0 };
    for (const f of found) {
      if (f.ts < minTs) counts.stale++;
      else if (f.status === 'available') counts.available++;
      else counts.busy++;
    }
    counts.online = counts.available + counts.busy;
    found.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { couriers: found.slice(0, limit).map((f) => toCourier(f, minTs)), counts, truncated: found.length > limit };
  }

  private validate(area: string, opts: AreaOptions): { limit: number; maxAgeS: number } {
    if (typeof area !== 'string' || !isValidCell(area)) throw new GeoError('INVALID_INPUT', 'area must be an H3 cell', { area });
    const res = getResolution(area);
    if (res < MIN_AREA_RESOLUTION || res > this.d.resolution) {
      throw new GeoError('INVALID_INPUT', `area resolution must be in [${MIN_AREA_RESOLUTION}, ${this.d.resolution}]`, { area, resolution: res });
    }
    if (typeof opts !== 'object' || opts === null) throw new GeoError('INVALID_INPUT', 'options must be an object');
    const limit = opts.limit ?? 500;
    if (!Number.isInteger(limit) || limit < 0 || limit > MAX_LIMIT) throw new GeoError('INVALID_INPUT', `limit must be an integer in [0, ${MAX_LIMIT}]`, { limit });
    const maxAgeS = opts.maxAgeS ?? this.d.defaultMaxAgeS;
    if (typeof maxAgeS !== 'number' || !(maxAgeS > 0) || !Number.isFinite(maxAgeS)) throw new GeoError('INVALID_INPUT', 'maxAgeS must be a positive number', { maxAgeS });
    return { limit, maxAgeS };
  }

  /** The keys of the area's cells at the index resolution, per region (an area finer than a region is in one). */
  private plan(area: string): RegionPart[] {
    let parts = this.plans.get(area);
    if (parts) return parts;
    const { keys, resolution } = this.d;
    const part = (region: string, of: string): RegionPart => {
      const rp = keys.regionPrefix(region);
      const cells = cellToChildren(of, resolution);
      const a = keys.cells(rp, 'a');
      const b = keys.cells(rp, 'b');
      return { keys: [...cells.map((c) => a + c), ...cells.map((c) => b + c)], cells: cells.length };
    };
    parts =
      getResolution(area) >= keys.regionResolution
        ? [part(cellToParent(area, keys.regionResolution), area)]
        : cellToChildren(area, keys.regionResolution).map((region) => part(region, region));
    this.plans.set(area, parts);
    return parts;
  }
}

function toCourier(f: Found, minTs: number): AreaCourier {
  const { v, o } = f;
  const c: AreaCourier = {
    courierId: f.id,
    lat: v.readDoubleLE(o + REC.lat),
    lng: v.readDoubleLE(o + REC.lng),
    status: f.status,
    vehicle: VEHICLE_BY_CODE[v[o + REC.vehicle] as number] ?? 'bike',
    ts: f.ts,
    stale: f.ts < minTs,
  };
  const speed = v.readDoubleLE(o + REC.speed);
  const heading = v.readDoubleLE(o + REC.heading);
  if (!Number.isNaN(speed)) c.speed = speed;
  if (!Number.isNaN(heading)) c.heading = heading;
  return c;
}
