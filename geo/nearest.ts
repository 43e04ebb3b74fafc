import type { Cluster, Redis } from 'ioredis';
import { CELL_REC, REC } from './cells.js';
import { EARTH_RADIUS_M, RADIUS_EPSILON_M } from './distance.js';
import { GeoError } from './errors.js';
import { assertLatLng } from './gps.js';
import { growingLru, type KeySpace } from './keys.js';
import type { NearestPlanner, PlannedCell } from './plan.js';
import { guarded } from './redis-call.js';
import { VEHICLE_CODE, isVehicle, type IndexedStatus, type Vehicle } from './types.js';

export interface NearestQuery {
  lat: number;
  lng: number;
  /** Search radius in metres (a courier exactly on it counts as inside). */
  radiusM: number;
  /** Maximum number of couriers returned. */
  limit: number;
  filter: {
    status: IndexedStatus;
    vehicle?: Vehicle | Vehicle[];
    minFreeCapacity?: number;
  };
  /** Couriers whose last fix is older than this are skipped (default: the index's maxAgeS). */
  maxAgeS?: number;
}

export interface NearestCourier {
  courierId: string;
  /** Exact great-circle distance in metres. */
  distanceM: number;
}

export interface NearestDeps {
  redis: Redis | Cluster;
  keys: KeySpace;
  planner: NearestPlanner;
  now: () => number;
  defaultMaxAgeS: number;
  timeoutMs: number;
}

const MAX_LIMIT = 1000;
/**
 * The largest search radius (metres), at every index resolution. It bounds
 * the worst case of one query: at res 9 beside a pentagon, a search that
 * finds nobody reads about 45,000 cells (see docs/geo.md). The REST schema
 * and the OpenAPI take their limit from here.
 */
export const MAX_RADIUS_M = 30_000;
/** Index cells per MGET in the wide phase: bounds both one synchronous slice of the caller and one Redis command. */
const WIDE_BATCH = 1_000;
const RAD = Math.PI / 180;
const M_PER_DEG = EARTH_RADIUS_M * RAD;
const TWO_R = 2 * EARTH_RADIUS_M;
// record layout as plain module constants: the hot loop reads them per record
const { lat: O_LAT, lng: O_LNG, ts: O_TS, vehicle: O_VEHICLE, free: O_FREE, idLen: O_IDLEN } = REC;
const REC_LEN = CELL_REC;
/** Memoised cell keys per status: about 100 bytes each, so at most about 5 MB. */
const KEY_MEMO_MAX = 50_000;
/** The filter of a query without a vehicle filter (shared: no array per query). */
const ANY_VEHICLE: readonly boolean[] = [false, true, true, true, true];

/** allowed[vehicle code] for a filter (codes 1..4, see VEHICLE_CODE). */
function vehicleFilter(v: Vehicle | Vehicle[] | undefined): readonly boolean[] {
  if (v === undefined) return ANY_VEHICLE;
  const list = Array.isArray(v) ? v : [v];
  for (const x of list) if (!isVehicle(x)) throw new GeoError('UNKNOWN_VEHICLE', `unknown vehicle ${String(x)}`, { vehicle: x });
  const allowed = [false, false, false, false, false];
  for (const x of list) allowed[VEHICLE_CODE[x]] = true;
  return allowed;
}

