import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { latLngToCell } from 'h3-js';
import { forEachBackend } from '../../helpers/databases.js';
import { uniquePrefix, usePrivateRedis } from '../../helpers/redis.js';
import { createRepositories } from '../../../infra/db/index.js';
import { CourierIndex } from '../../../geo/courier-index.js';
import { haversineEta } from '../../../geo/eta.js';
import { Delivery } from '../../../domain/delivery/model.js';
import { defaultSettings, type SettingKey, type SettingValue } from '../../../domain/platform/settings.js';
import { SendOffer } from '../../../domain/dispatch/use-cases/send-offer.js';
import { RunDispatchRound } from '../../../domain/dispatch/use-cases/run-dispatch-round.js';
import { AnswerOffer } from '../../../domain/dispatch/use-cases/answer-offer.js';
import { dispatchAlertRaised, offerMade } from '../../../domain/dispatch/events.js';

const PICKUP = { lat: 33.5138, lng: 36.2765 };
const DROPOFF = { lat: 33.52, lng: 36.29 };

forEachBackend(
  'dispatch rounds (greedy offers) against the real courier index',
  (ctx) => {
    let redis: Redis;
    usePrivateRedis((c) => (redis = c));
    let now = Date.now();
    const clock = { now: () => new Date(now) };
    // Greedy alone unless a test says otherwise (open dispatches of earlier tests stay in the region: it must not turn busy).
    const greedyOnly = { ...defaultSettings()['dispatch.batch'], busyOpenDeliveries: 10_000 };
    const settings = { ...defaultSettings(), 'dispatch.rounds': { radiusM: 1000, maxRadiusM: 8000, widenEveryRounds: 2, widenFactor: 2, alertAfterRounds: 3, candidateLimit: 20 }, 'dispatch.batch': greedyOnly };
    const liveSettings = { get: <K extends SettingKey>(k: K) => settings[k] as SettingValue<K>, version: () => 0 };

    const world = () => {
      const repos = createRepositories(ctx.store);
      const index = new CourierIndex({ redis, prefix: uniquePrefix('dispatch'), clock: () => now, resolution: 9, regionResolution: 7 });
      const timers: { offerId: string; at: Date }[] = [];
      const overCash = new Set<string>();
      const sendOffer = new SendOffer({ ...repos, offerTimer: { schedule: async (offerId, at) => void timers.push({ offerId, at }) }, liveSettings, clock });
      const round = new RunDispatchRound({
        ...repos,
        courierLocator: index,
        courierCashLimit: { overLimit: async (ids) => new Set(ids.filter((i) => overCash.has(i))) },
        dispatchOrders: { of: async () => ({ courierFeeMinor: 40_000, cash: true, readyAt: null }) },
        sendOffer,
        liveSettings,
        clock,
        etaS: (from, to, vehicle) => haversineEta(from, to, vehicle).durationS,
        regionOf: (p) => latLngToCell(p.lat, p.lng, 3),
      });
      const answer = new AnswerOffer({ ...repos, clock });
      const courier = async (id: string, metresNorth: number, state: Partial<{ capacity: number; load: number; status: 'available' | 'busy' }> = {}) => {
        await index.setState(id, { status: state.status ?? 'available', vehicle: 'motorbike', capacity: state.capacity ?? 2, load: state.load ?? 0 });
        await index.applyFix({ courierId: id, lat: PICKUP.lat + metresNorth / 111_320, lng: PICKUP.lng, ts: now });
      };
      const delivery = async () => {
        const d = Delivery.create({ id: randomUUID(), orderId: randomUUID(), storeId: 's1', customerId: 'c1', pickup: PICKUP, dropoff: DROPOFF, at: new Date(now) });
        await repos.deliveries.create(d);
        return d;
      };
      return { repos, index, timers, overCash, round, answer, courier, delivery };
    };

    beforeEach(() => {
      now = Date.now();
    });

    it('when a delivery opens, then the nearest fitting courier gets one offer with fee, cash and expiry, its event and its timer; running the round again makes no second offer', async () => {
      const w = world();
      const [near, far, full] = [`k-${randomUUID()}`, `k-${randomUUID()}`, `k-${randomUUID()}`];
      await w.courier(near, 200);
      await w.courier(far, 700);
      await w.courier(full, 50, { capacity: 1, load: 1 });
      const d = await w.delivery();
      const r = await w.round.execute(d.id);
      expect(r.outcome).to.equal('offered');
      const offer = r.outcome === 'offered' ? r.offer : null;
      expect(offer).to.deep.include({ id: `${d.id}:1`, courierId: near, feeMinor: 40_000, cash: true, status: 'pending', round: 1 });
      expect(Date.parse(offer!.expiresAt) - now).to.equal(30_000);
      expect(w.timers.map((t) => t.offerId)).to.deep.equal([offer!.id]);
      const again = await w.round.execute(d.id);
      expect(again.outcome).to.equal('waiting');
      expect(await w.repos.offers.listByDelivery(d.id)).to.have.length(1);
      const events = (await w.repos.outbox.unpublished(10_000)).filter((e) => e.type === offerMade.type && (e.payload as { deliveryId: string }).deliveryId === d.id);
      expect(events).to.have.length(1);
    });

    it('when the region turns busy, then a delivery that just became waiting is held for the batch round (no offer) until two batch intervals pass, then offered greedily; a quiet region is offered at once', async () => {
      const w = world();
      const region = latLngToCell(PICKUP.lat, PICKUP.lng, 3);
      const already = await w.repos.dispatches.countOpenInRegion(region);
      settings['dispatch.batch'] = { ...greedyOnly, busyOpenDeliveries: already + 2, intervalSeconds: 5 };
      try {
        await w.courier(`k-${randomUUID()}`, 200);
        await w.courier(`k-${randomUUID()}`, 300);
        const quiet = await w.delivery();
        expect((await w.round.execute(quiet.id)).outcome).to.equal('offered'); // one open more than before: still quiet
        expect((await w.repos.dispatches.find(quiet.id))?.region).to.equal(region);
        const held = await w.delivery();
        const r = await w.round.execute(held.id); // two more: busy
        expect(r).to.deep.equal({ outcome: 'deferred', retryAt: now + 10_000 });
        expect(await w.repos.offers.listByDelivery(held.id)).to.have.length(0);
        now += 9_999;
        expect((await w.round.execute(held.id)).outcome).to.equal('deferred');
        now += 1;
        const after = await w.round.execute(held.id);
        expect(after.outcome).to.equal('offered');
        expect(await w.repos.offers.listByDelivery(held.id)).to.have.length(1);
      } finally {
        settings['dispatch.batch'] = greedyOnly;
      }
    });

    it('when the nearest courier was just assigned (the database knows, the index not yet), then the round offers the next courier', async () => {
      const w = world();
      const [busy, next] = [`k-${randomUUID()}`, `k-${randomUUID()}`];
      await w.courier(busy, 50, { capacity: 1, load: 0 });
      await w.courier(next, 600, { capacity: 1 });
      const held = await w.delivery();
      held.assign(busy, new Date(now));
      expect(await w.repos.deliveries.save(held, 1)).to.equal(true);
      const d = await w.delivery();
      const r = await w.round.execute(d.id);
      expect(r.outcome === 'offered' ? r.offer.courierId : r.outcome).to.equal(next);
    });

    it('when the courier declines and the next lets it expire, then each later round goes to the next candidate, never back to them', async () => {
      const w = world();
      const [a, b, c] = [`k-${randomUUID()}`, `k-${randomUUID()}`, `k-${randomUUID()}`];
      await w.courier(a, 100);
      await w.courier(b, 300);
      await w.courier(c, 500);
      const d = await w.delivery();
      const first = await w.round.execute(d.id);
      expect(first.outcome === 'offered' && first.offer.courierId).to.equal(a);
      await w.answer.decline(a, `${d.id}:1`, 'busy');
      const second = await w.round.execute(d.id);
      expect(second.outcome === 'offered' && second.offer.courierId).to.equal(b);
      expect(await w.answer.expire(`${d.id}:2`, 'timeout')).to.not.equal(null);
      const third = await w.round.execute(d.id);
      expect(third.outcome === 'offered' && third.offer.courierId).to.equal(c);
      await w.answer.accept(c, `${d.id}:3`);
      expect((await w.repos.deliveries.findById(d.id))?.courierId).to.equal(c);
      expect(await w.round.execute(d.id)).to.deep.equal({ outcome: 'done', reason: 'assigned' });
    });

    it('when a cash order has only a courier over their cash limit nearby, then nobody is offered; rounds widen the radius and ops are alerted once', async () => {
      const w = world();
      const cashHeavy = `k-${randomUUID()}`;
      const farAway = `k-${randomUUID()}`;
      await w.courier(cashHeavy, 100);
      await w.courier(farAway, 1800);
      w.overCash.add(cashHeavy);
      const d = await w.delivery();
      expect(await w.round.execute(d.id)).to.deep.include({ outcome: 'no_candidate', round: 1, radiusM: 1000, alerted: false });
      expect(await w.round.execute(d.id)).to.deep.include({ outcome: 'no_candidate', round: 2, radiusM: 1000, alerted: false });
      const third = await w.round.execute(d.id);
      expect(third.outcome === 'offered' && third.offer.courierId).to.equal(farAway);
      expect((await w.repos.dispatches.find(d.id))?.radiusM).to.equal(2000);
      await w.answer.decline(farAway, `${d.id}:3`);
      expect(await w.round.execute(d.id)).to.deep.include({ outcome: 'no_candidate', round: 4, alerted: true });
      expect(await w.round.execute(d.id)).to.deep.include({ outcome: 'no_candidate', round: 5, alerted: false });
      const alerts = (await w.repos.outbox.unpublished(10_000)).filter((e) => e.type === dispatchAlertRaised.type && (e.payload as { deliveryId: string }).deliveryId === d.id);
      expect(alerts).to.have.length(1);
    });
  },
  ['pglite'],
);
