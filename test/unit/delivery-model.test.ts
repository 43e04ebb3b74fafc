import { expect } from 'chai';
import fc from 'fast-check';
import { Delivery, DELIVERY_STATUSES, TRANSITIONS, canTransition, isFinal, type DeliveryStatus } from '../../domain/delivery/model.js';

const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, s));
const make = () => Delivery.create({ id: 'd1', orderId: 'o1', storeId: 's1', customerId: 'c1', pickup: { lat: 30.04, lng: 31.23 }, dropoff: { lat: 30.05, lng: 31.24 }, at: t(0) });

describe('delivery model', () => {
  it('when created, then it is pending with a timestamp and a created event', () => {
    const d = make();
    expect(d.status).to.equal('pending');
    expect(d.toView().timestamps).to.deep.equal({ pending: t(0).toISOString() });
    expect(d.pullEvents().map((e) => e.type)).to.deep.equal(['delivery.created']);
  });

  it('when walked along the happy path, then every status gets its timestamp and an event', () => {
    const d = make();
    d.pullEvents();
    d.assign('k1', t(1));
    const path: DeliveryStatus[] = ['at_pickup', 'picked_up', 'at_dropoff', 'delivered'];
    path.forEach((s, i) => d.transition(s, t(i + 2)));
    expect(d.status).to.equal('delivered');
    expect(Object.keys(d.toView().timestamps)).to.deep.equal(['pending', 'assigned', ...path]);
    const events = d.pullEvents();
    expect(events.filter((e) => e.type === 'delivery.status_changed')).to.have.length(5);
    expect(events.some((e) => e.type === 'delivery.courier_assigned' && e.courierId === 'k1')).to.equal(true);
  });

  it('when a step is skipped, then CONFLICT names the allowed next statuses', () => {
    const d = make();
    d.assign('k1', t(1));
    try {
      d.transition('delivered', t(2));
      expect.fail('should throw');
    } catch (err) {
      expect((err as { code: string }).code).to.equal('CONFLICT');
      expect((err as { details: { allowed: string[] } }).details.allowed).to.include('at_pickup');
    }
  });

  it('when the same transition is asked twice, then the second is a no-op', () => {
    const d = make();
    d.assign('k1', t(1));
    expect(d.transition('at_pickup', t(2))).to.equal(true);
    const v = d.version;
    expect(d.transition('at_pickup', t(3))).to.equal(false);
    expect(d.version).to.equal(v);
  });

  it('when a final delivery is changed, then it refuses', () => {
    const d = make();
    d.transition('cancelled', t(1), 'customer asked');
    expect(isFinal(d.status)).to.equal(true);
    expect(() => d.assign('k1', t(2))).to.throw(/cancelled/);
    expect(() => d.transition('failed', t(2))).to.throw(/cannot go/);
  });

  it('when unassigned before pickup, then it is pending again without a courier', () => {
    const d = make();
    d.assign('k1', t(1));
    d.transition('pending', t(2), 'courier declined');
    expect(d.courierId).to.equal(null);
    expect(d.status).to.equal('pending');
  });

  it('when coordinates are out of range, then VALIDATION_ERROR', () => {
    expect(() => Delivery.create({ id: 'd', orderId: 'o', storeId: 's', customerId: 'c', pickup: { lat: 91, lng: 0 }, dropoff: { lat: 0, lng: 0 }, at: t(0) })).to.throw(/pickup/);
    expect(() => Delivery.create({ id: 'd', orderId: 'o', storeId: 's', customerId: 'c', pickup: { lat: 0, lng: 0 }, dropoff: { lat: 0, lng: Number.NaN }, at: t(0) })).to.throw(/dropoff/);
  });

  it('when any random sequence of requests is applied, then the status only ever moves along the table and final stays final', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...DELIVERY_STATUSES), { maxLength: 30 }), (requests) => {
        const d = make();
        let prev = d.status;
        for (const to of requests) {
          try {
            if (to === 'assigned') d.assign('k1', t(1));
            else d.transition(to, t(1));
          } catch {
            expect(d.status).to.equal(prev); // a refused change changes nothing
          }
          if (d.status !== prev) expect(canTransition(prev, d.status), `${prev}→${d.status}`).to.equal(true);
          if (isFinal(prev)) expect(d.status).to.equal(prev);
          prev = d.status;
        }
      }),
    );
  });

  it('when the table is read, then cancelled and failed are reachable from every non-final status', () => {
    for (const s of DELIVERY_STATUSES.filter((x) => !isFinal(x))) {
      expect(TRANSITIONS[s]).to.include.members(['cancelled', 'failed']);
    }
  });
});