/** Validate a query; returns the derived filter. */
export function prepareQuery(q: NearestQuery): { statusKey: 'a' | 'b'; vehicles: readonly boolean[]; minFree: number } {
  if (typeof q !== 'object' || q === null) throw new GeoError('INVALID_INPUT', 'query must be an object');
  assertLatLng(q.lat, q.lng, 'query');
  if (typeof q.radiusM !== 'number' || !(q.radiusM > 0) || q.radiusM > MAX_RADIUS_M) {
    throw new GeoError('INVALID_INPUT', `radiusM must be in (0, ${MAX_RADIUS_M}]`, { radiusM: q.radiusM, max: MAX_RADIUS_M });
  }
  if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > MAX_LIMIT) {
    throw new GeoError('INVALID_INPUT', `limit must be an integer in [1, ${MAX_LIMIT}]`, { limit: q.limit });
  }
  const status = q.filter?.status;
  if (status !== 'available' && status !== 'busy') {
    throw new GeoError('UNKNOWN_STATUS', 'filter.status must be available or busy', { status });
  }
  const minFree = q.filter.minFreeCapacity ?? -2147483648;
  if (!Number.isInteger(minFree)) throw new GeoError('INVALID_INPUT', 'minFreeCapacity must be an integer');
  if (q.maxAgeS !== undefined && !(q.maxAgeS > 0)) throw new GeoError('INVALID_INPUT', 'maxAgeS must be positive');
  return { statusKey: status === 'available' ? 'a' : 'b', vehicles: vehicleFilter(q.filter.vehicle), minFree };
}

/**
 * The best `limit` couriers seen so far, sorted by distance. An entry is its
 * record (cell buffer + offset); the id string is made only for the entries
 * that are returned, except with `dedupe` (several regions), which keeps one
 * entry per id, the nearer: a courier caught mid-move can briefly sit in two
 * regions.
 */
class TopK {
  readonly ds: number[] = [];
  readonly bufs: Buffer[] = [];
  readonly offs: number[] = [];
  /** Only with dedupe: the id of each entry. */
  readonly ids: string[] = [];
  /** Current k-th distance (the radius until the list is full). */
  worst: number;

  constructor(
    private readonly limit: number,
    radius: number,
    public dedupe: boolean,
  ) {
    this.worst = radius;
  }

  get full(): boolean {
    return this.ds.length >= this.limit;
  }

  insert(d: number, v: Buffer, o: number): void {
    const { ds, bufs, offs, ids, dedupe } = this;
    let id = '';
    if (dedupe) {
      id = recordIdAt(v, o);
      const at = ids.indexOf(id);
      if (at >= 0) {
        if ((ds[at] as number) <= d) return;
        ds.splice(at, 1);
        bufs.splice(at, 1);
        offs.splice(at, 1);
        ids.splice(at, 1);
      }
    }
    let i = ds.length < this.limit ? ds.length : this.limit - 1;
    while (i > 0 && (ds[i - 1] as number) > d) {
      ds[i] = ds[i - 1] as number;
      bufs[i] = bufs[i - 1] as Buffer;
      offs[i] = offs[i - 1] as number;
      if (dedupe) ids[i] = ids[i - 1] as string;
      i--;
    }
    ds[i] = d;
    bufs[i] = v;
    offs[i] = o;
    if (dedupe) ids[i] = id;
    if (ds.length >= this.limit) this.worst = ds[this.limit - 1] as number;
  }

  /** Entries seen before dedupe was switched on have no id yet. */
  startDedupe(): void {
    if (this.dedupe) return;
    this.dedupe = true;
    this.bufs.forEach((v, i) => (this.ids[i] = recordIdAt(v, this.offs[i] as number)));
  }

  result(): NearestCourier[] {
    return this.ds.map((distanceM, i) => ({ courierId: recordIdAt(this.bufs[i] as Buffer, this.offs[i] as number), distanceM }));
  }
}

const recordIdAt = (v: Buffer, o: number): string => v.toString('latin1', o + REC_LEN, o + REC_LEN + (v[o + O_IDLEN] as number));

/**
 * Run a nearest search. The planner lists the candidate cells best-first
 * with a lower bound (md) on their distance; one MGET per region touched
 * (usually one) reads the packed cells of the wanted status, and the records
 * are decoded, filtered and ranked here, in md order, stopping as soon as the
 * k-th best distance is <= the next cell's md. Redis only serves bytes: its
 * single core is the shared resource, the callers' processes scale out. If
 * the answer is not provably exact yet (fewer than `limit` found within the
 * covered radius), the covered radius widens and only the new cells are read;
 * once the planner's cached rings run out, the hierarchy walk (`wide`) reads
 * the rest in bounded batches, at the latest up to the radius.
 */
