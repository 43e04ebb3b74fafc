import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { cellToParent, getResolution, latLngToCell } from 'h3-js';
import { CourierIndex, GeoError, VEHICLES, destinationPoint, type AreaSnapshot, type CourierState, type Vehicle } from '../../../geo/index.js';
import { uniquePrefix, usePrivateRedis } from '../../helpers/redis.js';
import { setStates } from '../../helpers/fleet.js';

const CITY = { lat: 33.5138, lng: 36.2765 };
const NOW = 1_700_000_000_000;

interface Courier { id: string; lat: number; lng: number; ts: number; state: CourierState; speed?: number; heading?: number }

/** What couriersInArea must answer, from the fleet alone. */
function bruteForce(couriers: Courier[], area: string, resolution: number, maxAgeS: number) {
  const res = getResolution(area);
  const inside = couriers.filter((c) => c.state.status !== 'offline' && cellToParent(latLngToCell(c.lat, c.lng, resolution), res) === area);
  const fresh = (c: Courier) => c.ts >= NOW - maxAgeS * 1000;
  const available = inside.filter((c) => fresh(c) && c.state.status === 'available').length;
  const busy = inside.filter((c) => fresh(c) && c.state.status === 'busy').length;
  return {
    ids: inside.map((c) => c.id).sort(),
    counts: { online: available + busy, available, busy, stale: inside.filter((c) => !fresh(c)).length },
  };
}

