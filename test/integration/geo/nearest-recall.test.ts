import { expect } from 'chai';
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { cellToBoundary, cellToLatLng, cellToParent, getPentagons, getRes0Cells, latLngToCell } from 'h3-js';
import { CourierIndex, VEHICLES, destinationPoint, haversineM, type CourierState, type Vehicle } from '../../../geo/index.js';
import { NearestPlanner } from '../../../geo/plan.js';
import { MAX_RADIUS_M } from '../../../geo/nearest.js';
import { uniquePrefix, usePrivateRedis } from '../../helpers/redis.js';
import { setStates } from '../../helpers/fleet.js';

/** Centres the property test draws from: real cities, the antimeridian, H3 pentagons and base-cell vertices. */
const [pentLat, pentLng] = cellToLatLng(getPentagons(0)[3] as string);
const [pent2Lat, pent2Lng] = cellToLatLng(getPentagons(0)[7] as string);
const [baseLat, baseLng] = cellToBoundary(getRes0Cells()[20] as string)[0] as [number, number];
const [base2Lat, base2Lng] = cellToBoundary(getRes0Cells()[57] as string)[2] as [number, number];
const CENTRES = [
  { name: 'Damascus', lat: 33.5138, lng: 36.2765 },
  { name: 'Oslo', lat: 59.9139, lng: 10.7522 },
  { name: 'Quito (equator)', lat: -0.1807, lng: -78.4678 },
  { name: 'Suva (near antimeridian)', lat: -18.1248, lng: 179.99 },
  { name: 'pentagon A', lat: pentLat, lng: pentLng },
  { name: 'pentagon B', lat: pent2Lat, lng: pent2Lng },
  { name: 'base-cell vertex A', lat: baseLat, lng: baseLng },
  { name: 'base-cell vertex B', lat: base2Lat, lng: base2Lng },
];

interface Courier { id: string; lat: number; lng: number; ts: number; state: CourierState }

/**
 * The whole sphere: both poles, both sides of the antimeridian (Fiji), the
 * equator, and every one of the 12 H3 pentagons (the same 12 points at every
 * resolution).
 */
const SPHERE = [
  { name: 'north pole', lat: 89.9, lng: 0 },
  { name: 'near north pole', lat: 89.975, lng: 120 },
  { name: 'north polar cap', lat: 89.85, lng: -60 },
  { name: 'south pole', lat: -89.93, lng: 45 },
  { name: 'Fiji east of the antimeridian', lat: -17.8, lng: 179.9 },
  { name: 'Fiji west of the antimeridian', lat: -16.6, lng: -179.9 },
  { name: 'antimeridian on the equator', lat: 0.02, lng: 179.99 },
  { name: 'equator, prime meridian', lat: 0, lng: 0 },
  ...getPentagons(0).map((p, i) => {
    const [lat, lng] = cellToLatLng(p);
    return { name: `pentagon ${i}`, lat, lng };
  }),
];

