import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { forEachBackend } from '../helpers/databases.js';
import { createRepositories } from '../../infra/db/index.js';
import { Delivery } from '../../domain/delivery/model.js';
import { pageRequest } from '../../domain/shared/pagination.js';

const at = (m: number) => new Date(Date.UTC(2026, 0, 1, 12, m));
const make = (over: { storeId?: string; customerId?: string; orderId?: string; minute?: number } = {}) =>
  Delivery.create({
    id: randomUUID(),
    orderId: over.orderId ?? randomUUID(),
    storeId: over.storeId ?? 'store-1',
    customerId: over.customerId ?? 'cust-1',
    pickup: { lat: 30.0444, lng: 31.2357 },
    dropoff: { lat: 30.0626, lng: 31.2497 },
    at: at(over.minute ?? 0),
  });

forEachBackend('DeliveryRepository contract', (ctx) => {
  const repo = () => createRepositories(ctx.store).deliveries;

  it('when a delivery is created, then it reads back field for field by id and by order id', async () => {
    const d = make();
    expect((await repo().create(d)).created).to.equal(true);
    expect((await repo().findById(d.id))?.toView()).to.deep.equal(d.toView());
    expect((await repo().findByOrderId(d.toView().orderId))?.id).to.equal(d.id);
  });

  it('when a second delivery is created for the same order, then nothing is written and the first is returned', async () => {
    const first = make();
    await repo().create(first);
    const dup = make({ orderId: first.toView().orderId });
    const r = await repo().create(dup);
    expect(r.created).to.equal(false);
    expect(r.delivery.id).to.equal(first.id);
    expect(await repo().findById(dup.id)).to.equal(null);
  });

  it('when saved with the current version, then the change is stored; with a stale version, then it is refused', async () => {
    const d = make();
    await repo().create(d);
    const v1 = d.version;
    d.assign('courier-9', at(1));
    expect(await repo().save(d, v1)).to.equal(true);
    const stored = await repo().findById(d.id);
    expect(stored?.toView()).to.deep.include({ status: 'assigned', courierId: 'courier-9', version: v1 + 1 });
    expect(stored?.toView().timestamps.assigned).to.equal(at(1).toISOString());

    const stale = await repo().findById(d.id);
    stored!.transition('at_pickup', at(2));
    expect(await repo().save(stored!, v1 + 1)).to.equal(true);
    stale!.transition('cancelled', at(3));
    expect(await repo().save(stale!, v1 + 1)).to.equal(false);
    expect((await repo().findById(d.id))?.status).to.equal('at_pickup');
  });

  it('when a courier has deliveries in several states, then only assigned and unfinished ones are active', async () => {
    const courier = `k-${randomUUID().slice(0, 6)}`;
    const states = ['assigned', 'picked_up', 'delivered', 'pending'] as const;
    const ids: Record<string, string> = {};
    for (const s of states) {
      const d = make();
      await repo().create(d);
      const v = d.version;
      if (s !== 'pending') {
        d.assign(courier, at(1));
        if (s === 'picked_up' || s === 'delivered') {
          d.transition('at_pickup', at(2));
          d.transition('picked_up', at(3));
        }
        if (s === 'delivered') {
          d.transition('at_dropoff', at(4));
          d.transition('delivered', at(5));
        }
        await repo().save(d, v);
      }
      ids[s] = d.id;
    }
    const active = await repo().listActiveByCourier(courier);
    expect(active.map((d) => d.id).sort()).to.deep.equal([ids.assigned, ids.picked_up].sort());
  });

  it('when listed by store and status, then filters combine, newest first, paginated', async () => {
    const store = `s-${randomUUID().slice(0, 6)}`;
    for (let i = 0; i < 7; i++) {
      const d = make({ storeId: store, minute: i });
      await repo().create(d);
      if (i % 2 === 0) {
        const v = d.version;
        d.transition('cancelled', at(30));
        await repo().save(d, v);
      }
    }
    const all = await repo().list({ storeId: store }, pageRequest(1, 5));
    expect(all.pagination).to.deep.equal({ page: 1, limit: 5, total: 7, totalPages: 2 });
    const created = all.items.map((d) => d.toView().createdAt);
    expect(created).to.deep.equal([...created].sort().reverse());
    const cancelled = await repo().list({ storeId: store, statuses: ['cancelled'] }, pageRequest(1, 100));
    expect(cancelled.pagination.total).to.equal(4);
    expect((await repo().list({ storeId: store, customerId: 'nobody' }, pageRequest(1, 10))).pagination.total).to.equal(0);
  });
});