describe('geo couriersInArea (integration, private redis)', function () {
  this.timeout(60_000);
  let redis: Redis;

  usePrivateRedis((client) => (redis = client));

  async function fleet(opts: { n: number; spreadM: number; seed: number; resolution: number; regionResolution: number; idOf?: (i: number) => string }) {
    let x = opts.seed >>> 0;
    const rnd = () => ((x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 4294967296);
    const couriers: Courier[] = Array.from({ length: opts.n }, (_, i) => {
      const capacity = 1 + Math.floor(rnd() * 3);
      const c: Courier = {
        id: opts.idOf ? opts.idOf(i) : `c${i}`,
        ...destinationPoint(CITY.lat, CITY.lng, Math.sqrt(rnd()) * opts.spreadM, rnd() * 360),
        ts: NOW - (rnd() < 0.15 ? 40_000 + Math.floor(rnd() * 100_000) : Math.floor(rnd() * 25_000)),
        state: { status: (['available', 'available', 'busy', 'offline'] as const)[Math.floor(rnd() * 4)] as CourierState['status'], vehicle: VEHICLES[Math.floor(rnd() * 4)] as Vehicle, capacity, load: Math.floor(rnd() * capacity) },
      };
      if (rnd() < 0.7) c.speed = Math.round(rnd() * 200) / 10;
      if (rnd() < 0.7) c.heading = Math.floor(rnd() * 360);
      return c;
    });
    const index = new CourierIndex({ redis, prefix: uniquePrefix('area'), clock: () => NOW, resolution: opts.resolution, regionResolution: opts.regionResolution });
    await setStates(index, couriers.map((c) => [c.id, c.state] as const));
    const applied = await index.applyFixes(couriers.map((c) => ({ courierId: c.id, lat: c.lat, lng: c.lng, ts: c.ts, speed: c.speed, heading: c.heading })));
    expect(applied.every((r) => r.outcome === 'applied')).to.equal(true);
    return { index, couriers };
  }

  const check = (got: AreaSnapshot, couriers: Courier[], area: string, resolution: number, maxAgeS: number) => {
    const truth = bruteForce(couriers, area, resolution, maxAgeS);
    expect(got.counts, area).to.deep.equal(truth.counts);
    expect(got.truncated).to.equal(false);
    expect(got.couriers.map((c) => c.courierId)).to.deep.equal(truth.ids);
    const byId = new Map(couriers.map((c) => [c.id, c]));
    for (const g of got.couriers) {
      const c = byId.get(g.courierId) as Courier;
      expect(g).to.deep.equal({
        courierId: c.id,
        lat: c.lat,
        lng: c.lng,
        status: c.state.status,
        vehicle: c.state.vehicle,
        ts: c.ts,
        stale: c.ts < NOW - maxAgeS * 1000,
        ...(c.speed === undefined ? {} : { speed: c.speed }),
        ...(c.heading === undefined ? {} : { heading: c.heading }),
      });
    }
    return truth;
  };

  it('when areas of resolution 4 to 9 cover a mixed fleet, then counts, members and their fixes equal brute force', async () => {
    const { index, couriers } = await fleet({ n: 600, spreadM: 25_000, seed: 11, resolution: 9, regionResolution: 3 });
    let nonEmpty = 0;
    for (const res of [4, 5, 6, 7, 8, 9]) {
      // the areas of a few couriers, so most of them are not empty
      for (const c of couriers.slice(0, 4)) {
        const area = latLngToCell(c.lat, c.lng, res);
        const truth = check(await index.couriersInArea(area, { limit: 10_000 }), couriers, area, 9, 30);
        if (truth.ids.length > 0) nonEmpty++;
      }
    }
    expect(nonEmpty).to.be.greaterThan(12);
  });

  it('when the area is coarser than the regions, then every region under it is read and merged', async () => {
    // region res 6: a res-4 area spans 49 regions, a res-5 area 7
    const { index, couriers } = await fleet({ n: 500, spreadM: 30_000, seed: 5, resolution: 8, regionResolution: 6 });
    const regions = new Set(couriers.map((c) => latLngToCell(c.lat, c.lng, 6)));
    expect(regions.size).to.be.greaterThan(10);
    for (const res of [4, 5]) {
      const area = latLngToCell(CITY.lat, CITY.lng, res);
      const truth = check(await index.couriersInArea(area, { limit: 10_000 }), couriers, area, 8, 30);
      expect(truth.ids.length).to.be.greaterThan(20);
    }
  });

  it('when some fixes are older than maxAgeS, then those couriers are counted as stale, not online, and flagged', async () => {
    const { index, couriers } = await fleet({ n: 300, spreadM: 3_000, seed: 9, resolution: 9, regionResolution: 3 });
    const area = latLngToCell(CITY.lat, CITY.lng, 6);
    const byDefault = await index.couriersInArea(area);
    const truth = check(byDefault, couriers, area, 9, 30);
    expect(truth.counts.stale).to.be.greaterThan(5);
    expect(byDefault.couriers.filter((c) => c.stale)).to.have.length(truth.counts.stale);
    // a shorter maxAgeS makes more of them stale; a longer one none
    check(await index.couriersInArea(area, { maxAgeS: 10 }), couriers, area, 9, 10);
    const lenient = await index.couriersInArea(area, { maxAgeS: 3600 });
    expect(lenient.counts.stale).to.equal(0);
    expect(lenient.counts.online).to.equal(truth.counts.online + truth.counts.stale);
  });

  it('when couriers go offline or are swept, then they are no longer counted or listed', async () => {
    const { index, couriers } = await fleet({ n: 200, spreadM: 2_000, seed: 3, resolution: 9, regionResolution: 3 });
    const area = latLngToCell(CITY.lat, CITY.lng, 5);
    const before = check(await index.couriersInArea(area), couriers, area, 9, 30);
    const goner = couriers.find((c) => c.state.status === 'available' && c.ts >= NOW - 30_000) as Courier;
    await index.setState(goner.id, { ...goner.state, status: 'offline' });
    goner.state = { ...goner.state, status: 'offline' };
    const after = check(await index.couriersInArea(area), couriers, area, 9, 30);
    expect(after.counts.available).to.equal(before.counts.available - 1);
    expect(after.ids).to.not.include(goner.id);
    await index.sweepStale();
    const swept = await index.couriersInArea(area);
    expect(swept.counts).to.deep.equal({ ...after.counts, stale: 0 });
    expect(swept.couriers.every((c) => !c.stale)).to.equal(true);
  });

  it('when a courier changes status, then it is listed under the new one with the speed and heading of its last fix', async () => {
    const index = new CourierIndex({ redis, prefix: uniquePrefix('area'), clock: () => NOW, resolution: 9 });
    await index.setState('m', { status: 'available', vehicle: 'motorbike', capacity: 2, load: 0 });
    await index.applyFix({ courierId: 'm', ...CITY, ts: NOW - 1000, speed: 7.25, heading: -12.5 });
    await index.setState('m', { status: 'busy', vehicle: 'motorbike', capacity: 2, load: 1 });
    const area = latLngToCell(CITY.lat, CITY.lng, 6);
    const got = await index.couriersInArea(area);
    expect(got.counts).to.deep.equal({ online: 1, available: 0, busy: 1, stale: 0 });
    expect(got.couriers).to.deep.equal([{ courierId: 'm', ...CITY, status: 'busy', vehicle: 'motorbike', ts: NOW - 1000, stale: false, speed: 7.25, heading: -12.5 }]);
    await index.applyFix({ courierId: 'm', ...CITY, ts: NOW });
    const still = await index.couriersInArea(area);
    expect(still.couriers[0]).to.not.have.any.keys('speed', 'heading');
  });

  it('when more couriers than the limit are in the area, then the smallest ids (byte order) are listed and truncated is set', async () => {
    // ids that differ in case, length and punctuation, so byte order is not locale order
    const idOf = (i: number) => ['A', 'a', 'b', 'B', 'b-', 'b.', 'Z9', '_', '0', '9x', 'b10', 'b9', 'b1', 'b100'][i % 14] + (i >= 14 ? `:${i}` : '');
    const { index, couriers } = await fleet({ n: 120, spreadM: 1_500, seed: 21, resolution: 9, regionResolution: 3, idOf });
    const area = latLngToCell(CITY.lat, CITY.lng, 5);
    const truth = bruteForce(couriers, area, 9, 30);
    expect(truth.ids.length).to.be.greaterThan(60);
    const byteOrder = [...truth.ids].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const limit of [1, 7, 13, 40, truth.ids.length - 1]) {
      const got = await index.couriersInArea(area, { limit });
      expect(got.truncated, `limit ${limit}`).to.equal(true);
      expect(got.counts).to.deep.equal(truth.counts);
      expect(got.couriers.map((c) => c.courierId), `limit ${limit}`).to.deep.equal(byteOrder.slice(0, limit));
    }
    const exact = await index.couriersInArea(area, { limit: truth.ids.length });
    expect(exact.truncated).to.equal(false);
    expect(exact.couriers).to.have.length(truth.ids.length);
    const countsOnly = await index.couriersInArea(area, { limit: 0 });
    expect(countsOnly).to.deep.equal({ couriers: [], counts: truth.counts, truncated: true });
  });

  it('when the area spans regions and is truncated, then the smallest ids of the union are listed', async () => {
    const { index, couriers } = await fleet({ n: 400, spreadM: 20_000, seed: 8, resolution: 8, regionResolution: 6 });
    const area = latLngToCell(CITY.lat, CITY.lng, 4);
    const truth = bruteForce(couriers, area, 8, 30);
    const got = await index.couriersInArea(area, { limit: 25 });
    expect(got.truncated).to.equal(true);
    expect(got.counts).to.deep.equal(truth.counts);
    expect(got.couriers.map((c) => c.courierId)).to.deep.equal(truth.ids.slice(0, 25));
  });

  it('when the area or options are invalid, then a VALIDATION_ERROR GeoError (INVALID_INPUT) is thrown', async () => {
    const index = new CourierIndex({ redis, prefix: uniquePrefix('area'), clock: () => NOW, resolution: 8 });
    const cell = (res: number) => latLngToCell(CITY.lat, CITY.lng, res);
    const bad: [string, object | undefined][] = [
      ['not-a-cell', undefined],
      ['', undefined],
      [cell(3), undefined], // coarser than res 4
      [cell(9), undefined], // finer than the index (res 8)
      [cell(6), { limit: -1 }],
      [cell(6), { limit: 2.5 }],
      [cell(6), { limit: 10_001 }],
      [cell(6), { maxAgeS: 0 }],
      [cell(6), { maxAgeS: Number.NaN }],
    ];
    for (const [area, opts] of bad) {
      const err = await index.couriersInArea(area, opts).catch((e: unknown) => e);
      expect(err, `${area} ${JSON.stringify(opts)}`).to.be.instanceOf(GeoError);
      expect(err).to.include({ code: 'VALIDATION_ERROR', reason: 'INVALID_INPUT' });
    }
    expect(await index.couriersInArea(cell(8))).to.deep.equal({ couriers: [], counts: { online: 0, available: 0, busy: 0, stale: 0 }, truncated: false });
  });
});