describe('geo nearestCouriers recall (property, private redis)', function () {
  this.timeout(120_000);
  let redis: Redis;
  const NOW = 1_700_000_000_000;

  usePrivateRedis((client) => (redis = client));

  const scenario = fc.record({
    centre: fc.constantFrom(...CENTRES),
    dense: fc.boolean(),
    size: fc.integer({ min: 5, max: 220 }),
    onRadius: fc.integer({ min: 0, max: 8 }),
    resolution: fc.constantFrom(7, 8, 9),
    regionResolution: fc.constantFrom(3, 4, 5),
    radiusM: fc.integer({ min: 150, max: 6000 }),
    limit: fc.integer({ min: 1, max: 25 }),
    status: fc.constantFrom('available' as const, 'busy' as const),
    vehicles: fc.option(fc.subarray([...VEHICLES], { minLength: 1 }), { nil: undefined }),
    minFree: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
    seed: fc.integer(),
  });

  it('when fleets are dense or sparse, on the radius, or near pentagons and base cells, then results equal brute force', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        let x = s.seed >>> 0;
        const rnd = () => ((x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 4294967296);
        const spreadM = s.dense ? s.radiusM * 1.5 : s.radiusM * 6;
        const q = destinationPoint(s.centre.lat, s.centre.lng, rnd() * 300, rnd() * 360);
        const couriers: Courier[] = [];
        for (let i = 0; i < s.size + s.onRadius; i++) {
          const onRadius = i >= s.size;
          const p = onRadius ? destinationPoint(q.lat, q.lng, s.radiusM, rnd() * 360) : destinationPoint(q.lat, q.lng, Math.sqrt(rnd()) * spreadM, rnd() * 360);
          const capacity = 1 + Math.floor(rnd() * 4);
          couriers.push({
            id: `c${i}`,
            ...p,
            ts: NOW - (rnd() < 0.1 ? 45_000 : Math.floor(rnd() * 20_000)),
            state: { status: (['available', 'busy', 'offline'] as const)[Math.floor(rnd() * 3)] as CourierState['status'], vehicle: VEHICLES[Math.floor(rnd() * 4)] as Vehicle, capacity, load: Math.floor(rnd() * (capacity + 1)) },
          });
        }
        const index = new CourierIndex({ redis, prefix: uniquePrefix('recall'), clock: () => NOW, resolution: s.resolution, regionResolution: s.regionResolution });
        await setStates(index, couriers.map((c) => [c.id, c.state] as const));
        const applied = await index.applyFixes(couriers.map((c) => ({ courierId: c.id, lat: c.lat, lng: c.lng, ts: c.ts })));
        expect(applied.every((r) => r.outcome === 'applied')).to.equal(true);

        const filter = { status: s.status, vehicle: s.vehicles, minFreeCapacity: s.minFree };
        const got = await index.nearestCouriers({ lat: q.lat, lng: q.lng, radiusM: s.radiusM, limit: s.limit, filter, maxAgeS: 30 });
        const truth = couriers
          .filter((c) => c.state.status === s.status && c.ts >= NOW - 30_000)
          .filter((c) => !s.vehicles || s.vehicles.includes(c.state.vehicle))
          .filter((c) => s.minFree === undefined || c.state.capacity - c.state.load >= s.minFree)
          .map((c) => ({ id: c.id, d: haversineM(q.lat, q.lng, c.lat, c.lng) }))
          .filter((c) => c.d <= s.radiusM + 1e-6)
          .sort((a, b) => a.d - b.d)
          .slice(0, s.limit);
        expect(got.length, `${s.centre.name}`).to.equal(truth.length);
        const byId = new Map(couriers.map((c) => [c.id, c]));
        got.forEach((g, i) => {
          expect(g.distanceM).to.be.closeTo((truth[i] as { d: number }).d, 1e-5);
          const c = byId.get(g.courierId) as Courier;
          expect(haversineM(q.lat, q.lng, c.lat, c.lng)).to.be.closeTo(g.distanceM, 1e-5);
        });
      }),
      { numRuns: 60, seed: 20261121 },
    );
  });
});

