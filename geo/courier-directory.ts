import type { Cluster, Redis } from 'ioredis';
import { GeoError, SCRIPT_CODE, scriptError } from './errors.js';
import { assertCourierId } from './gps.js';
import type { KeySpace } from './keys.js';
import { guarded, pipelineResults } from './redis-call.js';
import { geo } from './scripts.js';
import { VEHICLE_CODE, isStatus, isVehicle, type CourierState, type Fix } from './types.js';

/** What `getCourier` returns. */
export interface CourierView {
  courierId: string;
  state: CourierState;
  /** `ts` orders fixes (the server's receive time when the device's stamp was ahead); `deviceTs` is then the device's stamp. */
  lastFix: { lat: number; lng: number; ts: number; accuracy?: number; speed?: number; heading?: number; deviceTs?: number } | null;
  cell: string | null;
  region: string | null;
  /** True when the last fix is older than maxAgeS (or there is none): never offered as available. */
  stale: boolean;
}

export interface TrailPoint {
  lat: number;
  lng: number;
  ts: number;
  accuracy?: number;
  speed?: number;
  heading?: number;
}

interface Deps {
  redis: Redis | Cluster;
  keys: KeySpace;
  now: () => number;
  maxAgeS: number;
  timeoutMs: number;
  trailMaxLen: number;
}

const STATE_FIELDS = ['st', 'veh', 'vc', 'cap', 'load', 'zone'] as const;
const optNum = (v: string | undefined): number | undefined => (v === undefined || v === '' ? undefined : Number(v));

/** Throw a VALIDATION_ERROR GeoError unless `s` is a valid courier state. */
export function assertCourierState(s: CourierState): void {
  if (typeof s !== 'object' || s === null) throw new GeoError('INVALID_INPUT', 'state must be an object');
  if (!isStatus(s.status)) throw new GeoError('UNKNOWN_STATUS', `unknown status ${String(s.status)}`, { status: s.status });
  if (!isVehicle(s.vehicle)) throw new GeoError('UNKNOWN_VEHICLE', `unknown vehicle ${String(s.vehicle)}`, { vehicle: s.vehicle });
  if (!Number.isInteger(s.capacity) || s.capacity < 0 || s.capacity > 1000) throw new GeoError('INVALID_INPUT', 'capacity must be an integer in [0, 1000]');
  if (!Number.isInteger(s.load) || s.load < 0 || s.load > 1000) throw new GeoError('INVALID_INPUT', 'load must be an integer in [0, 1000]');
  if (s.zoneId !== undefined && (typeof s.zoneId !== 'string' || s.zoneId.length > 128)) throw new GeoError('INVALID_INPUT', 'zoneId must be a string');
}

/**
 * The courier-tagged directory (`<p>dir:{id}`: region + state) and the rare
 * multi-slot flows around it: homing a courier into a region, state changes,
 * reads, the sweep and geofence writes.
 */
export class CourierDirectory {
  constructor(private readonly d: Deps) {}

  private call<T>(op: string, fn: () => Promise<T>): Promise<T> {
    return guarded(this.d.redis, op, this.d.timeoutMs, fn);
  }

  /**
   * Create the courier's record in region `rp`, carrying over its record from
   * the previous region if any. Copy first, then the old record is gone with
   * evict (atomic per region); a crash in between is healed from the directory.
   */
  async home(fix: Fix, rp: string): Promise<'homed' | 'ignored'> {
    const { redis, keys } = this.d;
    const dirKey = keys.directory(fix.courierId);
    const dir = await this.call('home', () => redis.hgetall(dirKey));
    if (!dir.st) throw scriptError('apply-fix', SCRIPT_CODE.NOT_HOMED, { courierId: fix.courierId });
    let fields: string[] = STATE_FIELDS.flatMap((f) => [f, dir[f] ?? '']);
    let fences: string[] = [];
    let trail: string[] = [];
    const newRegion = rp.slice(keys.prefix.length + 1, rp.length - 2);
    if (dir.region && dir.region !== newRegion) {
      const oldRp = keys.regionPrefix(dir.region);
      const out = (await this.call('home', () =>
        geo(redis).daraaGeo_evict(keys.courier(oldRp, fix.courierId), oldRp, fix.courierId, fix.ts, this.d.trailMaxLen),
      )) as (string | number)[];
      if (Number(out[0]) === SCRIPT_CODE.IGNORED_OLDER) return 'ignored';
      if (Number(out[0]) === SCRIPT_CODE.OK) {
        const nh = Number(out[1]);
        fields = out.slice(2, 2 + nh * 2).map(String);
        const nf = Number(out[2 + nh * 2]);
        fences = out.slice(3 + nh * 2, 3 + nh * 2 + nf * 2).map(String);
        trail = out.slice(3 + nh * 2 + nf * 2).map(String);
      }
    }
    await this.call('home', () =>
      geo(redis).daraaGeo_home(keys.courier(rp, fix.courierId), rp, fix.courierId, fields.length / 2, ...fields, fences.length / 2, ...fences, ...trail),
    );
    await this.call('home', () => Promise.all([redis.hset(dirKey, 'region', newRegion), redis.sadd(keys.regions(), newRegion)]));
    return 'homed';
  }

