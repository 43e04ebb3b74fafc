import { expect } from 'chai';
import type { Cluster } from 'ioredis';
import { CourierIndex, destinationPoint, haversineM } from '../../../geo/index.js';
import { startTestRedisCluster, type TestRedisCluster } from '../../helpers/redis-cluster.js';
import { uniquePrefix } from '../../helpers/redis.js';
import { setStates } from '../../helpers/fleet.js';

describe('geo CourierIndex on a local 3-node Redis Cluster', function () {
  this.timeout(60_000);
  let cluster: TestRedisCluster;
  let client: Cluster;

  before(async () => {
    cluster = await startTestRedisCluster();
    client = cluster.client();
    await client.ping();
  });
  after(() => cluster?.stop());

  it('when couriers spread over many regions on different nodes, then fixes, moves and fan-out nearest all work', async () => {
    const now = Date.now();
    // region res 6 (~36 km²) makes a 6 km query span several regions, i.e. several slots and nodes
    const index = new CourierIndex({ redis: client, prefix: uniquePrefix('cl'), regionResolution: 6, resolution: 9 });
    const centre = { lat: 33.5138, lng: 36.2765 };
    const couriers = Array.from({ length: 120 }, (_, i) => ({ id: `k${i}`, ...destinationPoint(centre.lat, centre.lng, (i * 53) % 6000, (i * 137) % 360) }));
    await setStates(index, couriers.map((c) => [c.id, { status: 'available', vehicle: 'car', capacity: 2, load: 0 }] as const));
    const res = await index.applyFixes(couriers.map((c) => ({ courierId: c.id, lat: c.lat, lng: c.lng, ts: now - 1000 })));
    expect(res.every((r) => r.outcome === 'applied')).to.equal(true);

    const regions = new Set((await Promise.all(couriers.map((c) => index.getCourier(c.id)))).map((v) => v?.region));
    expect(regions.size).to.be.greaterThan(3);
    const slots = await Promise.all([...regions].map((r) => client.cluster('KEYSLOT', `${index.keys.prefix}{${r}}:seen`) as Promise<number>));
    const nodesUsed = new Set(slots.map((s) => client.slots[s]?.[0]));
    expect(nodesUsed.size).to.be.greaterThan(1);

    const found = await index.nearestCouriers({ ...centre, radiusM: 6000, limit: 30, filter: { status: 'available' } });
    const truth = couriers.map((c) => ({ id: c.id, d: haversineM(centre.lat, centre.lng, c.lat, c.lng) })).filter((c) => c.d <= 6000).sort((a, b) => a.d - b.d).slice(0, 30);
    expect(found.map((f) => f.distanceM)).to.have.length(truth.length);
    found.forEach((f, i) => expect(f.distanceM).to.be.closeTo((truth[i] as { d: number }).d, 1e-5));

    // move one courier across several regions: it must be found only at its new place
    const mover = couriers[0] as { id: string };
    const far = destinationPoint(centre.lat, centre.lng, 20_000, 180);
    const moved = await index.applyFix({ courierId: mover.id, ...far, ts: now });
    expect(moved.outcome).to.equal('applied');
    const there = await index.nearestCouriers({ ...far, radiusM: 100, limit: 5, filter: { status: 'available' } });
    expect(there.map((c) => c.courierId)).to.deep.equal([mover.id]);
    const again = await index.nearestCouriers({ ...centre, radiusM: 6000, limit: 200, filter: { status: 'available' } });
    expect(again.map((c) => c.courierId)).to.not.include(mover.id);
    expect(await index.sweepStale({ maxAgeS: 3600 })).to.deep.equal({ unindexed: 0, deleted: 0 });
  });
});
