import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startTestApp, http, type TestApp } from '../helpers/app.js';
import { controlledClock, signUp, type Session } from '../helpers/identity.js';
import { shopWithStock, type Shop } from '../helpers/cart-fixtures.js';
import { queuePrefix } from '../../infra/queues.js';

async function until(probe: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('cart expiry: a BullMQ job on a private redis-server closes carts idle past cart.idleExpiryMinutes', function () {
  this.timeout(120_000);
  let app: TestApp;
  let queue: Queue;
  let connection: Redis;
  let owner: Session;
  let shop: Shop;
  const cradle = () => app.system.composed.container.cradle;
  const add = (variantId: string, init: { token?: string; headers?: Record<string, string> }) => http(`${app.url}/api/v1/cart/lines`, { method: 'POST', json: { variantId, quantity: 1 }, ...init });

  before(async () => {
    app = await startTestApp({ role: 'all' });
    // BullMQ does not close a connection it was handed: the test closes its own.
    connection = new Redis(app.redis.url, { maxRetriesPerRequest: null });
    queue = new Queue('cart-expiry', { connection, prefix: queuePrefix('daraa:', 'cart-expiry') });
    owner = await signUp(app, 'store_owner');
    shop = await shopWithStock(app, owner.accessToken, { location: { lat: 33.51, lng: 36.28 }, variants: [{ price: 700, stock: 20 }] });
  });
  after(async () => {
    await queue?.close();
    connection?.disconnect();
    await app?.stop();
  });

  it('when the worker starts, then the sweep and the purge each have one repeatable schedule', async () => {
    await until(async () => (await queue.getJobSchedulers()).length === 2, 15_000, 'the schedules');
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers.map((s) => s.key).sort()).to.deep.equal(['cart-expiry:expire', 'cart-expiry:purge']);
    expect(schedulers.every((s) => Number(s.every) > 0)).to.equal(true);
  });

  it('when carts stay untouched past the idle time, then the job expires them with ordering.cart.expired in the outbox, a cart touched since stays, and weeks later the purge deletes them', async () => {
    const customer = await signUp(app, 'customer');
    expect((await add(shop.variantIds[0]!, { token: customer.accessToken })).status).to.equal(200);
    const guestToken = (await http(`${app.url}/api/v1/cart/guest`, { method: 'POST' })).body.data.cartToken as string;
    expect((await add(shop.variantIds[0]!, { headers: { 'x-cart-token': guestToken } })).status).to.equal(200);
    const customerCartId = (await http(`${app.url}/api/v1/cart`, { token: customer.accessToken })).body.data.id as string;

    const idleMinutes = cradle().liveSettings.get('cart.idleExpiryMinutes');
    const clock = controlledClock(app);
    try {
      clock.advance((idleMinutes + 1) * 60_000);
      const fresh = await signUp(app, 'customer');
      await add(shop.variantIds[0]!, { token: fresh.accessToken }); // active "now", on the advanced clock

      await cradle().queues.add('cart-expiry', { task: 'expire' }, { jobId: `cart-expiry-now-${randomUUID()}` });
      await until(async () => (await cradle().carts.findById(customerCartId))?.status === 'expired', 15_000, 'the customer cart to expire');
      const guest = await http(`${app.url}/api/v1/cart`, { headers: { 'x-cart-token': guestToken } });
      expect(guest.body.data).to.deep.include({ status: 'expired', expiresAt: null });
      expect((await http(`${app.url}/api/v1/cart`, { token: fresh.accessToken })).body.data.status, 'touched after the jump').to.equal('active');

      const { sql } = cradle().store as Extract<ReturnType<typeof cradle>['store'], { kind: 'sql' }>;
      const events = await sql.query<{ type: string; payload: { cartId: string; lineCount: number; valueAtAddMinor: number; customerId: string | null } }>("select type, payload from outbox where type = 'ordering.cart.expired' and aggregate_id = $1", [customerCartId]);
      expect(events.rows).to.have.length(1);
      expect(events.rows[0]!.payload).to.deep.include({ cartId: customerCartId, lineCount: 1, valueAtAddMinor: 700, customerId: customer.accountId });

      // Idempotent: a second sweep changes nothing and writes no second event.
      const expiredAgain = await cradle().expireCarts.execute();
      expect(expiredAgain).to.equal(0);
      expect((await sql.query("select 1 from outbox where type = 'ordering.cart.expired' and aggregate_id = $1", [customerCartId])).rows).to.have.length(1);

      // The purge keeps a closed cart for weeks, then the job deletes it.
      expect(await cradle().expireCarts.purgeClosed(), 'closed minutes ago').to.equal(0);
      expect((await cradle().carts.findById(customerCartId))?.status).to.equal('expired');
      clock.advance(31 * 86_400_000);
      await cradle().queues.add('cart-expiry', { task: 'purge' }, { jobId: `cart-purge-later-${randomUUID()}` });
      await until(async () => (await cradle().carts.findById(customerCartId)) === null, 15_000, 'the purge of the expired cart');

      const added = await add(shop.variantIds[0]!, { token: customer.accessToken });
      expect(added.status, 'the next add starts a new cart').to.equal(200);
      expect(added.body.data.id).to.not.equal(customerCartId);
      expect((await add(shop.variantIds[0]!, { headers: { 'x-cart-token': guestToken } })).status, 'a purged guest cart').to.equal(404);
    } finally {
      clock.restore();
    }
  });
});