export class NearestSearch {
  /** EWMA of the k-th distance of recent answers: where the next search should start. */
  private kthEwmaM: number | undefined;
  private readonly keysA: CellKeys;
  private readonly keysB: CellKeys;

  constructor(private readonly deps: NearestDeps) {
    this.keysA = new CellKeys(deps.keys, 'a');
    this.keysB = new CellKeys(deps.keys, 'b');
  }

  async run(q: NearestQuery): Promise<NearestCourier[]> {
    const { statusKey, vehicles, minFree } = prepareQuery(q);
    const { planner, now } = this.deps;
    const minTs = now() - (q.maxAgeS ?? this.deps.defaultMaxAgeS) * 1000;
    const radius = q.radiusM + RADIUS_EPSILON_M;
    let cover = Math.min(radius, Math.max(planner.edgeM, this.kthEwmaM === undefined ? planner.edgeM * 4 : this.kthEwmaM * 1.15 + planner.edgeM * 0.25));
    let top: TopK | undefined;
    let read: Set<string> | undefined;

    for (;;) {
      const plan = planner.candidates(q.lat, q.lng, cover, radius);
      const { cells, mds } = plan;
      top ??= new TopK(q.limit, radius, plan.multiRegion);
      // entries from one region are unique, so deduping can start late
      if (plan.multiRegion) top.startDedupe();
      const todo = read ? cells.filter((c) => !read?.has(c.cell)) : cells;
      const todoMds = read ? mds.filter((_, i) => !read?.has((cells[i] as PlannedCell).cell)) : mds;
      const values = await this.fetch(statusKey, todo, plan.multiRegion);
      let scanned = 0;
      for (; scanned < todo.length; scanned++) {
        if (top.full && top.worst <= (todoMds[scanned] as number)) break;
        const v = values[scanned];
        if (v) scanCell(v, q.lat, q.lng, minTs, minFree, vehicles, top);
      }
      const complete = top.full && top.worst <= plan.coveredM;
      if (complete || plan.coveredM >= radius) {
        if (top.full) this.kthEwmaM = this.kthEwmaM === undefined ? top.worst : this.kthEwmaM * 0.9 + top.worst * 0.1;
        return top.result();
      }
      read ??= new Set();
      for (let t = 0; t < scanned; t++) read.add((todo[t] as PlannedCell).cell);
      // the cached rings ran out before the cover: the rest comes from the hierarchy
      if (plan.coveredM < Math.min(cover, radius)) return this.wide(q, radius, statusKey, minTs, minFree, vehicles, top, read);
      cover = Math.min(radius, Math.max(cover * 2, plan.coveredM * 1.5));
    }
  }

