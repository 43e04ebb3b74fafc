import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { forEachBackend } from '../helpers/databases.js';
import { createRepositories } from '../../infra/db/index.js';
import { Checkout } from '../../domain/ordering/checkout.js';

const checkoutOf = (customerId: string, key: string, id = randomUUID()) =>
  Checkout.create({
    id, customerId, idempotencyKey: key, cartId: `cart-${customerId}`, currency: 'SYP', paymentMethod: 'card', vatRateBps: 1_100, at: new Date('2030-01-02T03:04:05.000Z'),
    orders: [
      { orderId: randomUUID(), number: 'D-300102-0001', storeId: 's1', subtotalMinor: 28_000, deliveryFeeMinor: 50_000, vatMinor: 8_580, totalMinor: 86_580 },
      { orderId: randomUUID(), number: 'D-300102-0002', storeId: 's2', subtotalMinor: 299_997, deliveryFeeMinor: 100_000, vatMinor: 44_000, totalMinor: 443_997 },
    ],
  });

forEachBackend('CheckoutRepository contract', (ctx) => {
  const repo = () => createRepositories(ctx.store).checkouts;

  it('when a checkout is created, then it reads back the same by id and by (customer, key)', async () => {
    const c = checkoutOf(randomUUID(), randomUUID());
    const r = await repo().create(c);
    expect(r.created).to.equal(true);
    expect((await repo().findById(c.id))?.toProps()).to.deep.equal(c.toProps());
    expect((await repo().findByKey(c.customerId, c.toProps().idempotencyKey))?.toProps()).to.deep.equal(c.toProps());
    expect(c.toProps().totals).to.deep.equal({ subtotalMinor: 327_997, deliveryFeesMinor: 150_000, vatMinor: 52_580, totalMinor: 530_577 });
  });

  it('when the same customer creates another checkout with the same key, then nothing is written and the first is answered', async () => {
    const customer = randomUUID();
    const key = randomUUID();
    const first = checkoutOf(customer, key);
    await repo().create(first);
    const second = checkoutOf(customer, key);
    const r = await repo().create(second);
    expect(r.created).to.equal(false);
    expect(r.checkout.id).to.equal(first.id);
    expect(await repo().findById(second.id)).to.equal(null);
  });

  it('when another customer uses the same key, then both checkouts exist', async () => {
    const key = randomUUID();
    expect((await repo().create(checkoutOf(randomUUID(), key))).created).to.equal(true);
    expect((await repo().create(checkoutOf(randomUUID(), key))).created).to.equal(true);
  });

  it('when the create runs in a transaction that rolls back, then no checkout remains', async () => {
    const c = checkoutOf(randomUUID(), randomUUID());
    const repos = createRepositories(ctx.store);
    await repos.unitOfWork.transaction(async () => {
      await repos.checkouts.create(c);
      throw new Error('roll back');
    }).catch(() => undefined);
    expect(await repo().findById(c.id)).to.equal(null);
  });

  it('when an id or key is not a string, then nothing is matched', async () => {
    const bad = { $ne: null } as unknown as string;
    for (const call of [() => repo().findById(bad), () => repo().findByKey(bad, bad)]) {
      const r = await call().catch((err: { code?: string }) => err.code);
      expect(r === null || r === 'VALIDATION_ERROR').to.equal(true);
    }
  });

  ctx.itIsolation('when 10 checkouts with one key race, then exactly one is created and all answer it', async () => {
    const customer = randomUUID();
    const key = randomUUID();
    const results = await Promise.all(Array.from({ length: 10 }, () => createRepositories(ctx.store).unitOfWork.transaction(() => repo().create(checkoutOf(customer, key))).catch((e: Error) => e)));
    const ok = results.filter((r): r is { checkout: Checkout; created: boolean } => !(r instanceof Error));
    expect(ok.filter((r) => r.created)).to.have.length(1);
    expect(new Set(ok.map((r) => r.checkout.id)).size).to.equal(1);
  });
});
