import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { CourierIndex, destinationPoint, type CourierState, type Fix } from '../../../geo/index.js';
import { uniquePrefix, usePrivateRedis } from '../../helpers/redis.js';

const CITY = { lat: 33.5138, lng: 36.2765 };
const BIKE: CourierState = { status: 'available', vehicle: 'bike', capacity: 2, load: 0 };

/** The batch shape of a busy hub: many sockets, one live fix each. */
describe('geo CourierIndex.applyFixes with one fix per courier (the hub\'s common batch)', () => {
  let redis: Redis;
  usePrivateRedis((client) => (redis = client));

  it('when a batch holds one fix per courier, mixing first fixes, moves to another region, stale and invalid fixes, then each result is right and in input order', async () => {
    let now = 1_700_000_000_000;
    const index = new CourierIndex({ redis, prefix: uniquePrefix('one'), clock: () => now, resolution: 9, regionResolution: 6 });
    const ids = ['a', 'b', 'c', 'd', 'e'];
    for (const id of ids) await index.setState(id, BIKE);
    const at = (m: number, bearing = 90) => destinationPoint(CITY.lat, CITY.lng, m, bearing);

    // first fixes: every courier must be homed in its region (the slow settle) within the fast path
    const first = await index.applyFixes(ids.map((courierId, i): Fix => ({ courierId, ...at(100 * (i + 1)), ts: now - 5_000 })));
    expect(first.map((r) => `${r.courierId}:${r.outcome}`)).to.deep.equal(ids.map((id) => `${id}:applied`));

    now += 10_000;
    const far = destinationPoint(CITY.lat, CITY.lng, 40_000, 0); // another res-6 region
    const second = await index.applyFixes([
      { courierId: 'a', ...at(150), ts: now - 1_000 },
      { courierId: 'b', ...at(250), ts: now - 60_000 }, // older than its stored fix
      { courierId: 'c', ...far, ts: now - 1_000 },
      { courierId: 'ghost', ...at(10), ts: now - 1_000 },
      { courierId: 'd', lat: 200, lng: 0, ts: now - 1_000 },
      { courierId: 'e', ...at(550), ts: now - 1_000 },
    ]);
    expect(second.map((r) => `${r.courierId}:${r.outcome}`)).to.deep.equal(['a:applied', 'b:ignored', 'c:applied', 'ghost:rejected', 'd:rejected', 'e:applied']);
    expect(second[3]?.error?.reason).to.equal('UNKNOWN_COURIER');
    expect(second[4]?.error?.reason).to.equal('INVALID_COORDINATE');
    expect((await index.getCourier('c'))?.lastFix).to.include({ lat: far.lat, lng: far.lng });
    const near = await index.nearestCouriers({ ...far, radiusM: 200, limit: 5, filter: { status: 'available' } });
    expect(near.map((n) => n.courierId)).to.deep.equal(['c']);
  });
});
