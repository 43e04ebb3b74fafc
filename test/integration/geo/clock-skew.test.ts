import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { CourierIndex, destinationPoint } from '../../../geo/index.js';
import { uniquePrefix, usePrivateRedis } from '../../helpers/redis.js';

/** A fix stamped in the near future (a phone whose clock runs ahead) must not freeze the courier. */
describe('geo fixes stamped in the future (private redis)', () => {
  let redis: Redis;
  let now = 1_700_000_000_000;
  usePrivateRedis((client) => (redis = client));
  const start = { lat: 33.5138, lng: 36.2765 };
  const at = (m: number) => destinationPoint(start.lat, start.lng, m, 90);

  async function courier(label: string): Promise<CourierIndex> {
    const index = new CourierIndex({ redis, prefix: uniquePrefix(label), clock: () => now });
    await index.setState('c1', { status: 'available', vehicle: 'bike', capacity: 1, load: 0 });
    return index;
  }

  it('when a fix stamped 50 s ahead is followed by honest fixes, then every honest fix is applied and moves the courier', async () => {
    const index = await courier('skew');
    expect((await index.applyFix({ courierId: 'c1', ...at(0), ts: now + 50_000 })).outcome).to.equal('applied');
    for (let i = 1; i <= 3; i++) {
      now += 1_000;
      const single = await index.applyFix({ courierId: 'c1', ...at(i * 20), ts: now });
      expect(single.outcome, `fix ${i}`).to.equal('applied');
      now += 1_000;
      const [batched] = await index.applyFixes([{ courierId: 'c1', ...at(i * 20 + 10), ts: now }]);
      expect(batched?.outcome, `batched fix ${i}`).to.equal('applied');
    }
    const view = await index.getCourier('c1');
    expect(view?.lastFix?.ts).to.equal(now);
    expect(view?.lastFix?.lng).to.be.closeTo(at(70).lng, 1e-12);
    const near = await index.nearestCouriers({ ...at(70), radiusM: 50, limit: 1, filter: { status: 'available' } });
    expect(near.map((c) => c.courierId)).to.deep.equal(['c1']);
  });

  it('when a fix is stamped ahead, then it is ordered at the server time it arrived, the device time is kept, and a retry of it is ignored', async () => {
    const index = await courier('keep');
    const ahead = now + 40_000;
    expect((await index.applyFix({ courierId: 'c1', ...at(0), ts: ahead })).outcome).to.equal('applied');
    const view = await index.getCourier('c1');
    expect(view?.lastFix?.ts).to.equal(now);
    expect(view?.lastFix?.deviceTs).to.equal(ahead);
    // the same fix again (a retry) changes nothing
    now += 500;
    expect((await index.applyFix({ courierId: 'c1', ...at(0), ts: ahead })).outcome).to.equal('ignored');
    const [again] = await index.applyFixes([{ courierId: 'c1', ...at(0), ts: ahead }]);
    expect(again?.outcome).to.equal('ignored');
    expect((await index.getCourier('c1'))?.lastFix?.ts).to.equal(now - 500);
  });

  it('when the last fix was stamped ahead, then the courier goes stale after maxAgeS of server time, not later', async () => {
    const index = await courier('stale');
    await index.applyFix({ courierId: 'c1', ...at(0), ts: now + 55_000 });
    now += 31_000;
    expect((await index.getCourier('c1'))?.stale).to.equal(true);
    expect(await index.nearestCouriers({ ...at(0), radiusM: 100, limit: 1, filter: { status: 'available' } })).to.deep.equal([]);
  });

  it('when a fix is stamped more than the 60 s allowance ahead, then it is still rejected', async () => {
    const index = await courier('far');
    const err = await index.applyFix({ courierId: 'c1', ...at(0), ts: now + 61_000 }).catch((e: unknown) => e);
    expect(err).to.have.property('reason', 'INVALID_TIMESTAMP');
  });
});
