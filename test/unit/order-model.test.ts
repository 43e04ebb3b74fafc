import { expect } from 'chai';
import { Order, ORDER_STATUSES, ORDER_TRANSITIONS, allowedTransitions, type OrderActor, type PaymentMethod, type PlaceOrderInput } from '../../domain/ordering/order.js';
import { ORDER_EVENT_BY_STATUS, toOrderEvents } from '../../domain/ordering/order-events.js';
import { EVENTS } from '../../domain/platform/events.js';
import { isAppError } from '../../domain/shared/errors.js';
import { line } from '../helpers/orders.js';

const at = new Date('2026-01-06T10:00:00.000Z');
const input = (over: Partial<PlaceOrderInput> = {}): PlaceOrderInput => ({
  id: 'o-1', number: 'D-260106-0001', checkoutId: 'co-1', storeId: 's-1', customerId: 'c-1', lines: [line(12_500, 2), line(3_000, 1)],
  currency: 'SYP', deliveryFeeMinor: 50_000, vatMinor: 2_800, paymentMethod: 'cash', dropoff: { point: { lat: 33.5, lng: 36.3 }, line: '1 Main St' }, at, ...over,
});
const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return isAppError(err) ? err.code : 'not an AppError';
  }
  return undefined;
};
const move = (o: Order, to: Parameters<Order['transition']>[0], by: OrderActor = 'store', reason?: string) => o.transition(to, by, { actor: null, reason: reason ?? null, at });

describe('Order model', () => {
  it('when an order is placed, then its totals add up in integer minor units and its placed change is raised', () => {
    const o = Order.place(input());
    expect(o.toView().totals).to.deep.equal({ subtotalMinor: 28_000, deliveryFeeMinor: 50_000, vatMinor: 2_800, totalMinor: 80_800 });
    expect(o.toView()).to.deep.include({ status: 'placed', version: 1, reason: null });
    expect(o.toView().timeline).to.deep.equal({ placed: at.toISOString() });
    expect(o.pullChanges().map((c) => c.to)).to.deep.equal(['placed']);
  });

  it('when a line total is not unit price × quantity, a quantity is 0, a price is fractional or there are no lines, then placing is a VALIDATION_ERROR', () => {
    expect(codeOf(() => Order.place(input({ lines: [{ ...line(100, 2), lineTotalMinor: 150 }] })))).to.equal('VALIDATION_ERROR');
    expect(codeOf(() => Order.place(input({ lines: [line(100, 0)] })))).to.equal('VALIDATION_ERROR');
    expect(codeOf(() => Order.place(input({ lines: [line(10.5, 2)] })))).to.equal('VALIDATION_ERROR');
    expect(codeOf(() => Order.place(input({ lines: [] })))).to.equal('VALIDATION_ERROR');
    expect(codeOf(() => Order.place(input({ vatMinor: -1 })))).to.equal('VALIDATION_ERROR');
    expect(codeOf(() => Order.place(input({ number: '42' })))).to.equal('VALIDATION_ERROR');
  });

  it('when a cash order runs the happy path, then every status is stamped in the timeline and the version counts each move', () => {
    const o = Order.place(input());
    move(o, 'confirmed');
    move(o, 'preparing');
    move(o, 'ready_for_pickup');
    move(o, 'picked_up', 'system');
    move(o, 'delivered', 'system');
    move(o, 'completed', 'system');
    expect(Object.keys(o.toView().timeline)).to.deep.equal(['placed', 'confirmed', 'preparing', 'ready_for_pickup', 'picked_up', 'delivered', 'completed']);
    expect(o.version).to.equal(7);
  });

  it('when a card order is still placed, then the store cannot confirm it; once authorised, then it can', () => {
    const o = Order.place(input({ paymentMethod: 'card' }));
    expect(codeOf(() => move(o, 'confirmed'))).to.equal('CONFLICT');
    move(o, 'awaiting_payment', 'system');
    move(o, 'confirmed');
    expect(o.status).to.equal('confirmed');
  });

  it('when someone takes an edge that is not theirs, then FORBIDDEN; an edge that does not exist, then CONFLICT naming what is allowed', () => {
    const o = Order.place(input());
    expect(codeOf(() => move(o, 'confirmed', 'customer'))).to.equal('FORBIDDEN');
    expect(codeOf(() => move(o, 'picked_up', 'store'))).to.equal('CONFLICT');
    move(o, 'confirmed');
    expect(codeOf(() => move(o, 'cancelled', 'customer'))).to.equal('FORBIDDEN');
    expect(codeOf(() => move(o, 'picked_up', 'system'))).to.equal('CONFLICT');
  });

  it('when the store rejects or cancels without a reason, then VALIDATION_ERROR; the customer cancels before confirm without one', () => {
    const o = Order.place(input());
    expect(codeOf(() => move(o, 'rejected', 'store', '  '))).to.equal('VALIDATION_ERROR');
    expect(codeOf(() => move(o, 'cancelled', 'store'))).to.equal('VALIDATION_ERROR');
    move(o, 'cancelled', 'customer');
    expect(o.toView()).to.deep.include({ status: 'cancelled', reason: null });
  });

  it('when the status asked for is the current one, then nothing changes (a retry is a no-op)', () => {
    const o = Order.place(input());
    o.pullChanges();
    move(o, 'confirmed');
    expect(move(o, 'confirmed')).to.equal(false);
    expect(o.version).to.equal(2);
    expect(o.pullChanges()).to.have.length(1);
  });

  it('when the table is read, then final statuses have no edges and every non-final status can be left', () => {
    for (const s of ['completed', 'rejected', 'cancelled'] as const) expect(ORDER_TRANSITIONS[s]).to.deep.equal({});
    for (const s of ORDER_STATUSES) if (!['completed', 'rejected', 'cancelled'].includes(s)) expect(Object.keys(ORDER_TRANSITIONS[s]).length, s).to.be.greaterThan(0);
    const methods: PaymentMethod[] = ['cash', 'card'];
    expect(methods.map((m) => allowedTransitions('placed', 'store', m))).to.deep.equal([['confirmed', 'rejected', 'cancelled'], ['rejected', 'cancelled']]);
  });

  it('when changes become outbox events, then each status has its event type, and every payload passes its schema', () => {
    const o = Order.place(input({ paymentMethod: 'card' }));
    move(o, 'awaiting_payment', 'system');
    move(o, 'rejected', 'system', 'store_timeout');
    const events = toOrderEvents(o, o.pullChanges());
    expect(events.map((e) => e.type)).to.deep.equal(['ordering.order.placed', 'ordering.order.payment_authorized', 'ordering.order.rejected']);
    expect(events.map((e) => e.aggregateVersion)).to.deep.equal([1, 2, 3]);
    events.forEach((e, i) => expect(() => EVENTS.seal(e, `01J0000000000000000000000${i}`)).not.to.throw());
    expect(events[2]!.payload).to.deep.include({ from: 'awaiting_payment', to: 'rejected', reason: 'store_timeout', actor: null, totalMinor: 80_800 });
    expect(Object.keys(ORDER_EVENT_BY_STATUS)).to.have.length(ORDER_STATUSES.length);
  });
});