  async setState(courierId: string, state: CourierState): Promise<void> {
    assertCourierId(courierId);
    assertCourierState(state);
    const { redis, keys } = this.d;
    const dirKey = keys.directory(courierId);
    const vc = VEHICLE_CODE[state.vehicle];
    const zone = state.zoneId ?? '';
    const p = redis.pipeline();
    p.hset(dirKey, 'st', state.status, 'veh', state.vehicle, 'vc', vc, 'cap', state.capacity, 'load', state.load, 'zone', zone);
    p.hget(dirKey, 'region');
    const [, region] = pipelineResults(await this.call('setState', () => p.exec()), 'setState') as [unknown, string | null];
    if (!region) return;
    const rp = keys.regionPrefix(region);
    // NOT_HOMED here means a crash interrupted a move; the next fix re-homes from the directory.
    await this.call('setState', () =>
      geo(redis).daraaGeo_setState(keys.courier(rp, courierId), rp, courierId, state.status, state.vehicle, vc, state.capacity, state.load, zone),
    );
  }

  async get(courierId: string): Promise<CourierView | null> {
    assertCourierId(courierId);
    const { redis, keys } = this.d;
    const dir = await this.call('getCourier', () => redis.hgetall(keys.directory(courierId)));
    if (!dir.st) return null;
    const rec = dir.region ? await this.call('getCourier', () => redis.hgetall(keys.courier(keys.regionPrefix(dir.region as string), courierId))) : {};
    const src = rec.st ? rec : dir;
    const state: CourierState = { status: src.st as CourierState['status'], vehicle: src.veh as CourierState['vehicle'], capacity: Number(src.cap), load: Number(src.load) };
    if (src.zone) state.zoneId = src.zone;
    const lastFix = rec.ts
      ? { lat: Number(rec.lat), lng: Number(rec.lng), ts: Number(rec.ts), accuracy: optNum(rec.acc), speed: optNum(rec.spd), heading: optNum(rec.hdg), deviceTs: optNum(rec.dts) }
      : null;
    const stale = !lastFix || lastFix.ts < this.d.now() - this.d.maxAgeS * 1000;
    return { courierId, state, lastFix, cell: rec.cell ?? null, region: rec.st ? (dir.region as string) : null, stale };
  }

  async trail(courierId: string, sinceMs: number): Promise<TrailPoint[]> {
    assertCourierId(courierId);
    const { redis, keys } = this.d;
    const region = await this.call('trail', () => redis.hget(keys.directory(courierId), 'region'));
    if (!region) return [];
    const rows = await this.call('trail', () => redis.xrange(keys.trail(keys.regionPrefix(region), courierId), String(Math.max(0, Math.floor(sinceMs))), '+'));
    return rows.map(([id, kv]) => {
      const m: Record<string, string> = {};
      for (let i = 0; i < kv.length; i += 2) m[kv[i] as string] = kv[i + 1] as string;
      return { ts: Number(id.split('-')[0]), lat: Number(m.lat), lng: Number(m.lng), accuracy: optNum(m.acc), speed: optNum(m.spd), heading: optNum(m.hdg) };
    });
  }

  async sweep(staleCutoff: number, retainCutoff: number, batch: number): Promise<{ unindexed: number; deleted: number }> {
    const { redis, keys } = this.d;
    const regions = await this.call('sweepStale', () => redis.smembers(keys.regions()));
    let unindexed = 0;
    let deleted = 0;
    for (const region of regions) {
      const rp = keys.regionPrefix(region);
      for (;;) {
        const out = (await this.call('sweepStale', () => geo(redis).daraaGeo_sweep(keys.seen(rp), rp, staleCutoff, retainCutoff, batch))) as (string | number)[];
        const [candidates, dl] = [Number(out[0]), Number(out[1])];
        unindexed += Number(out[2]);
        deleted += dl;
        for (const id of out.slice(3).map(String)) {
          // forget the directory entry only if it still points here (the courier may have moved since)
          const dirKey = keys.directory(id);
          if ((await this.call('sweepStale', () => redis.hget(dirKey, 'region'))) === region) await this.call('sweepStale', () => redis.del(dirKey));
        }
        if (candidates < batch && dl < batch) break;
      }
    }
    return { unindexed, deleted };
  }

  async geofence(courierId: string, fenceId: string, json: string): Promise<void> {
    const { redis, keys } = this.d;
    const region = await this.call('geofence', () => redis.hget(keys.directory(courierId), 'region'));
    if (!region) throw scriptError('geofence-set', SCRIPT_CODE.NOT_HOMED, { courierId });
    const rp = keys.regionPrefix(region);
    const out = (await this.call('geofence', () => geo(redis).daraaGeo_geofenceSet(keys.courier(rp, courierId), keys.fences(rp, courierId), fenceId, json))) as number[];
    if (Number(out[0]) !== SCRIPT_CODE.OK) throw scriptError('geofence-set', Number(out[0]), { courierId });
  }
}
