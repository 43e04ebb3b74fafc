import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { signUp, signUpAdmin } from '../helpers/identity.js';
import { auditEntryEvent } from '../../domain/platform/events.js';
import { connect, deliveryFor, emitAck, verifiedCourier, waitUntil } from '../helpers/hub.js';

const PREFIX = `kp${process.pid % 10_000}:`;

describe('Redis key prefix (REDIS_KEY_PREFIX)', function () {
  this.timeout(60_000);
  let app: TestApp;
  const open: Socket[] = [];

  before(async () => {
    app = await startTestApp({ env: { REDIS_KEY_PREFIX: PREFIX } });
  });
  after(async () => {
    open.forEach((s) => s.close());
    await app?.stop();
  });

  it('when the app signs people up, indexes a courier, assigns a delivery and works its queues, then every Redis key it writes starts with the configured prefix', async () => {
    const admin = await signUpAdmin(app);
    const courier = await verifiedCourier(app, admin);
    const owner = await signUp(app, 'store_owner');
    const customer = await signUp(app, 'customer');
    const s = await connect(app.url, '/courier', courier.accessToken);
    open.push(s);
    expect(await emitAck(s, 'courier:online', { vehicle: 'car' })).to.include({ ok: true });
    expect(await emitAck(s, 'location', { lat: 33.5138, lng: 36.2765, ts: Date.now() })).to.include({ ok: true, accepted: 1 });
    await deliveryFor(app, { owner, customer, courier });
    const c = app.system.composed.container.cradle;
    await c.unitOfWork.transaction(() => c.outbox.add([auditEntryEvent({ id: `kp-${Date.now()}`, actor: { id: admin.accountId, role: 'admin' }, action: 'test.key_prefix', resource: { type: 'test' } }, new Date())]));
    // The courier's presence, the geo index, the relay's lease and the audit queue are all there, under the prefix.
    await waitUntil(async () => (await c.redis.exists(`${PREFIX}presence:courier:${courier.accountId}`)) === 1);
    await waitUntil(async () => (await c.redis.exists(`${PREFIX}outbox:relay`)) === 1);
    const keys = await c.redis.keys('*');
    expect(keys.some((k) => k.startsWith(`${PREFIX}geo:`)), keys.join(' ')).to.equal(true);
    expect(keys.some((k) => k.startsWith(`{${PREFIX}audit}`)), keys.join(' ')).to.equal(true);
    expect(keys.filter((k) => !k.startsWith(PREFIX) && !k.startsWith(`{${PREFIX}`))).to.deep.equal([]);
  });
});
