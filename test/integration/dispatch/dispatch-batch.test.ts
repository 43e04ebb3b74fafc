import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { latLngToCell } from 'h3-js';
import type { Job } from 'bullmq';
import { forEachBackend } from '../../helpers/databases.js';
import { uniquePrefix, usePrivateRedis } from '../../helpers/redis.js';
import { createRepositories } from '../../../infra/db/index.js';
import { CourierIndex } from '../../../geo/courier-index.js';
import { destinationPoint, haversineEta, haversineM } from '../../../geo/index.js';
import { Delivery } from '../../../domain/delivery/model.js';
import type { Vehicle } from '../../../domain/shared/vehicles.js';
import { newDispatchState, newOffer } from '../../../domain/dispatch/model.js';
import { defaultSettings, type SettingKey, type SettingValue } from '../../../domain/platform/settings.js';
import { SendOffer } from '../../../domain/dispatch/use-cases/send-offer.js';
import { RunBatchRound } from '../../../domain/dispatch/use-cases/run-batch-round.js';
import { dispatchBatchProcessor } from '../../../workers/processors/dispatch-batch.js';

const HOME = { lat: 33.5138, lng: 36.2765 };
type Pt = { lat: number; lng: number };
const move = (p: Pt, metres: number, bearing: number): Pt => destinationPoint(p.lat, p.lng, metres, bearing);

