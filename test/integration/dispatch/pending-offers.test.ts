import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { startTestApp, http, type TestApp } from '../../helpers/app.js';
import { newOffer, type Offer } from '../../../domain/dispatch/model.js';

const P = { lat: 33.5106, lng: 36.3156 };
const D = { lat: 33.5201, lng: 36.2912 };

describe('pending offers (GET /api/v1/dispatch/offers?status=pending), read by the ops board at connect', function () {
  this.timeout(60_000);
  let app: TestApp;
  /** Taken once the app is up, not when mocha loads the file: in a lane the test runs minutes after loading. */
  let now: number;
  const repos = () => app.system.composed.container.cradle.repositories;
  async function offer(secondsAgo: number, timeoutS: number): Promise<Offer> {
    const o = newOffer({ deliveryId: randomUUID(), orderId: randomUUID(), courierId: `k-${randomUUID()}`, round: 1, pickup: P, dropoff: D, feeMinor: 500, cash: false, cost: 0.1, at: new Date(now - secondsAgo * 1000), timeoutS });
    await repos().offers.create(o);
    return o;
  }
  let soon: Offer;
  let later: Offer;

  before(async () => {
    app = await startTestApp();
    now = Date.now();
    later = await offer(2, 30); // 28 s left
    soon = await offer(20, 30); // 10 s left
    const answered = await offer(5, 30);
    await repos().offers.end(answered.id, 'declined', new Date(now - 1000), 'busy');
    const withdrawn = await offer(8, 30);
    await repos().offers.end(withdrawn.id, 'expired', new Date(now - 1000), 'withdrawn');
    await offer(3600, 30); // an hour old, never ended by its timer: not waiting for anyone now
  });
  after(async () => {
    await app?.stop();
  });

  it('when an admin reads the pending offers, then only the ones still waiting are listed, soonest to expire first', async () => {
    const r = await http(`${app.url}/api/v1/dispatch/offers?status=pending`, { token: app.token('admin') });
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(r.body.data.items).to.deep.equal([soon, later].map((o) => ({ offerId: o.id, deliveryId: o.deliveryId, orderId: o.orderId, courierId: o.courierId, round: 1, offeredAt: o.offeredAt, expiresAt: o.expiresAt })));
    expect(r.body.data.pagination.total).to.equal(2);
  });

  it('when another status is asked, or another role asks, then it is refused', async () => {
    expect((await http(`${app.url}/api/v1/dispatch/offers?status=accepted`, { token: app.token('admin') })).status).to.equal(400);
    expect((await http(`${app.url}/api/v1/dispatch/offers`, { token: app.token('store_owner') })).status).to.equal(403);
    expect((await http(`${app.url}/api/v1/dispatch/offers`, { token: app.token('courier') })).status).to.equal(403);
  });
});
