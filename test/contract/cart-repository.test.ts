import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { forEachBackend } from '../helpers/databases.js';
import { createRepositories } from '../../infra/db/index.js';
import { Cart, hashCartToken, newCartToken, type LineInput } from '../../domain/ordering/cart.js';
import type { CartRepository } from '../../domain/ordering/ports.js';

const at = (m: number) => new Date(Date.UTC(2026, 0, 1, 12, m));
const customer = () => `cust-${randomUUID().slice(0, 8)}`;
const customerCart = (customerId: string, minute = 0) => Cart.create({ id: randomUUID(), owner: { customerId }, at: at(minute) });
const guestCart = (minute = 0) => Cart.create({ id: randomUUID(), owner: { tokenHash: hashCartToken(newCartToken()) }, at: at(minute) });
const line = (over: Partial<LineInput> = {}): LineInput => ({ variantId: randomUUID(), productId: randomUUID(), storeId: 'store-1', quantity: 2, priceMinor: 1_250, ...over });

/** What every use case does: read, change, save with the version read; on a lost race read again. */
async function addWithRetry(repo: CartRepository, cartId: string, input: LineInput, minute: number): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const cart = (await repo.findById(cartId))!;
    const v = cart.version;
    cart.addLine(input, at(minute));
    if (await repo.save(cart, v)) return attempt;
    if (attempt > 10) throw new Error('too many lost races');
  }
}

