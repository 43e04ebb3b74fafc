import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { signUp, signUpAdmin } from '../../helpers/identity.js';
import { connect, deliveryFor, emitAck, nextEvent, verifiedCourier } from '../../helpers/hub.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../../infra/embedded-redis.js';

const PICKUP = { lat: 33.5138, lng: 36.2765 };

describe('hub: Redis restarting mid-stream', function () {
  this.timeout(60_000);
  let redis: EmbeddedRedis;
  let app: TestApp;
  const open: Socket[] = [];

  before(async () => {
    redis = await startEmbeddedRedis();
    app = await startTestApp({ redis, env: { COURIER_FIX_RATE_PER_S: '100', COURIER_FIX_BURST: '100' } });
  });
  after(async () => {
    open.forEach((s) => s.close());
    await app?.stop();
    await redis?.stop();
  });

  it('when the private redis-server is killed and restarted (empty), then the hub stays up, acks say SERVICE_UNAVAILABLE without a stack, its local watcher still sees the courier move, and ingest resumes within 5 s', async () => {
    const admin = await signUpAdmin(app);
    const courier = await verifiedCourier(app, admin);
    const owner = await signUp(app, 'store_owner');
    const customer = await signUp(app, 'customer');
    const cs = await connect(app.url, '/courier', courier.accessToken);
    open.push(cs);
    await emitAck(cs, 'courier:online', { vehicle: 'car' });
    const { orderId } = await deliveryFor(app, { owner, customer, courier });
    const watcher = await connect(app.url, '/customer', customer.accessToken);
    open.push(watcher);
    expect((await emitAck(watcher, 'order:watch', { orderId })).ok).to.equal(true);
    expect(await emitAck(cs, 'location', { ...PICKUP, ts: Date.now() })).to.include({ accepted: 1 });

    const port = redis.port;
    await redis.stop(); // SIGTERM without persistence: everything in Redis is lost
    const tsDown = Date.now();
    const seenWhileDown = nextEvent<any>(watcher, 'courier:position', (p) => p.ts === tsDown, 5_000);
    const down = await emitAck(cs, 'location', { lat: PICKUP.lat + 0.0002, lng: PICKUP.lng, ts: tsDown });
    expect(down).to.include({ ok: false, code: 'SERVICE_UNAVAILABLE' });
    // not indexed, yet the watcher on this hub still sees the courier move
    expect(await seenWhileDown).to.include({ orderId, lat: PICKUP.lat + 0.0002 });
    expect(JSON.stringify(down)).to.not.match(/\.ts:\d+|at \w+ \(/);
    expect(cs.connected).to.equal(true);
    expect(watcher.connected).to.equal(true);

    redis = await startEmbeddedRedis({ port });
    const back = Date.now();
    let resumedAt = 0;
    while (Date.now() - back < 10_000) {
      const ack = await emitAck(cs, 'location', { lat: PICKUP.lat + 0.0005, lng: PICKUP.lng, ts: Date.now() });
      if (ack.ok && ack.accepted === 1) {
        resumedAt = Date.now();
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(resumedAt, 'ingest never resumed').to.be.greaterThan(0);
    expect(resumedAt - back).to.be.at.most(5_000);
    const view = await app.system.composed.container.cradle.courierIndex.getCourier(courier.accountId);
    expect(view?.state).to.include({ status: 'busy', vehicle: 'car' }); // re-registered from the socket's own state
    await new Promise((r) => setTimeout(r, 600));
    const pos = nextEvent<any>(watcher, 'courier:position', () => true, 5_000);
    await emitAck(cs, 'location', { lat: PICKUP.lat + 0.001, lng: PICKUP.lng, ts: Date.now() });
    expect(await pos).to.include({ orderId });
    console.log(`      ingest resumed ${resumedAt - back} ms after redis-server came back`);
  });
});
