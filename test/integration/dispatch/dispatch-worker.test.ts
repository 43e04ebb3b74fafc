import { expect } from 'chai';
import { Queue, type Job } from 'bullmq';
import { startTestApp, http, type TestApp } from '../../helpers/app.js';
import { signUp, signUpAdmin, type Session } from '../../helpers/identity.js';
import { checkoutOf } from '../../helpers/orders.js';
import { waitUntil } from '../../helpers/hub.js';
import { queuePrefix } from '../../../infra/queues.js';
import { createRedisClient } from '../../../infra/redis.js';
import { dispatchProcessor, jobIdOf } from '../../../workers/processors/dispatch.js';
import { QUEUES } from '../../../workers/queues.js';
import { ORDER_EVENT_BY_STATUS } from '../../../domain/ordering/order-events.js';
import { dispatchAlertRaised } from '../../../domain/dispatch/events.js';
import type { Cradle } from '../../../infra/container.js';

/**
 * The dispatch worker on the real app (PGlite, private redis-server): when a
 * confirmed order opens its dispatch, that a repeated event adds nothing, and
 * that rounds nobody answers widen the radius and raise the ops alert.
 */
describe('dispatch worker: opening, repeated events, empty rounds', function () {
  this.timeout(20_000);
  let app: TestApp;
  let admin: Session;
  let owner: Session;
  let storeId: string;
  let rounds: Queue;
  const cradle = () => app.system.composed.container.cradle as Cradle;
  const api = (p: string) => `${app.url}/api/v1${p}`;
  const put = async (key: string, value: unknown, expectedVersion: number) => {
    const r = await http(api(`/admin/settings/${key}`), { method: 'PUT', token: admin.accessToken, json: { value, expectedVersion } });
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
  };

  before(async function () {
    this.timeout(90_000); // the app's start: seconds on a calm box, far more at load 17
    app = await startTestApp({ env: { RATE_LIMIT_STRICT_PER_15MIN: '1000' } });
    admin = await signUpAdmin(app, 'super_admin');
    owner = await signUp(app, 'store_owner');
    // Far from any courier: every round is empty.
    const store = await http(api('/stores'), { method: 'POST', token: owner.accessToken, json: { name: 'Empty quarter shop', address: '1 Dune Rd', location: { lat: 20.5, lng: 50.5 } } });
    storeId = store.body.data.id;
    await put('dispatch.offerTimeoutSeconds', 5, 0);
    await put('dispatch.openBeforeReadyMinutes', 240, 0);
    await put('dispatch.rounds', { radiusM: 1_000, maxRadiusM: 8_000, widenEveryRounds: 1, widenFactor: 2, alertAfterRounds: 2, candidateLimit: 10 }, 0);
    rounds = new Queue(QUEUES.dispatchRounds, { connection: createRedisClient(cradle().redisTarget, 'producer', 'test-rounds'), prefix: queuePrefix(app.config.REDIS_KEY_PREFIX, QUEUES.dispatchRounds) });
    await waitUntil(() => cradle().liveSettings.get('dispatch.rounds').alertAfterRounds === 2);
  });
  after(async () => {
    await rounds?.close();
    await app?.stop();
  });

  const confirmed = async () => {
    const [order] = await cradle().placeOrders.execute(checkoutOf('worker-customer', [storeId], { paymentMethod: 'cash' }));
    const r = await http(api(`/orders/${order!.id}/confirm`), { method: 'POST', token: owner.accessToken });
    expect(r.status).to.equal(200);
    return { orderId: order!.id, deliveryId: (await cradle().deliveries.findByOrderId(order!.id))!.id };
  };

  it('when nobody is near, then each empty round waits dispatch.offerTimeoutSeconds, the radius widens, and ops are alerted once at alertAfterRounds', async () => {
    const { deliveryId } = await confirmed();
    await waitUntil(async () => (await cradle().dispatches.find(deliveryId))?.round === 1, 8_000);
    expect(await cradle().dispatches.find(deliveryId)).to.deep.include({ status: 'open', radiusM: 1_000, alertedAt: null });
    const next = await rounds.getJob(jobIdOf(deliveryId, 'after', 1));
    expect(next?.opts.delay).to.equal(5_000);
    await waitUntil(async () => (await cradle().dispatches.find(deliveryId))?.round === 2, 9_000);
    const state = (await cradle().dispatches.find(deliveryId))!;
    expect(state.radiusM).to.equal(2_000);
    expect(state.alertedAt).to.be.a('string');
    const store = cradle().store;
    if (store.kind !== 'sql') throw new Error('runs on PGlite');
    const alerts = await store.sql.query(`select id from outbox where type = $1 and aggregate_id = $2`, [dispatchAlertRaised.type, deliveryId]);
    expect(alerts.rows).to.have.length(1);
    expect(await cradle().offers.listByDelivery(deliveryId)).to.deep.equal([]);
  });

  it('when the food is ready later than dispatch.openBeforeReadyMinutes, then the opening round is a delayed job; the same confirmed event again adds nothing', async () => {
    const version = (await http(api('/admin/settings/dispatch.openBeforeReadyMinutes'), { token: admin.accessToken })).body.data.version as number;
    expect(version).to.equal(1);
    await put('dispatch.openBeforeReadyMinutes', 0, version);
    await waitUntil(() => cradle().liveSettings.get('dispatch.openBeforeReadyMinutes') === 0);
    const { orderId, deliveryId } = await confirmed();
    const open = jobIdOf(deliveryId, 'open');
    await waitUntil(async () => (await rounds.getJob(open)) !== undefined, 8_000);
    const job = (await rounds.getJob(open))!;
    expect(await job.getState()).to.equal('delayed');
    // readyAt = confirmed + store.prepDefaultMinutes (the store has no prepMinutes of its own).
    const prepMs = cradle().liveSettings.get('store.prepDefaultMinutes') * 60_000;
    expect(job.opts.delay).to.be.within(prepMs - 10_000, prepMs);
    expect(await cradle().dispatches.find(deliveryId)).to.equal(null);

    // The relay delivers at least once: the same event, processed again, is a duplicate and adds no job.
    const store = cradle().store;
    if (store.kind !== 'sql') throw new Error('runs on PGlite');
    const row = (await store.sql.query<{ id: string; payload: unknown; aggregate_version: number; occurred_at: string; schema_version: number }>(
      `select id, payload, aggregate_version, occurred_at, schema_version from outbox where type = $1 and aggregate_id = $2`, [ORDER_EVENT_BY_STATUS.confirmed.type, orderId])).rows[0]!;
    const event = { id: row.id, type: ORDER_EVENT_BY_STATUS.confirmed.type, schemaVersion: row.schema_version, aggregateType: 'order', aggregateId: orderId, aggregateVersion: row.aggregate_version, occurredAt: new Date(row.occurred_at).toISOString(), payload: row.payload };
    const again = await dispatchProcessor(cradle())({ data: event } as Job);
    expect(again).to.deep.equal({ eventId: row.id, duplicate: true });
    expect((await rounds.getJobs(['delayed', 'waiting', 'active', 'completed'])).filter((j) => j.data.deliveryId === deliveryId).map((j) => j.id)).to.deep.equal([open]);
  });
});
