import type { Cluster, Redis } from 'ioredis';
import { cellToChildren, cellToParent, getResolution, isValidCell } from 'h3-js';
import { GeoError, SCRIPT_CODE, scriptError } from './errors.js';
import type { KeySpace } from './keys.js';
import { guarded } from './redis-call.js';
import { geo } from './scripts.js';
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
const VEHICLE_BY_CODE: Record<number, Vehicle> = Object.fromEntries(VEHICLES.map((v, i) => [i + 1, v]));
const optNum = (s: string | undefined): number | undefined => (s === undefined || s === '' ? undefined : Number(s));

/**
 * Snapshots of the couriers in an H3 area (the ops board, #5): one area-1.lua
 * call per region the area covers. The area's cells at the index resolution,
 * grouped by region, are cached (they are pure geometry and the board asks
 * for the same areas every second).
 */
export class AreaReader {
  private readonly plans = new Map<string, [rp: string, cells: string][]>();

  constructor(private readonly d: AreaDeps) {}

  async read(area: string, opts: AreaOptions = {}): Promise<AreaSnapshot> {
    const { limit, maxAgeS } = this.validate(area, opts);
    const { redis, keys } = this.d;
    const minTs = this.d.now() - maxAgeS * 1000;
    const plan = this.plan(area);
    const replies = await guarded(redis, 'couriersInArea', this.d.timeoutMs, () =>
      Promise.all(plan.map(([rp, cells]) => geo(redis).daraaGeo_areaBuffer(keys.seen(rp), rp, minTs, limit, cells) as Promise<(number | Buffer)[]>)),
    );
    const counts: AreaCounts = { online: 0, available: 0, busy: 0, stale: 0 };
    const byId = new Map<string, AreaCourier>();
    for (const reply of replies) {
      const code = Number(reply[0]);
      if (code !== SCRIPT_CODE.OK) throw scriptError('area', code, { area });
      counts.available += Number(reply[1]);
      counts.busy += Number(reply[3]);
      counts.stale += Number(reply[2]) + Number(reply[4]);
      for (const c of decode(reply[5] as Buffer, (reply[6] as Buffer).toString('latin1'), minTs)) {
        // a courier caught mid-move between regions can briefly appear twice: keep the newer fix
        const prev = byId.get(c.courierId);
        if (!prev || c.ts > prev.ts) byId.set(c.courierId, c);
      }
    }
    counts.online = counts.available + counts.busy;
    const total = counts.online + counts.stale;
    const couriers = [...byId.values()].sort((a, b) => (a.courierId < b.courierId ? -1 : a.courierId > b.courierId ? 1 : 0)).slice(0, limit);
    return { couriers, counts, truncated: total > limit };
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

  /** The area's cells at the index resolution, grouped by region (an area finer than a region is in one). */
  private plan(area: string): [string, string][] {
    let plan = this.plans.get(area);
    if (!plan) {
      const { keys, resolution } = this.d;
      const children = (cell: string) => cellToChildren(cell, resolution).join('');
      plan =
        getResolution(area) >= keys.regionResolution
          ? [[keys.regionPrefix(cellToParent(area, keys.regionResolution)), children(area)]]
          : cellToChildren(area, keys.regionResolution).map((region) => [keys.regionPrefix(region), children(region)]);
      if (this.plans.size >= 1_000) this.plans.delete(this.plans.keys().next().value as string);
      this.plans.set(area, plan);
    }
    return plan;
  }
}

/** Records of one region's reply: <'a'|'b'> + '<dddBi4B' + id, with '<speed>,<heading>\n' lines alongside. */
function decode(buf: Buffer, motion: string, minTs: number): AreaCourier[] {
  const lines = motion.split('\n');
  const out: AreaCourier[] = [];
  let o = 0;
  for (let k = 0; o < buf.length; k++) {
    const status: IndexedStatus = buf[o] === 97 ? 'available' : 'busy'; // 'a'
    const ts = buf.readDoubleLE(o + 17);
    const idLen = buf[o + 30] as number;
    const [spd, hdg] = (lines[k] as string).split(',');
    const c: AreaCourier = {
      courierId: buf.toString('latin1', o + 31, o + 31 + idLen),
      lat: buf.readDoubleLE(o + 1),
      lng: buf.readDoubleLE(o + 9),
      status,
      vehicle: VEHICLE_BY_CODE[buf[o + 25] as number] ?? 'bike',
      ts,
      stale: ts < minTs,
    };
    const speed = optNum(spd);
    const heading = optNum(hdg);
    if (speed !== undefined) c.speed = speed;
    if (heading !== undefined) c.heading = heading;
    out.push(c);
    o += 31 + idLen;
  }
  return out;
}
