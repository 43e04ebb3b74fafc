import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { DeliveryRepository } from '../../domain/delivery/ports.js';
import { ChangeDeliveryStatus } from '../../domain/delivery/use-cases/change-delivery-status.js';
import { account, codeOf, DROPOFF, newOrderId, openWorld, opsAdmin, principal, scene, storeOf, type World } from './delivery-use-cases.fixture.js';

describe('delivery use cases (PGlite repositories)', function () {
  this.timeout(30_000);
  let w: World;
  before(async () => {
    w = await openWorld();
  });
  after(async () => {
    await w?.close();
  });
  beforeEach(() => {
    w.events.length = 0;
  });

  describe('CreateDelivery', () => {
    it('when a store owner creates a delivery for their store, then it is pending, picks up at the store and publishes delivery.created', async () => {
      const owner = await account(w, 'store_owner');
      const storeId = await storeOf(w, owner, { lat: 33.5, lng: 36.3 });
      const customer = await account(w, 'customer');
      const orderId = newOrderId();
      const d = await w.createDelivery.execute(owner, { orderId, storeId, customerId: customer.accountId, dropoff: DROPOFF });
      expect(d).to.deep.include({ orderId, storeId, customerId: customer.accountId, courierId: null, status: 'pending', pickup: { lat: 33.5, lng: 36.3 }, dropoff: DROPOFF });
      expect(d.timestamps).to.deep.equal({ pending: w.clock.now().toISOString() });
      expect((await w.repos.deliveries.findByOrderId(orderId))?.id).to.equal(d.id);
      expect(w.events).to.deep.equal([{ type: 'delivery.created', deliveryId: d.id, orderId, storeId, at: w.clock.now().toISOString() }]);
    });

    it('when an explicit pickup is given, then it is used instead of the store location', async () => {
      const owner = await account(w, 'store_owner');
      const storeId = await storeOf(w, owner);
      const customer = await account(w, 'customer');
      const d = await w.createDelivery.execute(owner, { orderId: newOrderId(), storeId, customerId: customer.accountId, pickup: { lat: 33.1, lng: 36.1 }, dropoff: DROPOFF });
      expect(d.pickup).to.deep.equal({ lat: 33.1, lng: 36.1 });
    });

    it('when the same request is retried, then the existing delivery is answered and nothing new is written or published', async () => {
      const { owner, storeId, customer, delivery } = await scene(w);
      w.events.length = 0;
      const input = { orderId: delivery.orderId, storeId, customerId: customer.accountId, dropoff: DROPOFF };
      const again = await w.createDelivery.execute(owner, input);
      expect(again).to.deep.equal(delivery);
      expect(w.events).to.deep.equal([]);
      expect((await w.repos.deliveries.list({ storeId }, { page: 1, limit: 10 })).pagination.total).to.equal(1);
    });

    it('when the same orderId comes with other details, then CONFLICT and the stored delivery is unchanged', async () => {
      const { owner, storeId, customer, delivery } = await scene(w);
      const other = await account(w, 'customer');
      expect(await codeOf(w.createDelivery.execute(owner, { orderId: delivery.orderId, storeId, customerId: other.accountId, dropoff: DROPOFF }))).to.equal('CONFLICT');
      expect(await codeOf(w.createDelivery.execute(owner, { orderId: delivery.orderId, storeId, customerId: customer.accountId, dropoff: { lat: 1, lng: 1 } }))).to.equal('CONFLICT');
      expect((await w.repos.deliveries.findById(delivery.id))?.toView()).to.deep.equal(delivery);
    });

    it('when two identical creates race, then one delivery exists and both callers get it', async () => {
      const owner = await account(w, 'store_owner');
      const storeId = await storeOf(w, owner);
      const customer = await account(w, 'customer');
      const input = { orderId: newOrderId(), storeId, customerId: customer.accountId, dropoff: DROPOFF };
      const [a, b] = await Promise.all([w.createDelivery.execute(owner, input), w.createDelivery.execute(owner, input)]);
      expect(a.id).to.equal(b.id);
      expect(w.events.filter((e) => e.type === 'delivery.created')).to.have.length(1);
    });

    it('when the caller does not manage the store, then NOT_FOUND; an admin with deliveries:manage may', async () => {
      const { storeId, customer } = await scene(w);
      const stranger = await account(w, 'store_owner');
      const input = () => ({ orderId: newOrderId(), storeId, customerId: customer.accountId, dropoff: DROPOFF });
      expect(await codeOf(w.createDelivery.execute(stranger, input()))).to.equal('NOT_FOUND');
      expect(await codeOf(w.createDelivery.execute(principal('support-1', 'admin', ['accounts:read']), input()))).to.equal('NOT_FOUND');
      expect(await codeOf(w.createDelivery.execute(opsAdmin(), { ...input(), storeId: randomUUID() }))).to.equal('NOT_FOUND');
      expect((await w.createDelivery.execute(opsAdmin(), input())).storeId).to.equal(storeId);
    });

    it('when customerId is not a customer account or the points are out of range, then nothing is stored', async () => {
      const owner = await account(w, 'store_owner');
      const storeId = await storeOf(w, owner);
      const courier = await account(w, 'courier');
      const customer = await account(w, 'customer');
      const orderId = newOrderId();
      expect(await codeOf(w.createDelivery.execute(owner, { orderId, storeId, customerId: courier.accountId, dropoff: DROPOFF }))).to.equal('UNPROCESSABLE_ENTITY');
      expect(await codeOf(w.createDelivery.execute(owner, { orderId, storeId, customerId: randomUUID(), dropoff: DROPOFF }))).to.equal('UNPROCESSABLE_ENTITY');
      expect(await codeOf(w.createDelivery.execute(owner, { orderId, storeId, customerId: customer.accountId, dropoff: { lat: 91, lng: 0 } }))).to.equal('VALIDATION_ERROR');
      expect(await w.repos.deliveries.findByOrderId(orderId)).to.equal(null);
      expect(w.events).to.deep.equal([]);
    });
  });

  describe('AssignCourier', () => {
    it('when the store owner assigns an eligible courier, then it is assigned with a timestamp and events; the same courier again changes nothing', async () => {
      const { owner, courier, delivery } = await scene(w);
      w.events.length = 0;
      const d = await w.assignCourier.execute(owner, delivery.id, courier.accountId);
      expect(d).to.deep.include({ status: 'assigned', courierId: courier.accountId, version: delivery.version + 1 });
      expect(d.timestamps.assigned).to.equal(w.clock.now().toISOString());
      expect(w.events.map((e) => e.type)).to.deep.equal(['delivery.status_changed', 'delivery.courier_assigned']);
      const again = await w.assignCourier.execute(owner, delivery.id, courier.accountId);
      expect(again.version).to.equal(d.version);
      expect(w.events).to.have.length(2);
    });

    it('when the courier is not eligible or not a courier, then UNPROCESSABLE_ENTITY with the reason and the delivery stays pending', async () => {
      const { owner, customer, delivery } = await scene(w);
      const unverified = await account(w, 'courier');
      for (const [id, reason] of [[unverified.accountId, 'profile_incomplete'], [customer.accountId, 'not_a_courier'], [randomUUID(), 'unknown_account']] as const) {
        try {
          await w.assignCourier.execute(owner, delivery.id, id);
          expect.fail('should refuse');
        } catch (err) {
          expect((err as { code: string }).code).to.equal('UNPROCESSABLE_ENTITY');
          expect((err as { details: { reason: string } }).details.reason).to.equal(reason);
        }
      }
      expect((await w.repos.deliveries.findById(delivery.id))?.status).to.equal('pending');
    });

    it('when re-assigned before pickup, then the new courier has it; after pickup, then CONFLICT', async () => {
      const { owner, courier, delivery } = await scene(w);
      const other = await account(w, 'courier', { eligible: true });
      await w.assignCourier.execute(owner, delivery.id, courier.accountId);
      expect((await w.assignCourier.execute(owner, delivery.id, other.accountId)).courierId).to.equal(other.accountId);
      await w.recordArrival.execute({ deliveryId: delivery.id, courierId: other.accountId, status: 'at_pickup', at: w.clock.now() });
      await w.changeDeliveryStatus.execute(other, delivery.id, { status: 'picked_up' });
      expect(await codeOf(w.assignCourier.execute(owner, delivery.id, courier.accountId))).to.equal('CONFLICT');
      expect((await w.repos.deliveries.findById(delivery.id))?.courierId).to.equal(other.accountId);
    });

    it('when a stranger or a party without the right assigns, then NOT_FOUND or FORBIDDEN; an admin with deliveries:manage may', async () => {
      const { customer, courier, delivery } = await scene(w);
      const stranger = await account(w, 'store_owner');
      expect(await codeOf(w.assignCourier.execute(stranger, delivery.id, courier.accountId))).to.equal('NOT_FOUND');
      expect(await codeOf(w.assignCourier.execute(customer, delivery.id, courier.accountId))).to.equal('FORBIDDEN');
      expect(await codeOf(w.assignCourier.execute(opsAdmin(), randomUUID(), courier.accountId))).to.equal('NOT_FOUND');
      expect((await w.assignCourier.execute(opsAdmin(), delivery.id, courier.accountId)).courierId).to.equal(courier.accountId);
    });
  });

  describe('ChangeDeliveryStatus and RecordArrival', () => {
    async function assigned() {
      const s = await scene(w);
      await w.assignCourier.execute(s.owner, s.delivery.id, s.courier.accountId);
      w.events.length = 0;
      return s;
    }

    it('when the courier arrives, picks up, arrives and delivers, then every status has its timestamp and event', async () => {
      const { courier, delivery } = await assigned();
      const t = (m: number) => new Date(Date.UTC(2026, 0, 1, 12, m));
      const arrived = await w.recordArrival.execute({ deliveryId: delivery.id, courierId: courier.accountId, status: 'at_pickup', at: t(-5) });
      expect(arrived.changed).to.equal(true);
      expect(arrived.delivery.timestamps.at_pickup).to.equal(t(-5).toISOString());
      await w.changeDeliveryStatus.execute(courier, delivery.id, { status: 'picked_up' });
      expect((await w.recordArrival.execute({ deliveryId: delivery.id, courierId: courier.accountId, status: 'at_dropoff', at: t(-1) })).changed).to.equal(true);
      const done = await w.changeDeliveryStatus.execute(courier, delivery.id, { status: 'delivered' });
      expect(done.status).to.equal('delivered');
      expect(Object.keys(done.timestamps)).to.deep.equal(['pending', 'assigned', 'at_pickup', 'picked_up', 'at_dropoff', 'delivered']);
      expect(w.events.map((e) => (e.type === 'delivery.status_changed' ? `${e.from}>${e.to}` : e.type))).to.deep.equal(['assigned>at_pickup', 'at_pickup>picked_up', 'picked_up>at_dropoff', 'at_dropoff>delivered']);
    });

    it('when a status change is retried, then the second call is a no-op: same version, no event', async () => {
      const { courier, delivery } = await assigned();
      await w.recordArrival.execute({ deliveryId: delivery.id, courierId: courier.accountId, status: 'at_pickup', at: w.clock.now() });
      const first = await w.changeDeliveryStatus.execute(courier, delivery.id, { status: 'picked_up' });
      const events = w.events.length;
      const second = await w.changeDeliveryStatus.execute(courier, delivery.id, { status: 'picked_up' });
      expect(second).to.deep.equal(first);
      expect(w.events).to.have.length(events);
    });

    it('when a move skips a step, then CONFLICT lists the allowed next statuses', async () => {
      const { courier, delivery } = await assigned();
      try {
        await w.changeDeliveryStatus.execute(courier, delivery.id, { status: 'delivered' });
        expect.fail('should refuse');
      } catch (err) {
        expect((err as { code: string }).code).to.equal('CONFLICT');
        expect((err as { details: { allowed: string[] } }).details.allowed).to.deep.equal(['at_pickup', 'pending', 'cancelled', 'failed']);
      }
      expect((await w.repos.deliveries.findById(delivery.id))?.status).to.equal('assigned');
    });

    it('when each party asks for a status outside its role, then FORBIDDEN; a stranger gets NOT_FOUND', async () => {
      const { owner, customer, courier, delivery } = await assigned();
      expect(await codeOf(w.changeDeliveryStatus.execute(courier, delivery.id, { status: 'cancelled', reason: 'not mine' }))).to.equal('FORBIDDEN');
      expect(await codeOf(w.changeDeliveryStatus.execute(owner, delivery.id, { status: 'failed', reason: 'nope' }))).to.equal('FORBIDDEN');
      expect(await codeOf(w.changeDeliveryStatus.execute(customer, delivery.id, { status: 'cancelled', reason: 'changed my mind' }))).to.equal('FORBIDDEN');
      const otherCourier = await account(w, 'courier', { eligible: true });
      expect(await codeOf(w.changeDeliveryStatus.execute(otherCourier, delivery.id, { status: 'failed', reason: 'flat tyre' }))).to.equal('NOT_FOUND');
      expect((await w.repos.deliveries.findById(delivery.id))?.status).to.equal('assigned');
    });

    it('when cancelled or failed without a reason, then VALIDATION_ERROR; with one, then the reason is stored', async () => {
      const { owner, courier, delivery } = await assigned();
      expect(await codeOf(w.changeDeliveryStatus.execute(owner, delivery.id, { status: 'cancelled' }))).to.equal('VALIDATION_ERROR');
      expect(await codeOf(w.changeDeliveryStatus.execute(courier, delivery.id, { status: 'failed', reason: '   ' }))).to.equal('VALIDATION_ERROR');
      const cancelled = await w.changeDeliveryStatus.execute(owner, delivery.id, { status: 'cancelled', reason: 'out of stock' });
      expect(cancelled).to.deep.include({ status: 'cancelled', reason: 'out of stock' });
      expect(await codeOf(w.changeDeliveryStatus.execute(courier, delivery.id, { status: 'failed', reason: 'too late' }))).to.equal('CONFLICT');
    });

    it('when an admin with deliveries:manage moves a delivery, then any legal move works (unassign back to pending)', async () => {
      const { delivery } = await assigned();
      const d = await w.changeDeliveryStatus.execute(opsAdmin(), delivery.id, { status: 'pending' });
      expect(d).to.deep.include({ status: 'pending', courierId: null });
    });

    it('when another writer saves first, then the change is re-read and re-applied on top of theirs', async () => {
      const { owner, courier, delivery } = await assigned();
      await w.recordArrival.execute({ deliveryId: delivery.id, courierId: courier.accountId, status: 'at_pickup', at: w.clock.now() });
      w.events.length = 0;
      // The first save loses to a real competing save (the courier picks up in between).
      let raced = false;
      const racing: DeliveryRepository = Object.assign(Object.create(w.repos.deliveries) as DeliveryRepository, {
        save: async (d: Parameters<DeliveryRepository['save']>[0], v: number) => {
          if (!raced) {
            raced = true;
            const rival = (await w.repos.deliveries.findById(d.id))!;
            rival.transition('picked_up', w.clock.now());
            expect(await w.repos.deliveries.save(rival, v)).to.equal(true);
          }
          return w.repos.deliveries.save(d, v);
        },
      });
      const d = await new ChangeDeliveryStatus({ ...w.deps, deliveries: racing }).execute(owner, delivery.id, { status: 'cancelled', reason: 'closing early' });
      expect(raced).to.equal(true);
      expect(d.status).to.equal('cancelled');
      expect(Object.keys(d.timestamps)).to.include.members(['picked_up', 'cancelled']);
      expect(w.events.map((e) => (e.type === 'delivery.status_changed' ? `${e.from}>${e.to}` : e.type))).to.deep.equal(['picked_up>cancelled']);
    });

    it('when every save loses to another writer, then CONFLICT after a few attempts and nothing is published', async () => {
      const { owner, delivery } = await assigned();
      let saves = 0;
      const losing: DeliveryRepository = Object.assign(Object.create(w.repos.deliveries) as DeliveryRepository, {
        save: async () => {
          saves++;
          return false;
        },
      });
      expect(await codeOf(new ChangeDeliveryStatus({ ...w.deps, deliveries: losing }).execute(owner, delivery.id, { status: 'cancelled', reason: 'closing early' }))).to.equal('CONFLICT');
      expect(saves).to.be.within(2, 10);
      expect(w.events).to.deep.equal([]);
      expect((await w.repos.deliveries.findById(delivery.id))?.status).to.equal('assigned');
    });

    it('when an arrival comes from another courier, is out of order or repeated, then changed is false and nothing is written', async () => {
      const { courier, delivery } = await assigned();
      const other = await account(w, 'courier', { eligible: true });
      const arrive = (courierId: string, status: 'at_pickup' | 'at_dropoff') => w.recordArrival.execute({ deliveryId: delivery.id, courierId, status, at: w.clock.now() });
      expect((await arrive(other.accountId, 'at_pickup')).changed).to.equal(false);
      const early = await arrive(courier.accountId, 'at_dropoff');
      expect(early.changed).to.equal(false);
      expect(early.delivery.status).to.equal('assigned');
      expect((await arrive(courier.accountId, 'at_pickup')).changed).to.equal(true);
      const repeat = await arrive(courier.accountId, 'at_pickup');
      expect(repeat.changed).to.equal(false);
      expect(repeat.delivery.version).to.equal(delivery.version + 2);
      expect(w.events.map((e) => e.type)).to.deep.equal(['delivery.status_changed']);
      expect(await codeOf(w.recordArrival.execute({ deliveryId: randomUUID(), courierId: courier.accountId, status: 'at_pickup', at: w.clock.now() }))).to.equal('NOT_FOUND');
    });

    it('when an arrival time is in the future or invalid, then it is taken as now, or refused', async () => {
      const { courier, delivery } = await assigned();
      const future = new Date(w.clock.now().getTime() + 3_600_000);
      const r = await w.recordArrival.execute({ deliveryId: delivery.id, courierId: courier.accountId, status: 'at_pickup', at: future });
      expect(r.delivery.timestamps.at_pickup).to.equal(w.clock.now().toISOString());
      expect(await codeOf(w.recordArrival.execute({ deliveryId: delivery.id, courierId: courier.accountId, status: 'at_dropoff', at: new Date(NaN) }))).to.equal('VALIDATION_ERROR');
      expect(await codeOf(w.recordArrival.execute({ deliveryId: delivery.id, courierId: courier.accountId, status: 'delivered' as never, at: w.clock.now() }))).to.equal('VALIDATION_ERROR');
    });
  });
});
