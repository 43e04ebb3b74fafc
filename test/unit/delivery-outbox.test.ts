import { expect } from 'chai';
import { codeOf, opsAdmin, scene, openWorld, type World } from './delivery-use-cases.fixture.js';

/** The delivery use cases write their events to the real outbox, in the transaction of the change. */
describe('delivery use cases and the outbox (PGlite)', function () {
  this.timeout(30_000);
  let w: World;
  before(async () => {
    w = await openWorld();
  });
  after(async () => {
    await w?.close();
  });
  const outboxOf = async (deliveryId: string) => (await w.repos.outbox.unpublished(10_000)).filter((e) => e.aggregateId === deliveryId);

  it('when a delivery is created, assigned and moved, then each change left its events in the outbox, stamped with the version it wrote, in order', async () => {
    const { owner, courier, delivery } = await scene(w);
    await w.assignCourier.execute(owner, delivery.id, courier.accountId);
    await w.changeDeliveryStatus.execute(owner, delivery.id, { status: 'cancelled', reason: 'customer left' });
    const events = await outboxOf(delivery.id);
    expect(events.map((e) => [e.type, e.aggregateVersion])).to.deep.equal([
      ['delivery.delivery.created', 1],
      ['delivery.status.changed', 2],
      ['delivery.courier.assigned', 2],
      ['delivery.status.changed', 3],
    ]);
    expect(events.map((e) => e.sequence)).to.deep.equal([...events.map((e) => e.sequence)].sort((a, b) => a - b));
    expect(events[3]!.payload).to.deep.include({ from: 'assigned', to: 'cancelled', reason: 'customer left' });
  });

  it('when a change raises an event that fails its schema, then INVALID_EVENT, the delivery is unchanged and nothing reaches the outbox', async () => {
    const { delivery } = await scene(w);
    const before = await outboxOf(delivery.id);
    const code = await codeOf(w.changeDeliveryStatus.execute(opsAdmin(), delivery.id, { status: 'cancelled', reason: 'x'.repeat(600) }));
    expect(code).to.equal('INVALID_EVENT');
    const stored = await w.repos.deliveries.findById(delivery.id);
    expect(stored?.toView()).to.deep.include({ status: 'pending', version: delivery.version });
    expect(await outboxOf(delivery.id)).to.deep.equal(before);
  });

  it('when the same status is asked again, then nothing new is written to the outbox', async () => {
    const { owner, delivery } = await scene(w);
    await w.changeDeliveryStatus.execute(owner, delivery.id, { status: 'cancelled', reason: 'closed' });
    const once = await outboxOf(delivery.id);
    await w.changeDeliveryStatus.execute(owner, delivery.id, { status: 'cancelled', reason: 'closed' });
    expect(await outboxOf(delivery.id)).to.deep.equal(once);
  });
});
