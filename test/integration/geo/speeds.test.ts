import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { CourierIndex, EtaService, SpeedLearner, destinationPoint } from '../../../geo/index.js';
import { KeySpace } from '../../../geo/keys.js';
import { uniquePrefix, usePrivateRedis } from '../../helpers/redis.js';

describe('geo ETA layer (b): learned speeds from the fix stream', () => {
  let redis: Redis;
  usePrivateRedis((client) => (redis = client));

  it('when couriers crawl through a cell, then the learned ETA is slower than the default and says learned', async () => {
    const prefix = uniquePrefix('spd');
    const learner = new SpeedLearner({ redis, keys: new KeySpace(prefix, 3), flushEvery: 10_000 });
    const t0 = Date.UTC(2024, 0, 1, 8);
    let now = t0;
    const index = new CourierIndex({ redis, prefix, clock: () => now, observer: learner });
    const start = { lat: 33.5, lng: 36.28 };
    for (let c = 0; c < 8; c++) {
      await index.setState(`m${c}`, { status: 'busy', vehicle: 'motorbike', capacity: 1, load: 1 });
      for (let i = 0; i < 8; i++) {
        // 2 m/s crow-fly along the whole path, a third of a motorbike's default
        now = t0 + i * 100_000;
        await index.applyFix({ courierId: `m${c}`, ...destinationPoint(start.lat, start.lng, i * 200, 45), ts: now });
      }
    }
    now = t0 + 800_000;
    await learner.flush();
    const to = destinationPoint(start.lat, start.lng, 1400, 45);
    const learned = await new EtaService({ learned: learner, clock: () => now, minSamples: 10 }).eta(start, to, 'motorbike');
    const plain = await new EtaService({ clock: () => now }).eta(start, to, 'motorbike');
    expect(learned.source).to.equal('learned');
    expect(learned.durationS).to.be.greaterThan(plain.durationS * 2);
    // another hour of the week has no samples
    const later = await new EtaService({ learned: learner, clock: () => now + 5 * 3_600_000 }).eta(start, to, 'motorbike');
    expect(later.source).to.equal('haversine');
  });
});