forEachBackend(
  'dispatch batch rounds (the repeatable job) against the real courier index',
  (ctx) => {
    let redis: Redis;
    usePrivateRedis((c) => (redis = c));
    const settings = { ...defaultSettings(), 'dispatch.batch': { ...defaultSettings()['dispatch.batch'], busyOpenDeliveries: 2, maxStackedOrders: 1 } };
    const liveSettings = { get: <K extends SettingKey>(k: K) => settings[k] as SettingValue<K>, version: () => 0 };
    let area = 0;

    /** A fresh world in its own region, 100 km from the last one (open states of earlier tests stay in theirs). */
    const world = () => {
      const base = move(HOME, 100_000 * ++area, 0);
      const repos = createRepositories(ctx.store);
      const now = Date.now();
      const clock = { now: () => new Date(now) };
      const index = new CourierIndex({ redis, prefix: uniquePrefix('batch'), clock: () => now, resolution: 9, regionResolution: 7 });
      const timed: string[] = [];
      const sendOffer = new SendOffer({ ...repos, offerTimer: { schedule: async (offerId) => void timed.push(offerId) }, liveSettings, clock });
      const etaS = (from: Pt, to: Pt, vehicle: Vehicle = 'motorbike') => haversineEta(from, to, vehicle).durationS;
      const round = new RunBatchRound({
        ...repos, courierLocator: index, courierCashLimit: { overLimit: async () => new Set() },
        dispatchOrders: { of: async () => ({ courierFeeMinor: 30_000, cash: false, readyAt: null }) },
        sendOffer, liveSettings, clock, etaS,
        distanceM: (p, q) => haversineM(p.lat, p.lng, q.lat, q.lng),
        regionOf: (p) => latLngToCell(p.lat, p.lng, 5),
      });
      const courier = async (id: string, at: Pt) => {
        await index.setState(id, { status: 'available', vehicle: 'motorbike', capacity: 3, load: 0 });
        await index.applyFix({ courierId: id, lat: at.lat, lng: at.lng, ts: now });
      };
      /** An open delivery picked up at `pickup`, opened `agoS` seconds ago (older first, as greedy would serve them). */
      const delivery = async (pickup: Pt, agoS: number, storeId = `s-${randomUUID()}`) => {
        const d = Delivery.create({ id: randomUUID(), orderId: randomUUID(), storeId, customerId: 'c1', pickup, dropoff: move(pickup, 1500, 0), at: new Date(now - agoS * 1000) });
        await repos.deliveries.create(d);
        await repos.dispatches.open(newDispatchState({ deliveryId: d.id, orderId: d.orderId, radiusM: 3000, at: new Date(now - agoS * 1000) }));
        return d.id;
      };
      const offersOf = async (ids: string[]) => Object.fromEntries(await Promise.all(ids.map(async (id) => [id, (await repos.offers.findPendingByDelivery(id))?.courierId ?? null] as const)));
      return { base, round, courier, delivery, offersOf, timed, repos };
    };

    it('when a busy region has two deliveries and two couriers, then the offers are the jointly optimal pair, not the greedy one, each with its timer; a second round sends nothing more', async () => {
      const w = world();
      const [a, b] = [`k-${randomUUID()}`, `k-${randomUUID()}`];
      await w.courier(a, move(w.base, 1000, 90)); // 1,000 m from both pickups
      await w.courier(b, move(w.base, 1200, 270)); // 1,200 m from the first, 3,200 m (out of reach) from the second
      const first = await w.delivery(w.base, 120); // older: greedy gives it a, and the second waits
      const second = await w.delivery(move(w.base, 2000, 90), 60);
      const report = await w.round.execute();
      expect(report).to.deep.include({ busyRegions: 1, planned: 2, offered: 2, unmatched: 0 });
      expect(await w.offersOf([first, second])).to.deep.equal({ [first]: b, [second]: a });
      expect(w.timed).to.have.length(2);
      const again = await w.round.execute();
      expect(again).to.deep.include({ planned: 0, offered: 0 });
      expect(await w.repos.offers.listByDelivery(first)).to.have.length(1);
    });

    it('when the nearest courier was just assigned or holds an offer (the database knows, the index not yet), then the round matches the others only', async () => {
      const w = world();
      const [assigned, offered, free1, free2] = [`k-${randomUUID()}`, `k-${randomUUID()}`, `k-${randomUUID()}`, `k-${randomUUID()}`];
      for (const k of [assigned, offered]) await w.courier(k, move(w.base, 100, 90)); // nearest, capacity 3 in the index
      await w.courier(free1, move(w.base, 1500, 270));
      await w.courier(free2, move(w.base, 1600, 180));
      const ago = 300;
      // The index says capacity 3, load 0; the database holds 3 of theirs (assigned) and 3 offers out (offered).
      for (let i = 0; i < 3; i++) {
        const held = Delivery.create({ id: randomUUID(), orderId: randomUUID(), storeId: 's-held', customerId: 'c1', pickup: w.base, dropoff: move(w.base, 900, 0), at: new Date() });
        held.assign(assigned, new Date());
        await w.repos.deliveries.create(held);
        const out = Delivery.create({ id: randomUUID(), orderId: randomUUID(), storeId: 's-held', customerId: 'c1', pickup: move(w.base, 50_000, 0), dropoff: move(w.base, 50_900, 0), at: new Date() });
        await w.repos.deliveries.create(out);
        expect(await w.repos.offers.create(newOffer({ deliveryId: out.id, orderId: out.orderId, courierId: offered, round: 1, pickup: w.base, dropoff: w.base, feeMinor: 0, cash: false, cost: 0, at: new Date(), timeoutS: 30 }))).to.equal(true);
      }
      const [d1, d2] = [await w.delivery(w.base, ago), await w.delivery(w.base, ago - 10)];
      await w.round.execute();
      const got = await w.offersOf([d1, d2]);
      expect(Object.values(got).sort()).to.deep.equal([free1, free2].sort());
    });

    it('when a region has fewer open deliveries than the busy threshold, then the batch round leaves it to the one-at-a-time rounds', async () => {
      const w = world();
      await w.courier(`k-${randomUUID()}`, move(w.base, 300, 90));
      const only = await w.delivery(w.base, 30);
      const report = await w.round.execute();
      expect(report.busyRegions).to.equal(0);
      expect(await w.offersOf([only])).to.deep.equal({ [only]: null });
    });

    it('when a region holds an offer out and one waiting delivery, then it is busy (open dispatches count, as the greedy round reckons) and the waiting one is offered', async () => {
      const w = world();
      const k = `k-${randomUUID()}`;
      await w.courier(k, move(w.base, 300, 90));
      const region = latLngToCell(w.base.lat, w.base.lng, 5);
      const out = Delivery.create({ id: randomUUID(), orderId: randomUUID(), storeId: 's-out', customerId: 'c1', pickup: w.base, dropoff: move(w.base, 900, 0), at: new Date() });
      await w.repos.deliveries.create(out);
      await w.repos.dispatches.open(newDispatchState({ deliveryId: out.id, orderId: out.orderId, radiusM: 3000, at: new Date(), region }));
      expect(await w.repos.offers.create(newOffer({ deliveryId: out.id, orderId: out.orderId, courierId: `k-${randomUUID()}`, round: 1, pickup: w.base, dropoff: w.base, feeMinor: 0, cash: false, cost: 0, at: new Date(), timeoutS: 30 }))).to.equal(true);
      const waiting = Delivery.create({ id: randomUUID(), orderId: randomUUID(), storeId: 's-wait', customerId: 'c1', pickup: w.base, dropoff: move(w.base, 900, 0), at: new Date() });
      await w.repos.deliveries.create(waiting);
      await w.repos.dispatches.open(newDispatchState({ deliveryId: waiting.id, orderId: waiting.orderId, radiusM: 3000, at: new Date(), region }));
      expect(await w.repos.dispatches.countOpenInRegion(region)).to.equal(2);
      const report = await w.round.execute();
      expect(report).to.deep.include({ busyRegions: 1, planned: 1, offered: 1 });
      expect(await w.offersOf([waiting.id])).to.deep.equal({ [waiting.id]: k });
    });

    it('when stacking allows two orders and one courier waits beside a store with two orders, then both go to that courier', async () => {
      const w = world();
      settings['dispatch.batch'] = { ...settings['dispatch.batch'], maxStackedOrders: 2 };
      try {
        const k = `k-${randomUUID()}`;
        await w.courier(k, move(w.base, 100, 90));
        const [x, y] = [await w.delivery(w.base, 90, 'store-stack'), await w.delivery(w.base, 80, 'store-stack')];
        const report = await w.round.execute();
        expect(report).to.deep.include({ planned: 2, offered: 2 });
        expect(await w.offersOf([x, y])).to.deep.equal({ [x]: k, [y]: k });
      } finally {
        settings['dispatch.batch'] = { ...settings['dispatch.batch'], maxStackedOrders: 1 };
      }
    });

    it('when the job runs, then it reports the round and follows a changed interval; an invalid job is unrecoverable', async () => {
      const w = world();
      const schedule = { everyMs: 5_000 as number | null, moves: [] as number[], async set(ms: number) { this.moves.push(ms); this.everyMs = ms; } };
      const processor = dispatchBatchProcessor({ runBatchRound: w.round, liveSettings, schedule });
      const job = (data: unknown) => ({ data }) as Job;
      expect(await processor(job({ task: 'round' }))).to.include.keys('regions', 'busyRegions', 'offered');
      expect(schedule.moves).to.deep.equal([]);
      settings['dispatch.batch'] = { ...settings['dispatch.batch'], intervalSeconds: 9 };
      await processor(job({ task: 'round' }));
      expect(schedule.moves).to.deep.equal([9_000]);
      const err = await processor(job({ task: 'nope' })).then(() => null, (e: Error) => e);
      expect(err?.name).to.equal('UnrecoverableError');
    });
  },
  ['pglite'],
);
