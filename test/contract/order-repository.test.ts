import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { forEachBackend } from '../helpers/databases.js';
import { createRepositories } from '../../infra/db/index.js';
import { Order, type PlaceOrderInput } from '../../domain/ordering/order.js';
import { PlaceOrders } from '../../domain/ordering/use-cases/place-orders.js';
import { pageRequest } from '../../domain/shared/pagination.js';
import { isAppError } from '../../domain/shared/errors.js';
import { checkoutOf, line } from '../helpers/orders.js';

const at = (day: number, minute = 0) => new Date(Date.UTC(2026, 0, day, 12, minute));
const sys = { actor: null };

forEachBackend('OrderRepository contract', (ctx) => {
  const repos = () => createRepositories(ctx.store);
  const make = async (over: Partial<PlaceOrderInput> = {}) => {
    const when = over.at ?? at(5);
    const order = Order.place({
      id: randomUUID(),
      number: await repos().orders.nextNumber(when),
      checkoutId: `co-${randomUUID()}`,
      storeId: 'store-1',
      customerId: 'cust-1',
      lines: [line(), line(1_000, 3)],
      currency: 'SYP',
      deliveryFeeMinor: 50_000,
      vatMinor: 1_234,
      paymentMethod: 'cash',
      dropoff: { point: { lat: 33.5, lng: 36.3 }, line: '1 Main St' },
      at: when,
      ...over,
    });
    await repos().orders.create(order);
    return order;
  };

  it('when an order is created, then it reads back field for field by id and by number', async () => {
    const o = await make();
    expect((await repos().orders.findById(o.id))?.toView()).to.deep.equal(o.toView());
    expect((await repos().orders.findByNumber(o.number))?.id).to.equal(o.id);
    expect(o.toView().totals).to.deep.equal({ subtotalMinor: 28_000, deliveryFeeMinor: 50_000, vatMinor: 1_234, totalMinor: 79_234 });
    expect(await repos().orders.findById('nope')).to.equal(null);
  });

  it('when numbers are drawn on two days, then each day counts from 0001 and the numbers read D-YYMMDD-NNNN', async () => {
    const a = await repos().orders.nextNumber(at(20));
    const b = await repos().orders.nextNumber(at(20, 59));
    const c = await repos().orders.nextNumber(at(21));
    expect([a, b, c]).to.deep.equal(['D-260120-0001', 'D-260120-0002', 'D-260121-0001']);
  });

  ctx.itIsolation('when 40 numbers are drawn concurrently, then all 40 are distinct and gap-free', async () => {
    const numbers = await Promise.all(Array.from({ length: 40 }, () => repos().orders.nextNumber(at(22))));
    expect(new Set(numbers).size).to.equal(40);
    expect([...numbers].sort()).to.deep.equal(Array.from({ length: 40 }, (_, i) => `D-260122-${String(i + 1).padStart(4, '0')}`));
  });

  it('when an order is created twice with the same id or number, then the second is a coded CONFLICT and the first is kept', async () => {
    const o = await make();
    const dupNumber = Order.place({ ...o.toProps(), id: randomUUID(), lines: o.toProps().lines, deliveryFeeMinor: 0, vatMinor: 0, at: at(5) });
    const err = await repos().orders.create(dupNumber).catch((e: unknown) => e);
    expect(isAppError(err) && err.code).to.equal('CONFLICT');
    expect(await repos().orders.findById(dupNumber.id)).to.equal(null);
  });

  it('when saved with the current version, then the change is stored; with a stale version, then it is refused', async () => {
    const o = await make();
    const v1 = o.version;
    o.transition('confirmed', 'store', { actor: { id: 'owner-1', role: 'store_owner' }, at: at(5, 3) });
    expect(await repos().orders.save(o, v1)).to.equal(true);
    const stored = (await repos().orders.findById(o.id))!;
    expect(stored.toView()).to.deep.include({ status: 'confirmed', version: v1 + 1 });
    expect(stored.toView().timeline).to.deep.equal({ placed: at(5).toISOString(), confirmed: at(5, 3).toISOString() });

    const stale = (await repos().orders.findById(o.id))!;
    stored.transition('preparing', 'store', { ...sys, at: at(5, 4) });
    expect(await repos().orders.save(stored, v1 + 1)).to.equal(true);
    stale.transition('cancelled', 'admin', { ...sys, reason: 'duplicate', at: at(5, 5) });
    expect(await repos().orders.save(stale, v1 + 1)).to.equal(false);
    expect((await repos().orders.findById(o.id))?.toView()).to.deep.include({ status: 'preparing', reason: null });
  });

  ctx.itIsolation('when two transitions race on the same version, then exactly one save wins', async () => {
    const o = await make();
    const [a, b] = [(await repos().orders.findById(o.id))!, (await repos().orders.findById(o.id))!];
    a.transition('confirmed', 'store', { ...sys, at: at(5, 1) });
    b.transition('rejected', 'store', { ...sys, reason: 'closed', at: at(5, 1) });
    const wins = await Promise.all([repos().unitOfWork.transaction(() => repos().orders.save(a, 1)), repos().unitOfWork.transaction(() => repos().orders.save(b, 1))]);
    expect(wins.filter(Boolean)).to.have.length(1);
    expect(['confirmed', 'rejected']).to.include((await repos().orders.findById(o.id))?.status);
  });

  it('when listed by store with status, date range and number prefix, then the filters combine, newest first, paginated', async () => {
    const store = `s-${randomUUID().slice(0, 6)}`;
    const made: Order[] = [];
    for (let i = 0; i < 7; i++) made.push(await make({ storeId: store, at: at(10 + i) }));
    const third = made[2]!;
    const v = third.version;
    third.transition('rejected', 'store', { ...sys, reason: 'out of stock', at: at(12, 5) });
    await repos().orders.save(third, v);

    const all = await repos().orders.list({ storeIds: [store] }, pageRequest(1, 5));
    expect(all.pagination).to.deep.equal({ page: 1, limit: 5, total: 7, totalPages: 2 });
    expect(all.items.map((o) => o.id)).to.deep.equal(made.slice(2).reverse().map((o) => o.id));
    const rejected = await repos().orders.list({ storeIds: [store], statuses: ['rejected'] }, pageRequest(1, 10));
    expect(rejected.items.map((o) => o.id)).to.deep.equal([third.id]);
    const ranged = await repos().orders.list({ storeIds: [store], placedFrom: at(11), placedTo: at(13) }, pageRequest(1, 10));
    expect(ranged.items.map((o) => o.id)).to.deep.equal([made[2]!.id, made[1]!.id]);
    const byNumber = await repos().orders.list({ storeIds: [store], numberPrefix: made[4]!.number.toLowerCase() }, pageRequest(1, 10));
    expect(byNumber.items.map((o) => o.id)).to.deep.equal([made[4]!.id]);
    const byDay = await repos().orders.list({ storeIds: [store], numberPrefix: made[4]!.number.slice(0, 8) }, pageRequest(1, 10));
    expect(byDay.items.map((o) => o.id)).to.deep.equal([made[4]!.id]);
    expect((await repos().orders.list({ storeIds: [] }, pageRequest(1, 10))).pagination.total).to.equal(0);
  });

  it('when listed by customer and by checkout, then only theirs come back; unfiltered, then everything', async () => {
    const customer = `c-${randomUUID().slice(0, 6)}`;
    const mine = [await make({ customerId: customer }), await make({ customerId: customer, storeId: 'store-2' })];
    const other = await make();
    const history = await repos().orders.list({ customerId: customer }, pageRequest(1, 10));
    expect(history.items.map((o) => o.id).sort()).to.deep.equal(mine.map((o) => o.id).sort());
    expect((await repos().orders.list({ checkoutId: other.toView().checkoutId }, pageRequest(1, 10))).items.map((o) => o.id)).to.deep.equal([other.id]);
    expect((await repos().orders.list({}, pageRequest(1, 100))).pagination.total).to.be.greaterThanOrEqual(3);
  });

  it('when a filter value is not a string (an operator smuggled in), then it is refused, not matched', async () => {
    const err = await repos().orders.list({ customerId: { $ne: null } as unknown as string }, pageRequest(1, 10)).catch((e: unknown) => e);
    if (ctx.store.kind === 'mongo') expect(isAppError(err) && err.code).to.equal('VALIDATION_ERROR');
    const bad = await repos().orders.list({ numberPrefix: '.*' }, pageRequest(1, 10)).catch((e: unknown) => e);
    expect(isAppError(bad) && bad.code).to.equal('VALIDATION_ERROR');
  });

  it('when PlaceOrders runs for a two-store checkout, then both orders, their numbers and their placed events commit together', async () => {
    const r = repos();
    const place = new PlaceOrders({ orders: r.orders, outbox: r.outbox, unitOfWork: r.unitOfWork, ids: { next: () => randomUUID() }, clock: { now: () => at(25) } });
    const input = checkoutOf('cust-9', ['store-a', 'store-b']);
    const orders = await place.execute(input);
    expect(orders.map((o) => o.storeId)).to.deep.equal(['store-a', 'store-b']);
    expect((await r.orders.listByCheckout(input.checkoutId)).map((o) => o.id)).to.deep.equal(orders.map((o) => o.id));
    const events = (await r.outbox.unpublished(10_000)).filter((e) => orders.some((o) => o.id === e.aggregateId));
    expect(events.map((e) => e.type)).to.deep.equal(['ordering.order.placed', 'ordering.order.placed']);
    expect(events[0]!.payload).to.deep.include({ orderNumber: orders[0]!.number, checkoutId: input.checkoutId, from: null, to: 'placed', paymentMethod: 'cash', totalMinor: orders[0]!.totals.totalMinor });
  });

  it('when the caller\'s transaction fails after PlaceOrders, then no order and no event is left behind', async () => {
    const r = repos();
    const place = new PlaceOrders({ orders: r.orders, outbox: r.outbox, unitOfWork: r.unitOfWork, ids: { next: () => randomUUID() }, clock: { now: () => at(26) } });
    const input = checkoutOf('cust-9', ['store-a']);
    const err = await r.unitOfWork.transaction(async () => {
      await place.execute(input);
      throw new Error('stock ran out');
    }).catch((e: unknown) => e);
    expect((err as Error).message).to.equal('stock ran out');
    expect(await r.orders.listByCheckout(input.checkoutId)).to.deep.equal([]);
  });
});
