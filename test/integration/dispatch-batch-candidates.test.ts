import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { buildBatchCandidates, type BatchDelivery } from '../../domain/dispatch/batch-candidates.js';
import { matchOptimal } from '../../domain/dispatch/matching.js';
import { CourierIndex, destinationPoint, haversineEta, type Vehicle } from '../../geo/index.js';
import { uniquePrefix, usePrivateRedis } from '../helpers/redis.js';

const STORE = { lat: 33.5138, lng: 36.2765 };
const east = (m: number) => destinationPoint(STORE.lat, STORE.lng, m, 90);

describe('dispatch batch candidates from the geo index', () => {
  let redis: Redis;
  usePrivateRedis((client) => (redis = client));

  async function fleet(now: number, couriers: { id: string; m: number; vehicle?: Vehicle; load?: number; ts?: number }[]) {
    const index = new CourierIndex({ redis, prefix: uniquePrefix('batch'), clock: () => now, resolution: 9 });
    for (const c of couriers) {
      await index.setState(c.id, { status: 'available', vehicle: c.vehicle ?? 'motorbike', capacity: 2, load: c.load ?? 0 });
      await index.applyFix({ courierId: c.id, ...east(c.m), ts: c.ts ?? now - 1_000 });
    }
    return index;
  }
  const delivery = (id: string, extra: Partial<BatchDelivery> = {}): BatchDelivery => ({
    deliveryId: id,
    storeId: 's1',
    pickup: STORE,
    dropoff: east(3_000),
    readyAtMs: 0,
    promisedByMs: 0,
    ...extra,
  });
  const etaS = (p: { lat: number; lng: number }, q: { lat: number; lng: number }, v: Vehicle) => haversineEta(p, q, v).durationS;

  it('when three orders wait at one store and k is 1, then each gets the 3 nearest couriers and all three are matched', async () => {
    const now = Date.now();
    const locator = await fleet(now, [
      { id: 'near', m: 100 },
      { id: 'mid', m: 300 },
      { id: 'far', m: 600 },
      { id: 'farther', m: 900 },
    ]);
    const ds = [delivery('a'), delivery('b'), delivery('c')];
    const c = await buildBatchCandidates({ locator, etaS, cost: (_d, _c, eta) => eta }, ds, { k: 1, radiusM: 5_000 });
    expect(c.pairs.filter((p) => p.deliveryId === 'a').map((p) => p.courierId)).to.deep.equal(['near', 'mid', 'far']);
    const m = matchOptimal(ds.map((d) => d.deliveryId), c.pairs);
    expect(m.unmatched).to.deep.equal([]);
    expect(new Set(m.assignments.map((a) => a.courierId))).to.deep.equal(new Set(['near', 'mid', 'far']));
    expect(c.pairs[0]!.cost).to.be.closeTo(etaS(east(100), STORE, 'motorbike'), 1e-6);
  });

  it('when a courier is excluded, full, on the wrong vehicle or stale, then it is never a candidate', async () => {
    const now = Date.now();
    const locator = await fleet(now, [
      { id: 'declined', m: 50 },
      { id: 'full', m: 60, load: 2 },
      { id: 'bike', m: 70, vehicle: 'bike' },
      { id: 'stale', m: 80, ts: now - 120_000 },
      { id: 'ok', m: 500 },
    ]);
    const c = await buildBatchCandidates({ locator, etaS, cost: (_d, _c, eta) => eta }, [delivery('a', { excluded: new Set(['declined']), vehicles: ['motorbike', 'car'] })], { k: 3, radiusM: 5_000 });
    expect(c.pairs.map((p) => p.courierId)).to.deep.equal(['ok']);
    expect(c.couriers.get('ok')).to.deep.include({ vehicle: 'motorbike', freeCapacity: 2 });
  });
});
