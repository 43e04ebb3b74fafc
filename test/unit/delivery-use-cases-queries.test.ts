import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { account, codeOf, DROPOFF, newOrderId, openWorld, opsAdmin, principal, scene, storeOf, type World } from './delivery-use-cases.fixture.js';

describe('delivery reads: DeliveryQueries and DeliveryAccess (PGlite repositories)', function () {
  this.timeout(30_000);
  let w: World;
  before(async () => {
    w = await openWorld();
  });
  after(async () => {
    await w?.close();
  });

  /** One assigned delivery and one party of each kind who must not see it. */
  async function cast() {
    const s = await scene(w);
    await w.assignCourier.execute(s.owner, s.delivery.id, s.courier.accountId);
    return {
      ...s,
      strangers: [await account(w, 'customer'), await account(w, 'store_owner'), await account(w, 'courier', { eligible: true }), principal('support-1', 'admin', ['accounts:read'])],
    };
  }

  it('when each party reads the delivery by id and by order, then the customer, store owner, courier and ops admin see it and strangers get NOT_FOUND', async () => {
    const { owner, customer, courier, delivery, strangers } = await cast();
    for (const p of [owner, customer, courier, opsAdmin()]) {
      expect((await w.deliveryQueries.get(p, delivery.id)).id, p.role).to.equal(delivery.id);
      expect((await w.deliveryQueries.byOrderId(p, delivery.orderId)).id, p.role).to.equal(delivery.id);
    }
    for (const p of strangers) {
      expect(await codeOf(w.deliveryQueries.get(p, delivery.id)), p.role).to.equal('NOT_FOUND');
      expect(await codeOf(w.deliveryQueries.byOrderId(p, delivery.orderId)), p.role).to.equal('NOT_FOUND');
    }
    expect(await codeOf(w.deliveryQueries.get(opsAdmin(), randomUUID()))).to.equal('NOT_FOUND');
  });

  it('when someone asks to watch an order, then the same parties may and strangers or unknown orders are NOT_FOUND', async () => {
    const { owner, customer, courier, delivery, strangers } = await cast();
    for (const p of [owner, customer, courier, opsAdmin()]) expect((await w.deliveryAccess.forWatch(p, delivery.orderId)).id, p.role).to.equal(delivery.id);
    for (const p of strangers) expect(await codeOf(w.deliveryAccess.forWatch(p, delivery.orderId)), p.role).to.equal('NOT_FOUND');
    expect(await codeOf(w.deliveryAccess.forWatch(customer, newOrderId()))).to.equal('NOT_FOUND');
  });

  it('when the courier is replaced, then the former courier may no longer watch or read the delivery', async () => {
    const { owner, courier, delivery } = await cast();
    const next = await account(w, 'courier', { eligible: true });
    await w.assignCourier.execute(owner, delivery.id, next.accountId);
    expect(await codeOf(w.deliveryAccess.forWatch(courier, delivery.orderId))).to.equal('NOT_FOUND');
    expect(await codeOf(w.deliveryQueries.get(courier, delivery.id))).to.equal('NOT_FOUND');
    expect((await w.deliveryAccess.forWatch(next, delivery.orderId)).courierId).to.equal(next.accountId);
  });

  it('when each role lists deliveries, then the list holds only what it may see, filtered by status', async () => {
    const { owner, customer, courier, delivery, strangers } = await cast();
    w.clock.set(new Date(w.clock.now().getTime() + 60_000)); // newest first needs distinct times
    const pending = await w.createDelivery.execute(owner, { orderId: newOrderId(), storeId: delivery.storeId, customerId: customer.accountId, dropoff: DROPOFF });
    const page = { page: 1, limit: 50 };
    const ids = async (p: Parameters<World['deliveryQueries']['list']>[0], filter = {}) => (await w.deliveryQueries.list(p, filter, page)).items.map((d) => d.id);
    expect(await ids(customer)).to.deep.equal([pending.id, delivery.id]);
    expect(await ids(owner)).to.deep.equal([pending.id, delivery.id]);
    expect(await ids(owner, { statuses: ['assigned'] })).to.deep.equal([delivery.id]);
    expect(await ids(courier)).to.deep.equal([delivery.id]);
    for (const p of strangers) expect(await ids(p), p.role).to.deep.equal([]);
    expect(await ids(opsAdmin(), { storeId: delivery.storeId })).to.deep.equal([pending.id, delivery.id]);
    expect((await w.deliveryQueries.list(opsAdmin(), {}, page)).pagination.total).to.be.at.least(2);
  });

  it("when a store owner filters by another owner's store, then the list is empty", async () => {
    const { delivery } = await cast();
    const other = await account(w, 'store_owner');
    await storeOf(w, other);
    const r = await w.deliveryQueries.list(other, { storeId: delivery.storeId }, { page: 1, limit: 10 });
    expect(r).to.deep.equal({ items: [], pagination: { page: 1, limit: 10, total: 0, totalPages: 0 } });
  });

  it('when a store owner with several stores lists, then deliveries of all their stores are merged newest first and paginated', async () => {
    const owner = await account(w, 'store_owner');
    const stores = [await storeOf(w, owner), await storeOf(w, owner), await storeOf(w, owner)];
    const customer = await account(w, 'customer');
    const created: string[] = [];
    for (let i = 0; i < 7; i++) {
      w.clock.set(new Date(Date.UTC(2026, 1, 1, 12, i)));
      created.push((await w.createDelivery.execute(owner, { orderId: newOrderId(), storeId: stores[i % 3]!, customerId: customer.accountId, dropoff: DROPOFF })).id);
    }
    const newest = [...created].reverse();
    const p1 = await w.deliveryQueries.list(owner, {}, { page: 1, limit: 3 });
    const p3 = await w.deliveryQueries.list(owner, {}, { page: 3, limit: 3 });
    expect(p1.items.map((d) => d.id)).to.deep.equal(newest.slice(0, 3));
    expect(p1.pagination).to.deep.equal({ page: 1, limit: 3, total: 7, totalPages: 3 });
    expect(p3.items.map((d) => d.id)).to.deep.equal(newest.slice(6));
    expect((await w.deliveryQueries.list(owner, { storeId: stores[1]! }, { page: 1, limit: 10 })).items.map((d) => d.id)).to.deep.equal([created[4], created[1]]);
  });
});