  /**
   * The rest of a search whose cover outgrew the cached rings: index cells
   * come from the planner's hierarchy walk in md order, WIDE_BATCH at a time,
   * one MGET per batch and region, until the k-th best distance is at most
   * the next cell's md or the radius is covered. Each batch is a bounded
   * slice of synchronous work, wherever q is.
   */
  private async wide(q: NearestQuery, radius: number, statusKey: 'a' | 'b', minTs: number, minFree: number, vehicles: readonly boolean[], top: TopK, read: ReadonlySet<string>): Promise<NearestCourier[]> {
    const walk = this.deps.planner.walk(q.lat, q.lng);
    top.startDedupe();
    for (;;) {
      const next = walk.peek();
      if (next > radius || (top.full && top.worst <= next)) break;
      const { cells, mds } = walk.take(WIDE_BATCH, radius, read);
      // the walk's time budget ran out before it found a cell: let others run
      if (cells.length === 0) {
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      const values = await this.fetch(statusKey, cells, true, false);
      for (let i = 0; i < cells.length; i++) {
        if (top.full && top.worst <= (mds[i] as number)) return top.result();
        const v = values[i];
        if (v) scanCell(v, q.lat, q.lng, minTs, minFree, vehicles, top);
      }
    }
    return top.result();
  }

  /** The packed cells of `todo`, in that order: one MGET per region. */
  private fetch(statusKey: 'a' | 'b', todo: PlannedCell[], multiRegion: boolean, memo = true): Promise<(Buffer | null)[]> {
    const { redis, timeoutMs } = this.deps;
    if (todo.length === 0) return Promise.resolve([]);
    const keys = statusKey === 'a' ? this.keysA : this.keysB;
    return guarded(redis, 'nearestCouriers', timeoutMs, async () => {
      if (!multiRegion) return redis.mgetBuffer(todo.map((c) => keys.of(c, memo)));
      const byRegion = new Map<string, number[]>();
      todo.forEach((c, t) => {
        const list = byRegion.get(c.region);
        if (list) list.push(t);
        else byRegion.set(c.region, [t]);
      });
      const out: (Buffer | null)[] = new Array(todo.length);
      await Promise.all(
        [...byRegion.values()].map(async (ts) => {
          const got = await redis.mgetBuffer(ts.map((t) => keys.of(todo[t] as PlannedCell, memo)));
          ts.forEach((t, j) => (out[t] = got[j] ?? null));
        }),
      );
      return out;
    });
  }
}

/**
 * Key of a cell's packed index for one status (`<p>{<region>}:<a|b>2:<cell>`),
 * memoised for the ring tier (the hot path needs ~8 per query); the wide
 * tier's thousands of one-off keys bypass the memo.
 */
class CellKeys {
  private readonly keys = growingLru<string, string>(KEY_MEMO_MAX);

  constructor(
    private readonly space: KeySpace,
    private readonly statusKey: 'a' | 'b',
  ) {}

  of(c: PlannedCell, memo: boolean): string {
    let k = this.keys.get(c.cell);
    if (k === undefined) {
      k = this.space.cells(this.space.regionPrefix(c.region), this.statusKey) + c.cell;
      if (memo) this.keys.set(c.cell, k);
    }
    return k;
  }
}

/**
 * Decode one packed cell (geo/cells.ts) and offer the couriers that pass the
 * filters to `top`. Distances are haversineM's formula, operation for
 * operation; a planar pre-reject with a 10 % margin skips the trigonometry
 * for records clearly beyond the k-th best (off near the poles and the
 * antimeridian).
 */
function scanCell(v: Buffer, lat: number, lng: number, minTs: number, minFree: number, vehicles: readonly boolean[], top: TopK): void {
  const qcos = Math.cos(lat * RAD);
  const kx = M_PER_DEG * qcos;
  const planar = lat < 80 && lat > -80 && lng < 170 && lng > -170;
  const len = v.length;
  const dv = new DataView(v.buffer, v.byteOffset, len);
  let worst2 = top.worst * top.worst * 1.21;
  for (let o = 0; o < len; ) {
    const la = dv.getFloat64(o + O_LAT, true);
    const ln = dv.getFloat64(o + O_LNG, true);
    const dy = (la - lat) * M_PER_DEG;
    const dx = (ln - lng) * kx;
    if ((!planar || dx * dx + dy * dy <= worst2) && dv.getFloat64(o + O_TS, true) >= minTs && vehicles[v[o + O_VEHICLE] as number] && dv.getInt32(o + O_FREE, true) >= minFree) {
      const s1 = Math.sin((la - lat) * RAD * 0.5);
      const s2 = Math.sin((ln - lng) * RAD * 0.5);
      const a = s1 * s1 + qcos * Math.cos(la * RAD) * s2 * s2;
      const d = TWO_R * Math.asin(Math.sqrt(Math.min(1, a)));
      if (d <= top.worst) {
        top.insert(d, v, o);
        worst2 = top.worst * top.worst * 1.21;
      }
    }
    o += REC_LEN + (v[o + O_IDLEN] as number);
  }
}
