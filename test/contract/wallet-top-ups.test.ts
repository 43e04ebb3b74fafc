import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { forEachBackend } from '../helpers/databases.js';
import { createRepositories } from '../../infra/db/index.js';
import { settleTopUp, type WalletTopUp } from '../../domain/finance/top-up.js';

const AT = '2030-01-02T03:04:05.000Z';
const topUpOf = (customerId: string, key: string = randomUUID(), over: Partial<WalletTopUp> = {}): WalletTopUp => ({
  id: randomUUID(), customerId, amountMinor: 250_000, currency: 'SYP', status: 'pending', idempotencyKey: key,
  providerRef: null, declineCode: null, version: 1, createdAt: AT, updatedAt: AT, ...over,
});

forEachBackend('WalletTopUpRepository contract', (ctx) => {
  const repo = () => createRepositories(ctx.store).walletTopUps;

  it('when a top-up is created, then it reads back the same by id and by (customer, key)', async () => {
    const t = topUpOf(randomUUID());
    expect(await repo().create(t)).to.deep.equal({ topUp: t, created: true });
    expect(await repo().findById(t.id)).to.deep.equal(t);
    expect(await repo().findByKey(t.customerId, t.idempotencyKey)).to.deep.equal(t);
    expect(await repo().findById(randomUUID())).to.equal(null);
    expect(await repo().findByKey(t.customerId, 'other-key')).to.equal(null);
  });

  it('when the same customer creates another top-up with the same key (also concurrently), then one is stored and the first is answered', async () => {
    const customer = randomUUID();
    const key = randomUUID();
    const first = topUpOf(customer, key);
    await repo().create(first);
    const second = topUpOf(customer, key, { amountMinor: 1 });
    const r = await repo().create(second);
    expect(r).to.deep.equal({ topUp: first, created: false });
    expect(await repo().findById(second.id)).to.equal(null);
    const racing = await Promise.all(Array.from({ length: 8 }, () => repo().create(topUpOf(customer, 'raced-key'))));
    expect(racing.filter((x) => x.created)).to.have.length(1);
    expect(new Set(racing.map((x) => x.topUp.id)).size).to.equal(1);
    expect((await repo().listByCustomer(customer, 0, 50)).total).to.equal(2);
  });

  it('when another customer uses the same key, then both top-ups exist', async () => {
    const key = randomUUID();
    const a = topUpOf(randomUUID(), key);
    const b = topUpOf(randomUUID(), key);
    expect((await repo().create(a)).created).to.equal(true);
    expect((await repo().create(b)).created).to.equal(true);
  });

  it('when a top-up is saved at the version read, then it moves and is found by its provider reference; a stale version writes nothing', async () => {
    const t = topUpOf(randomUUID());
    await repo().create(t);
    const read = (await repo().findById(t.id))!;
    const stale = { ...read };
    read.providerRef = `pi_${randomUUID()}`;
    expect(settleTopUp(read, 'captured', new Date('2030-01-02T03:05:00.000Z'))).to.equal(true);
    expect(await repo().save(read, 1)).to.equal(true);
    expect(await repo().findByProviderRef(read.providerRef)).to.deep.equal(read);
    expect(read).to.deep.include({ status: 'captured', version: 2, updatedAt: '2030-01-02T03:05:00.000Z' });
    expect(settleTopUp(stale, 'failed', new Date(), 'card_declined')).to.equal(true);
    expect(await repo().save(stale, 1), 'another change won').to.equal(false);
    expect(await repo().findById(t.id)).to.deep.equal(read);
    expect(settleTopUp(read, 'failed', new Date()), 'a captured top-up never moves again').to.equal(false);
    expect(await repo().findByProviderRef('pi_unknown')).to.equal(null);
  });

  it("when a customer's top-ups are listed, then newest first, paged, and only theirs", async () => {
    const customer = randomUUID();
    const made: WalletTopUp[] = [];
    for (let i = 0; i < 5; i++) {
      const t = topUpOf(customer, undefined, { createdAt: new Date(Date.UTC(2030, 0, 1, 0, i)).toISOString() });
      await repo().create(t);
      made.push(t);
    }
    await repo().create(topUpOf(randomUUID()));
    const first = await repo().listByCustomer(customer, 0, 3);
    expect(first.total).to.equal(5);
    expect(first.topUps.map((t) => t.id)).to.deep.equal([made[4]!.id, made[3]!.id, made[2]!.id]);
    expect((await repo().listByCustomer(customer, 3, 3)).topUps.map((t) => t.id)).to.deep.equal([made[1]!.id, made[0]!.id]);
  });
});