describe('geo nearestCouriers recall on the whole sphere (property, private redis)', function () {
  this.timeout(300_000);
  let redis: Redis;
  const NOW = 1_700_000_000_000;
  usePrivateRedis((client) => (redis = client));

  const scenario = fc.record({
    centre: fc.constantFrom(...SPHERE),
    // the production layout (res 9 in res-3 regions) most of the time, and the other index resolutions in use
    layout: fc.constantFrom({ res: 9, region: 3 }, { res: 9, region: 3 }, { res: 8, region: 3 }, { res: 7, region: 3 }, { res: 9, region: 5 }),
    size: fc.integer({ min: 3, max: 90 }),
    spreadM: fc.constantFrom(800, 4_000, 12_000, 40_000),
    radiusM: fc.constantFrom(500, 3_000, 10_000, MAX_RADIUS_M),
    limit: fc.integer({ min: 1, max: 12 }),
    offsetM: fc.integer({ min: 0, max: 20_000 }),
    seed: fc.integer(),
  });

  it('when queries start at the poles, on either side of the antimeridian, on the equator or beside any pentagon, then recall and precision are 1.0 and a repeated query answers the same', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        let x = s.seed >>> 0;
        const rnd = () => ((x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 4294967296);
        const q = destinationPoint(s.centre.lat, s.centre.lng, s.offsetM * rnd(), rnd() * 360);
        const couriers = Array.from({ length: s.size }, (_, i) => ({ id: `c${i}`, ...destinationPoint(q.lat, q.lng, Math.sqrt(rnd()) * s.spreadM, rnd() * 360) }));
        const index = new CourierIndex({ redis, prefix: uniquePrefix('sphere'), clock: () => NOW, resolution: s.layout.res, regionResolution: s.layout.region });
        await setStates(index, couriers.map((c) => [c.id, { status: 'available', vehicle: 'bike', capacity: 1, load: 0 }] as const));
        const applied = await index.applyFixes(couriers.map((c) => ({ courierId: c.id, lat: c.lat, lng: c.lng, ts: NOW - 1000 })));
        expect(applied.every((r) => r.outcome === 'applied')).to.equal(true);
        const truth = couriers
          .map((c) => ({ courierId: c.id, d: haversineM(q.lat, q.lng, c.lat, c.lng) }))
          .filter((c) => c.d <= s.radiusM + 1e-6)
          .sort((a, b) => a.d - b.d)
          .slice(0, s.limit);
        const ask = () => index.nearestCouriers({ lat: q.lat, lng: q.lng, radiusM: s.radiusM, limit: s.limit, filter: { status: 'available' } });
        const first = await ask();
        // another query nearby changes the planner's warm state; the answer must not change
        await index.nearestCouriers({ ...destinationPoint(q.lat, q.lng, 150, rnd() * 360), radiusM: s.radiusM, limit: 3, filter: { status: 'available' } });
        const second = await ask();
        const label = `${s.centre.name} res ${s.layout.res}/${s.layout.region} r=${s.radiusM}`;
        expect(first.map((c) => c.courierId), label).to.deep.equal(truth.map((c) => c.courierId));
        expect(second, label).to.deep.equal(first);
        first.forEach((g, i) => expect(g.distanceM, label).to.be.closeTo((truth[i] as { d: number }).d, 1e-5));
      }),
      { numRuns: 120, seed: 20261205 },
    );
  });
});

