import { expect } from 'chai';
import { destinationPoint, haversineEta, haversineM } from '../../../geo/index.js';
import { isBusyRegion, planBatchRound } from '../../../domain/dispatch/batch-round.js';
import type { BatchCandidates, BatchDelivery } from '../../../domain/dispatch/batch-candidates.js';
import { defaultSettings } from '../../../domain/platform/settings.js';

const STORE = { lat: 33.5138, lng: 36.2765 };
const east = (m: number) => destinationPoint(STORE.lat, STORE.lng, m, 90);
const NOW = 1_800_000_000_000;
const settings = defaultSettings()['dispatch.batch'];
const distanceM = (p: { lat: number; lng: number }, q: { lat: number; lng: number }) => haversineM(p.lat, p.lng, q.lat, q.lng);
const etaS = (p: { lat: number; lng: number }, q: { lat: number; lng: number }) => haversineEta(p, q, 'motorbike').durationS;

/** Three orders of one store going east, one courier beside the store. */
const deliveries: BatchDelivery[] = ['a', 'b', 'c'].map((id, i) => ({ deliveryId: id, storeId: 's1', pickup: STORE, dropoff: east(2_000 + i * 200), readyAtMs: NOW, promisedByMs: NOW + 40 * 60_000 }));
const candidates: BatchCandidates = {
  couriers: new Map([['k1', { courierId: 'k1', at: east(100), vehicle: 'motorbike', capacity: 3, load: 0, freeCapacity: 3 }]]),
  pairs: deliveries.map((d) => ({ deliveryId: d.deliveryId, courierId: 'k1', cost: 0.1 })),
};

describe('dispatch batch round', () => {
  it('when stacking is off (K = 1), then each courier gets at most one offer', () => {
    const plan = planBatchRound({ deliveries, candidates, settings: { ...settings, maxStackedOrders: 1 }, nowMs: NOW, etaS, distanceM });
    expect(plan.offers).to.have.length(1);
    expect(plan.unmatched).to.have.length(2);
    expect(plan.stacks.size).to.equal(0);
  });

  it('when K is 2 and the orders share a store, then the courier is offered a stack of two and no more', () => {
    const plan = planBatchRound({ deliveries, candidates, settings: { ...settings, maxStackedOrders: 2 }, nowMs: NOW, etaS, distanceM });
    expect(plan.offers.map((o) => o.courierId)).to.deep.equal(['k1', 'k1']);
    expect(plan.stacks.get('k1')).to.have.length(2);
    expect(plan.unmatched).to.have.length(1);
  });

  it('when fewer deliveries wait than the busy threshold, then the region is not batched', () => {
    expect(isBusyRegion(settings.busyOpenDeliveries - 1, settings)).to.equal(false);
    expect(isBusyRegion(settings.busyOpenDeliveries, settings)).to.equal(true);
  });
});
