import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { forEachBackend } from '../../helpers/databases.js';
import { uniquePrefix, usePrivateRedis } from '../../helpers/redis.js';
import { createRepositories } from '../../../infra/db/index.js';
import { CourierIndex } from '../../../geo/courier-index.js';
import { EtaService, etaThrough, haversineEta } from '../../../geo/index.js';
import { Delivery } from '../../../domain/delivery/model.js';
import { DeliveryEtas } from '../../../domain/dispatch/use-cases/delivery-etas.js';

const PICKUP = { lat: 33.5138, lng: 36.2765 };
const DROPOFF = { lat: 33.53, lng: 36.3 };
const north = (metres: number) => ({ lat: PICKUP.lat + metres / 111_320, lng: PICKUP.lng });

forEachBackend(
  'delivery ETAs for the ops board (the ETA layers, the real courier index)',
  (ctx) => {
    let redis: Redis;
    usePrivateRedis((c) => (redis = c));

    const world = () => {
      const now = Date.now();
      const repos = createRepositories(ctx.store);
      const index = new CourierIndex({ redis, prefix: uniquePrefix('etas'), clock: () => now, resolution: 9, regionResolution: 7 });
      const eta = new EtaService(); // no road provider, no learned speeds: the great-circle model, so the figures can be checked
      const etas = new DeliveryEtas({ deliveries: repos.deliveries, courierLocator: index, clock: { now: () => new Date(now) }, etaThrough: (at, stops, vehicle) => etaThrough(eta, at, stops, vehicle) });
      const delivery = async (courier?: { id: string; at: { lat: number; lng: number }; vehicle: 'bike' | 'car' }, status?: 'picked_up' | 'delivered') => {
        const d = Delivery.create({ id: randomUUID(), orderId: randomUUID(), storeId: 's1', customerId: 'c1', pickup: PICKUP, dropoff: DROPOFF, at: new Date(now) });
        if (courier) {
          await index.setState(courier.id, { status: 'busy', vehicle: courier.vehicle, capacity: 1, load: 1 });
          await index.applyFix({ courierId: courier.id, lat: courier.at.lat, lng: courier.at.lng, ts: now - 2_000 });
          d.assign(courier.id, new Date(now));
          if (status) {
            d.transition('at_pickup', new Date(now));
            d.transition('picked_up', new Date(now));
            if (status === 'delivered') {
              d.transition('at_dropoff', new Date(now));
              d.transition('delivered', new Date(now));
            }
          }
        }
        await repos.deliveries.create(d);
        return d.id;
      };
      const secs = (legs: [{ lat: number; lng: number }, { lat: number; lng: number }][], vehicle: 'bike' | 'car' | 'motorbike') => Math.round(legs.reduce((t, [a, b]) => t + haversineEta(a, b, vehicle).durationS, 0));
      return { now, etas, delivery, secs };
    };

    it('when a courier carries it, then the ETA runs from their last fix through the stops ahead, on their vehicle; picked up, straight to the door', async () => {
      const w = world();
      const far = { id: `k-${randomUUID()}`, at: north(3_000), vehicle: 'bike' as const };
      const going = await w.delivery(far);
      const carrying = await w.delivery({ id: `k-${randomUUID()}`, at: north(1_000), vehicle: 'car' }, 'picked_up');
      const [a, b] = await Promise.all([w.etas.execute([going]), w.etas.execute([carrying])]);
      expect(a).to.deep.equal([{ deliveryId: going, status: 'assigned', etaS: w.secs([[far.at, PICKUP], [PICKUP, DROPOFF]], 'bike'), source: 'haversine', from: 'courier', fixTs: w.now - 2_000, at: new Date(w.now).toISOString() }]);
      expect(b[0]).to.deep.include({ status: 'picked_up', etaS: w.secs([[north(1_000), DROPOFF]], 'car'), from: 'courier' });
      expect(a[0]!.etaS).to.be.greaterThan(w.secs([[PICKUP, DROPOFF]], 'bike')); // the leg to the store counts
    });

    it('when nobody carries it, then the ETA runs from the pickup to the door; delivered, unknown and repeated ids are left out or answered once', async () => {
      const w = world();
      const pending = await w.delivery();
      const done = await w.delivery({ id: `k-${randomUUID()}`, at: north(500), vehicle: 'car' }, 'delivered');
      const got = await w.etas.execute([pending, done, randomUUID(), pending]);
      expect(got).to.have.length(1);
      expect(got[0]).to.deep.include({ deliveryId: pending, status: 'pending', etaS: w.secs([[PICKUP, DROPOFF]], 'motorbike'), from: 'pickup', fixTs: null });
    });
  },
  ['pglite'],
);