forEachBackend('CartRepository contract', (ctx) => {
  const repo = () => createRepositories(ctx.store).carts;
  const uow = () => createRepositories(ctx.store).unitOfWork;

  it('when a cart is created with lines and a destination, then it reads back field for field; an unknown id reads as null', async () => {
    const c = customerCart(customer());
    expect(await repo().create(c)).to.equal(true);
    const v = c.version;
    c.addLine(line(), at(1));
    c.addLine(line({ storeId: 'store-2', quantity: 1, priceMinor: 0 }), at(2));
    c.setDestination({ addressId: 'addr-1', point: { lat: 33.51, lng: 36.29 } }, at(3));
    expect(await repo().save(c, v)).to.equal(true);
    expect((await repo().findById(c.id))?.toProps()).to.deep.equal(c.toProps());
    expect((await repo().findActiveByCustomer(c.customerId!))?.toProps()).to.deep.equal(c.toProps());
    expect(await repo().findById(randomUUID())).to.equal(null);
    expect(await repo().findActiveByCustomer(customer())).to.equal(null);
  });

  it('when a customer already has an active cart, then a second create answers false and stores nothing; once it is closed a new one may start', async () => {
    const who = customer();
    const first = customerCart(who);
    expect(await repo().create(first)).to.equal(true);
    const second = customerCart(who, 1);
    expect(await repo().create(second)).to.equal(false);
    expect(await repo().findById(second.id)).to.equal(null);

    const v = first.version;
    expect(first.convert('checkout-1', at(5))).to.equal(true);
    expect(await repo().save(first, v)).to.equal(true);
    expect(await repo().findActiveByCustomer(who)).to.equal(null);
    expect(await repo().create(second)).to.equal(true);
    expect((await repo().findActiveByCustomer(who))?.id).to.equal(second.id);
    expect((await repo().findById(first.id))?.toProps()).to.deep.include({ status: 'converted', checkoutId: 'checkout-1' });
  });

  it('when 6 first adds race to create one customer cart, then exactly one is stored', async () => {
    const who = customer();
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => repo().create(customerCart(who, i))));
    expect(results.filter(Boolean)).to.have.length(1);
  });

  it('when guest carts are created, then many coexist (no customer), each is found by its token hash whatever its status, and a hash is used once', async () => {
    const token = newCartToken();
    const g = Cart.create({ id: randomUUID(), owner: { tokenHash: hashCartToken(token) }, at: at(0) });
    expect(await repo().create(g)).to.equal(true);
    expect(await repo().create(guestCart()), 'a second guest cart').to.equal(true);
    expect(await repo().create(Cart.create({ id: randomUUID(), owner: { tokenHash: hashCartToken(token) }, at: at(1) })), 'the same hash').to.equal(false);
    expect((await repo().findByTokenHash(hashCartToken(token)))?.id).to.equal(g.id);
    expect(await repo().findByTokenHash(hashCartToken(newCartToken()))).to.equal(null);

    const into = customerCart(customer());
    await repo().create(into);
    const [gv, iv] = [g.version, into.version];
    g.addLine(line(), at(2));
    await repo().save(g, gv);
    const gNow = (await repo().findById(g.id))!;
    const gNowV = gNow.version;
    into.absorb(gNow, () => 99, at(3));
    expect(await repo().save(gNow, gNowV)).to.equal(true);
    expect(await repo().save(into, iv)).to.equal(true);
    expect((await repo().findByTokenHash(hashCartToken(token)))?.toProps()).to.deep.include({ status: 'merged', mergedInto: into.id });
    expect((await repo().findById(into.id))?.lines).to.have.length(1);
  });

  it('when saved with a stale version, then it is refused and the stored cart keeps the winner\'s lines', async () => {
    const c = customerCart(customer());
    await repo().create(c);
    const a = (await repo().findById(c.id))!;
    const b = (await repo().findById(c.id))!;
    const [va, vb] = [a.version, b.version];
    a.addLine(line({ variantId: 'va' }), at(1));
    b.addLine(line({ variantId: 'vb' }), at(1));
    expect(await repo().save(a, va)).to.equal(true);
    expect(await repo().save(b, vb)).to.equal(false);
    expect((await repo().findById(c.id))?.lines.map((l) => l.variantId)).to.deep.equal(['va']);
  });

  it('when 8 adds of different variants race on one cart (read, change, save with the version, retry), then no line is lost', async () => {
    const c = customerCart(customer());
    await repo().create(c);
    const inputs = Array.from({ length: 8 }, (_, i) => line({ variantId: `v-${i}`, quantity: i + 1 }));
    const attempts = await Promise.all(inputs.map((input, i) => addWithRetry(repo(), c.id, input, i + 1)));
    const stored = (await repo().findById(c.id))!;
    expect(stored.lines.map((l) => l.variantId).sort()).to.deep.equal(inputs.map((i) => i.variantId).sort());
    expect(stored.lines.find((l) => l.variantId === 'v-7')?.quantity).to.equal(8);
    expect(stored.version, 'one version per add').to.equal(c.version + 8);
    expect(attempts.every((n) => n >= 1)).to.equal(true);
  });

  it('when the same variant is added concurrently twice, then both quantities count', async () => {
    const c = customerCart(customer());
    await repo().create(c);
    const input = line({ variantId: 'same', quantity: 3 });
    await Promise.all([addWithRetry(repo(), c.id, input, 1), addWithRetry(repo(), c.id, input, 2)]);
    expect((await repo().findById(c.id))?.line('same')?.quantity).to.equal(6);
  });

  it('when carts went idle, then idleBefore lists the active ones idle before the time, oldest first, at most `limit`', async () => {
    const base = Date.UTC(2020, 0, 1);
    const old = (m: number) => new Date(base + m * 60_000);
    const carts = [0, 1, 2].map((m) => Cart.create({ id: randomUUID(), owner: { customerId: customer() }, at: old(m) }));
    for (const c of [...carts].reverse()) await repo().create(c);
    const closed = Cart.create({ id: randomUUID(), owner: { customerId: customer() }, at: old(0) });
    await repo().create(closed);
    const cv = closed.version;
    closed.expire(old(100), old(100));
    await repo().save(closed, cv);
    await repo().create(Cart.create({ id: randomUUID(), owner: { customerId: customer() }, at: old(50) }));

    expect(await repo().idleBefore(old(10), 10)).to.deep.equal(carts.map((c) => c.id));
    expect(await repo().idleBefore(old(10), 2)).to.deep.equal(carts.slice(0, 2).map((c) => c.id));
    expect(await repo().idleBefore(old(1), 10)).to.deep.equal([carts[0]!.id]);
  });

  it('when carts were closed long ago, then purgeClosedBefore deletes those (oldest first, at most `limit`) and never an active or recently closed cart', async () => {
    const base = Date.UTC(2019, 0, 1);
    const old = (d: number) => new Date(base + d * 86_400_000);
    const closedOn = async (day: number, close: (c: Cart, when: Date) => void) => {
      const c = Cart.create({ id: randomUUID(), owner: { customerId: customer() }, at: old(day - 1) });
      await repo().create(c);
      const v = c.version;
      close(c, old(day));
      expect(await repo().save(c, v)).to.equal(true);
      return c;
    };
    const expired = await closedOn(1, (c, when) => c.expire(when, when));
    const converted = await closedOn(2, (c, when) => c.convert('chk', when));
    const recent = await closedOn(40, (c, when) => c.expire(when, when));
    const active = Cart.create({ id: randomUUID(), owner: { customerId: customer() }, at: old(0) });
    await repo().create(active);
    expect((await repo().findById(expired.id))?.toProps().closedAt).to.equal(old(1).toISOString());

    expect(await repo().purgeClosedBefore(old(30), 1)).to.equal(1);
    expect(await repo().findById(expired.id), 'the oldest goes first').to.equal(null);
    expect(await repo().purgeClosedBefore(old(30), 10)).to.equal(1);
    expect(await repo().findById(converted.id)).to.equal(null);
    expect(await repo().purgeClosedBefore(old(30), 10)).to.equal(0);
    expect((await repo().findById(recent.id))?.status).to.equal('expired');
    expect((await repo().findById(active.id))?.status).to.equal('active');
  });

  ctx.itIsolation('when a transaction that saved a cart fails, then the cart is as it was', async () => {
    const c = customerCart(customer());
    await repo().create(c);
    const v = c.version;
    c.addLine(line(), at(1));
    await uow().transaction(async () => {
      expect(await repo().save(c, v)).to.equal(true);
      throw new Error('rolled back');
    }).catch((err: Error) => expect(err.message).to.equal('rolled back'));
    expect((await repo().findById(c.id))?.lines).to.have.length(0);
  });
});
