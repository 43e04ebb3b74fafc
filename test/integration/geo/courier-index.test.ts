import { expect } from 'chai';
import { latLngToCell } from 'h3-js';
import type { Redis } from 'ioredis';
import { CourierIndex, GeoError, destinationPoint, type CourierState } from '../../../geo/index.js';
import { geo } from '../../../geo/scripts.js';
import { uniquePrefix, usePrivateRedis } from '../../helpers/redis.js';

/** Courier ids in a packed cell string: records of 46 bytes ('<dddBi4ddB', the last byte is #id) followed by the id. */
function packedCellIds(buf: Buffer): string[] {
  const ids: string[] = [];
  for (let o = 0; o < buf.length; o += 46 + (buf[o + 45] as number)) ids.push(buf.toString('latin1', o + 46, o + 46 + (buf[o + 45] as number)));
  return ids;
}

const CITY = { lat: 33.5138, lng: 36.2765 };
const AVAILABLE_BIKE: CourierState = { status: 'available', vehicle: 'bike', capacity: 2, load: 0 };

describe('geo CourierIndex (integration, private redis)', () => {
  let redis: Redis;
  let now: number;
  let index: CourierIndex;
  const at = (m: number, bearing = 90) => destinationPoint(CITY.lat, CITY.lng, m, bearing);

  usePrivateRedis((client) => (redis = client));
  beforeEach(() => {
    now = 1_700_000_000_000;
    index = new CourierIndex({ redis, prefix: uniquePrefix('geo'), clock: () => now, resolution: 9 });
  });

  const place = async (id: string, m: number, state: CourierState = AVAILABLE_BIKE, bearing = 90) => {
    await index.setState(id, state);
    return index.applyFix({ courierId: id, ...at(m, bearing), ts: now });
  };

  it('when fixes arrive for available couriers, then nearestCouriers returns them sorted by exact distance', async () => {
    await place('far', 900);
    await place('near', 100);
    await place('mid', 400);
    const found = await index.nearestCouriers({ ...CITY, radiusM: 1000, limit: 10, filter: { status: 'available' } });
    expect(found.map((c) => c.courierId)).to.deep.equal(['near', 'mid', 'far']);
    expect(found[0]?.distanceM).to.be.closeTo(100, 0.01);
  });

  it('when an older or duplicate fix arrives, then it is ignored and the stored position does not move', async () => {
    await place('c1', 100);
    const dup = await index.applyFix({ courierId: 'c1', ...at(100), ts: now });
    const older = await index.applyFix({ courierId: 'c1', ...at(2000), ts: now - 5000 });
    expect(dup.outcome).to.equal('ignored');
    expect(older).to.include({ outcome: 'ignored', reason: 'STALE_FIX' });
    const view = await index.getCourier('c1');
    expect(view?.lastFix?.lat).to.be.closeTo(at(100).lat, 1e-12);
    expect(await index.trail('c1')).to.have.length(1);
  });

  it('when the limit is small, then filters apply before it (vehicle, free capacity, status)', async () => {
    for (let i = 0; i < 5; i++) await place(`bike${i}`, 50 + i * 10);
    await place('car', 800, { status: 'available', vehicle: 'car', capacity: 4, load: 1 });
    await place('busyCar', 300, { status: 'busy', vehicle: 'car', capacity: 4, load: 1 });
    await place('fullVan', 200, { status: 'available', vehicle: 'van', capacity: 2, load: 2 });
    const cars = await index.nearestCouriers({ ...CITY, radiusM: 2000, limit: 1, filter: { status: 'available', vehicle: ['car', 'van'] } });
    expect(cars.map((c) => c.courierId)).to.deep.equal(['fullVan']);
    const roomy = await index.nearestCouriers({ ...CITY, radiusM: 2000, limit: 1, filter: { status: 'available', vehicle: ['car', 'van'], minFreeCapacity: 1 } });
    expect(roomy.map((c) => c.courierId)).to.deep.equal(['car']);
    const busy = await index.nearestCouriers({ ...CITY, radiusM: 2000, limit: 5, filter: { status: 'busy' } });
    expect(busy.map((c) => c.courierId)).to.deep.equal(['busyCar']);
  });

  it('when a courier changes status, then it moves between the status indexes', async () => {
    await place('c1', 100);
    await index.setState('c1', { ...AVAILABLE_BIKE, status: 'busy', load: 1 });
    expect(await index.nearestCouriers({ ...CITY, radiusM: 500, limit: 5, filter: { status: 'available' } })).to.deep.equal([]);
    expect((await index.nearestCouriers({ ...CITY, radiusM: 500, limit: 5, filter: { status: 'busy' } })).map((c) => c.courierId)).to.deep.equal(['c1']);
    await index.setState('c1', { ...AVAILABLE_BIKE, status: 'offline' });
    expect(await index.nearestCouriers({ ...CITY, radiusM: 500, limit: 5, filter: { status: 'busy' } })).to.deep.equal([]);
  });

  it('when the last fix is older than maxAgeS, then the courier is never returned as available and the sweep unindexes it', async () => {
    await place('old', 100);
    now += 31_000;
    await place('fresh', 300);
    const found = await index.nearestCouriers({ ...CITY, radiusM: 1000, limit: 5, filter: { status: 'available' } });
    expect(found.map((c) => c.courierId)).to.deep.equal(['fresh']);
    expect((await index.getCourier('old'))?.stale).to.equal(true);
    const swept = await index.sweepStale();
    expect(swept.unindexed).to.equal(1);
    const cellKeys = await redis.keys(`${index.keys.prefix}*:a2:*`);
    const entries = (await Promise.all(cellKeys.map(async (k) => packedCellIds((await redis.getBuffer(k)) as Buffer)))).flat();
    expect(entries).to.deep.equal(['fresh']);
    // a new fix re-indexes it
    await index.applyFix({ courierId: 'old', ...at(100), ts: now });
    expect((await index.nearestCouriers({ ...CITY, radiusM: 1000, limit: 5, filter: { status: 'available' } })).map((c) => c.courierId)).to.deep.equal(['old', 'fresh']);
  });

  it('when fixes within one 5 s step leave the sweep\'s score behind, then the sweep re-checks the last fix and unindexes only the truly stale', async () => {
    await place('live', 100); // now is on a 5 s step boundary: the score is written
    await place('dead', 300);
    const t0 = now;
    // fixes stamped at the server's time (a stamp ahead of it is ordered at the server's time: clock-skew.test.ts)
    for (const dt of [1_000, 2_000, 4_000]) {
      now = t0 + dt;
      await index.applyFix({ courierId: 'live', ...at(100 + dt / 100), ts: t0 + dt });
    }
    const seen = index.keys.seen(index.keys.regionPrefix(index.keys.regionOf(latLngToCell(at(100).lat, at(100).lng, 9))));
    expect(Number(await redis.zscore(seen, 'live'))).to.equal(t0); // written once per step, not per fix
    now = t0 + 4_000 + 28_000; // stale cutoff (maxAgeS 30) = t0 + 2 s: both scores are below it
    const swept = await index.sweepStale();
    expect(swept.unindexed).to.equal(1);
    expect(Number(await redis.zscore(seen, 'live'))).to.equal(t0 + 4_000); // re-scored from its real last fix
    expect(await redis.zscore(seen, 'dead')).to.equal(null);
    const found = await index.nearestCouriers({ ...CITY, radiusM: 1000, limit: 5, filter: { status: 'available' }, maxAgeS: 60 });
    expect(found.map((c) => c.courierId)).to.deep.equal(['live']);
  });

  it('when a courier is idle past retention, then the sweep deletes its keys', async () => {
    await place('gone', 100);
    now += 90_000;
    const r = await index.sweepStale({ retentionS: 60 });
    expect(r.deleted).to.equal(1);
    expect(await redis.keys(`${index.keys.prefix}*gone*`)).to.deep.equal([]);
    expect(await index.getCourier('gone')).to.equal(null);
  });

  it('when many fixes arrive, then the trail stays bounded and trail(since) filters by time', async () => {
    index = new CourierIndex({ redis, prefix: uniquePrefix('geo'), clock: () => now, trailMaxLen: 20 });
    await index.setState('t', AVAILABLE_BIKE);
    const fixes = Array.from({ length: 300 }, (_, i) => ({ courierId: 't', ...at(i), ts: now - 300_000 + i * 1000 }));
    const results = await index.applyFixes(fixes);
    expect(results.every((r) => r.outcome === 'applied')).to.equal(true);
    const trail = await index.trail('t');
    expect(trail.length).to.be.within(20, 120);
    expect(trail.at(-1)?.ts).to.equal(fixes[299]?.ts);
    const recent = await index.trail('t', now - 300_000 + 295_000);
    expect(recent.map((p) => p.ts)).to.deep.equal(fixes.slice(295).map((f) => f.ts));
  });

  it('when couriers move between cells and statuses in batches, then every indexed courier sits in exactly one packed cell, once', async () => {
    const ids = ['m1', 'm2', 'm3', 'a-much-longer-courier-id.with:chars@x'];
    for (const id of ids) await index.setState(id, AVAILABLE_BIKE);
    // several fixes per courier in one batch, hopping across res-9 cells (≈ 175 m edges) and back
    const fixes = [];
    const t0 = now;
    for (let step = 1; step <= 6; step++) for (const [k, id] of ids.entries()) fixes.push({ courierId: id, ...at(step * 150 + k * 7, 45 * k), ts: t0 + step });
    now = t0 + 10; // the stamps are the devices' past, not ahead of the server
    const res = await index.applyFixes(fixes);
    expect(res.every((r) => r.outcome === 'applied')).to.equal(true);
    await index.setState('m2', { ...AVAILABLE_BIKE, status: 'busy' });
    await index.setState('m3', { ...AVAILABLE_BIKE, status: 'offline' });
    await index.applyFixes(ids.map((id, k) => ({ courierId: id, ...at(40 + k, 0), ts: t0 + 10 })));
    const cells = async (letter: string) => {
      const keys = await redis.keys(`${index.keys.prefix}*:${letter}2:*`);
      return (await Promise.all(keys.map(async (k) => packedCellIds((await redis.getBuffer(k)) as Buffer)))).flat().sort();
    };
    expect(await cells('a')).to.deep.equal(['a-much-longer-courier-id.with:chars@x', 'm1']);
    expect(await cells('b')).to.deep.equal(['m2']);
    const found = await index.nearestCouriers({ ...CITY, radiusM: 1000, limit: 10, filter: { status: 'available' } });
    expect(found.map((c) => c.courierId).sort()).to.deep.equal(['a-much-longer-courier-id.with:chars@x', 'm1']);
  });

  it('when the index still holds layout-1 cell keys, then they are never read and each courier is re-indexed by its next fix', async () => {
    await place('old', 100);
    // what an index written before the record layout 2 looks like: `:a:` keys with 30-byte records, idx = 1
    const [v2] = await redis.keys(`${index.keys.prefix}*:a2:*`);
    const cell = (v2 as string).slice(-15);
    const rp = (v2 as string).slice(0, (v2 as string).length - 'a2:'.length - 15);
    await redis.del(v2 as string);
    await redis.set(`${rp}a:${cell}`, Buffer.concat([Buffer.alloc(29, 7), Buffer.from([3]), Buffer.from('old')]));
    expect(await index.nearestCouriers({ ...CITY, radiusM: 1000, limit: 5, filter: { status: 'available' } })).to.deep.equal([]);
    now += 1000;
    await index.applyFix({ courierId: 'old', ...at(120), ts: now });
    const found = await index.nearestCouriers({ ...CITY, radiusM: 1000, limit: 5, filter: { status: 'available' } });
    expect(found.map((c) => c.courierId)).to.deep.equal(['old']);
    expect(found[0]?.distanceM).to.be.closeTo(120, 0.01);
  });

  it('when a batch mixes good and invalid fixes, then invalid ones are rejected with codes and the rest applied', async () => {
    await index.setState('a', AVAILABLE_BIKE);
    const res = await index.applyFixes([
      { courierId: 'a', ...at(10), ts: now - 2000 },
      { courierId: 'a', lat: Number.NaN, lng: 1, ts: now - 1000 },
      { courierId: 'a', lat: 91, lng: 1, ts: now - 1000 },
      { courierId: 'a', ...at(20), ts: now + 3_600_000 },
      { courierId: 'ghost', ...at(20), ts: now },
      { courierId: 'a', ...at(30), ts: now },
    ]);
    expect(res.map((r) => r.outcome)).to.deep.equal(['applied', 'rejected', 'rejected', 'rejected', 'rejected', 'applied']);
    expect(res.slice(1, 5).map((r) => r.error?.reason)).to.deep.equal(['INVALID_COORDINATE', 'INVALID_COORDINATE', 'INVALID_TIMESTAMP', 'UNKNOWN_COURIER']);
    expect(res[1]?.error?.code).to.equal('VALIDATION_ERROR');
    expect(res[4]?.error?.code).to.equal('NOT_FOUND');
  });

  it('when applyFix gets bad input, then it throws a typed GeoError and writes nothing', async () => {
    const before = await redis.dbsize();
    const err = await index.applyFix({ courierId: 'x', lat: 200, lng: 0, ts: now }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(GeoError);
    expect(err).to.include({ code: 'VALIDATION_ERROR', reason: 'INVALID_COORDINATE' });
    const unknownVehicle = await index.setState('x', { ...AVAILABLE_BIKE, vehicle: 'rocket' as never }).catch((e: unknown) => e);
    expect(unknownVehicle).to.include({ code: 'VALIDATION_ERROR', reason: 'UNKNOWN_VEHICLE' });
    const unknown = await index.applyFix({ courierId: 'nobody', ...CITY, ts: now }).catch((e: unknown) => e);
    expect(unknown).to.include({ code: 'NOT_FOUND', reason: 'UNKNOWN_COURIER' });
    expect(await redis.dbsize()).to.equal(before);
  });

  it('when fixes jump implausibly, are inaccurate or mocked, then flags come back and the fix is still applied', async () => {
    await place('f', 0);
    now += 5_000;
    const jump = await index.applyFix({ courierId: 'f', ...at(5_000), ts: now, accuracy: 250, mock: true });
    expect(jump.outcome).to.equal('applied');
    expect(jump.flags).to.have.members(['teleport', 'poor_accuracy', 'mock_location']);
    now += 60_000;
    const normal = await index.applyFix({ courierId: 'f', ...at(5_200), ts: now, accuracy: 5 });
    expect(normal.flags).to.deep.equal([]);
  });

  it('when a courier jitters around a geofence edge, then entered/dwell/exited fire once each, in order', async () => {
    await place('g', 300);
    await index.setGeofence('g', { id: 'pickup:o1', ...CITY, radiusM: 100, marginM: 40, dwellMs: 30_000 });
    const seq: [number, number][] = [
      [300, 1], [95, 2], [110, 3], [99, 4], [130, 5], [90, 40], [120, 41], [150, 42], [101, 43], [95, 44],
    ];
    const events: string[] = [];
    const t0 = now;
    for (const [m, s] of seq) {
      now = t0 + s * 1000;
      const r = await index.applyFix({ courierId: 'g', ...at(m), ts: t0 + s * 1000 });
      events.push(...r.events.map((e) => `${e.type}@${s}`));
    }
    expect(events).to.deep.equal(['entered@2', 'dwell@40', 'exited@42', 'entered@44']);
    // a late fix from the past produces no event
    const late = await index.applyFix({ courierId: 'g', ...at(500), ts: t0 + 43_500 });
    expect(late.events).to.deep.equal([]);
  });

  it('when an apply-fixes batch holds a malformed line, then the script refuses the whole batch and writes nothing', async () => {
    await place('c1', 100);
    const before = await index.getCourier('c1');
    const cell = latLngToCell(at(300).lat, at(300).lng, 9);
    const rp = index.keys.regionPrefix(index.keys.regionOf(cell));
    const good = ['c1', at(300).lat, at(300).lng, now + 1_000, '', '', '', cell, ''].join('\t');
    let error: unknown;
    await geo(redis).daraaGeo_applyFixes(index.keys.seen(rp), rp, 100, `${good}\nc1\tnot-a-fix`).catch((err: unknown) => (error = err));
    expect(String(error)).to.match(/malformed fix line 2/);
    expect((await index.getCourier('c1'))?.lastFix).to.deep.equal(before?.lastFix);
    expect(await index.trail('c1')).to.have.length(1);
    // The same good line alone is applied, and comes back as one line of tab-separated fields.
    const reply = await geo(redis).daraaGeo_applyFixes(index.keys.seen(rp), rp, 100, good);
    expect(String(reply).split('\t')[0]).to.equal('1');
    expect(await index.trail('c1')).to.have.length(2);
  });

  it('when a courier crosses a region border, then its record, trail and geofences move with it', async () => {
    index = new CourierIndex({ redis, prefix: uniquePrefix('geo'), clock: () => now, regionResolution: 7, resolution: 9 });
    await index.setState('m', AVAILABLE_BIKE);
    await index.setGeofence('m', { id: 'f', ...CITY, radiusM: 50 }).catch((e: unknown) => expect(e).to.include({ reason: 'UNKNOWN_COURIER' }));
    await index.applyFix({ courierId: 'm', ...CITY, ts: now - 60_000 });
    await index.setGeofence('m', { id: 'drop', ...at(8_000), radiusM: 100, dwellMs: 0 });
    const first = (await index.getCourier('m'))?.region;
    const r = await index.applyFix({ courierId: 'm', ...at(8_000), ts: now });
    const view = await index.getCourier('m');
    expect(view?.region).to.not.equal(first);
    expect(r.events.map((e) => e.type)).to.deep.equal(['entered', 'dwell']);
    expect((await index.trail('m')).map((p) => p.ts)).to.deep.equal([now - 60_000, now]);
    const found = await index.nearestCouriers({ ...at(8_000), radiusM: 500, limit: 5, filter: { status: 'available' } });
    expect(found.map((c) => c.courierId)).to.deep.equal(['m']);
    expect(await index.nearestCouriers({ ...CITY, radiusM: 500, limit: 5, filter: { status: 'available' } })).to.deep.equal([]);
    // an older fix from the old region is ignored, not moved back
    const stale = await index.applyFix({ courierId: 'm', ...CITY, ts: now - 1000 });
    expect(stale.outcome).to.equal('ignored');
    expect((await index.getCourier('m'))?.region).to.equal(view?.region);
  });
});