describe('geo nearestCouriers across regions (private redis)', () => {
  let redis: Redis;
  const NOW = 1_700_000_000_000;
  usePrivateRedis((client) => (redis = client));

  /** A packed cell record (includes/cells.lua: '<dddBi4ddB' then the id). */
  const record = (id: string, lat: number, lng: number, ts: number): Buffer => {
    const b = Buffer.alloc(46 + id.length);
    b.writeDoubleLE(lat, 0);
    b.writeDoubleLE(lng, 8);
    b.writeDoubleLE(ts, 16);
    b.writeUInt8(1, 24);
    b.writeInt32LE(2, 25);
    b.writeDoubleLE(Number.NaN, 29);
    b.writeDoubleLE(Number.NaN, 37);
    b.writeUInt8(id.length, 45);
    b.write(id, 46, 'latin1');
    return b;
  };

  it('when a courier caught mid-move sits in two regions, then it is returned once, at the nearer place, and the limit is still filled', async () => {
    // region res 7 (≈ 5 km²): a 3 km search around a point near a region border reads two regions
    const index = new CourierIndex({ redis, prefix: uniquePrefix('dup'), clock: () => NOW, resolution: 9, regionResolution: 7 });
    const q = { lat: 33.5138, lng: 36.2765 };
    const ids = ['a', 'b', 'c', 'd', 'x'];
    const spots = ids.map((id, i) => ({ id, ...destinationPoint(q.lat, q.lng, 400 + i * 350, i * 75) }));
    await setStates(index, ids.map((id) => [id, { status: 'available', vehicle: 'bike', capacity: 2, load: 0 }] as const));
    await index.applyFixes(spots.map((s) => ({ courierId: s.id, lat: s.lat, lng: s.lng, ts: NOW - 1000 })));
    const x = spots.at(-1) as { lat: number; lng: number };
    // the stale copy of x: 50 m from q, in another region than x's real entry
    const ghost = destinationPoint(q.lat, q.lng, 50, 200);
    const ghostCell = latLngToCell(ghost.lat, ghost.lng, 9);
    const realRegion = cellToParent(latLngToCell(x.lat, x.lng, 9), 7);
    expect(cellToParent(ghostCell, 7)).to.not.equal(realRegion);
    await redis.append(`${index.keys.cells(index.keys.regionPrefix(cellToParent(ghostCell, 7)), 'a')}${ghostCell}`, record('x', ghost.lat, ghost.lng, NOW - 500));

    const got = await index.nearestCouriers({ ...q, radiusM: 3000, limit: 4, filter: { status: 'available' } });
    expect(got.map((c) => c.courierId)).to.deep.equal(['x', 'a', 'b', 'c']);
    expect(got[0]?.distanceM).to.be.closeTo(50, 1e-6);
    const all = await index.nearestCouriers({ ...q, radiusM: 3000, limit: 10, filter: { status: 'available' } });
    expect(all.map((c) => c.courierId)).to.deep.equal(['x', 'a', 'b', 'c', 'd']);
  });
  it('when a widened search first reaches the region of a courier\'s stale copy, then the courier is still returned once', async () => {
    const index = new CourierIndex({ redis, prefix: uniquePrefix('dup'), clock: () => NOW, resolution: 9, regionResolution: 7 });
    // q at the centre of a region: the first round (cover = 4 edges ≈ 700 m) reads that region only
    const [qLat, qLng] = cellToLatLng(latLngToCell(33.5138, 36.2765, 7));
    const q = { lat: qLat, lng: qLng };
    const first = new NearestPlanner(9, 7).candidates(q.lat, q.lng, new NearestPlanner(9, 7).edgeM * 4, 3000);
    expect(first.multiRegion).to.equal(false);
    const spots = [
      { id: 'x', ...destinationPoint(q.lat, q.lng, 300, 10) },
      { id: 'a', ...destinationPoint(q.lat, q.lng, 2200, 100) },
      { id: 'b', ...destinationPoint(q.lat, q.lng, 2600, 190) },
    ];
    await setStates(index, spots.map((s) => [s.id, { status: 'available', vehicle: 'bike', capacity: 2, load: 0 }] as const));
    await index.applyFixes(spots.map((s) => ({ courierId: s.id, lat: s.lat, lng: s.lng, ts: NOW - 1000 })));
    const ghost = destinationPoint(q.lat, q.lng, 1900, 280);
    const ghostCell = latLngToCell(ghost.lat, ghost.lng, 9);
    expect(cellToParent(ghostCell, 7)).to.not.equal(cellToParent(latLngToCell(q.lat, q.lng, 9), 7));
    await redis.append(`${index.keys.cells(index.keys.regionPrefix(cellToParent(ghostCell, 7)), 'a')}${ghostCell}`, record('x', ghost.lat, ghost.lng, NOW - 500));

    const got = await index.nearestCouriers({ ...q, radiusM: 3000, limit: 3, filter: { status: 'available' } });
    expect(got.map((c) => c.courierId)).to.deep.equal(['x', 'a', 'b']);
    expect(got[0]?.distanceM).to.be.closeTo(300, 1e-6);
  });
});
