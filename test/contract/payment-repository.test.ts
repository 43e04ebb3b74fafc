import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { forEachBackend } from '../helpers/databases.js';
import { createRepositories } from '../../infra/db/index.js';
import { Payment } from '../../domain/ordering/payment.js';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, s));
const make = (over: { orderId?: string; checkoutId?: string; s?: number; method?: 'card' | 'cash' } = {}) =>
  Payment.create({
    id: randomUUID(), orderId: over.orderId ?? `order-${randomUUID()}`, checkoutId: over.checkoutId ?? `co-${randomUUID()}`, customerId: 'cust-1', storeId: 'store-1',
    method: over.method ?? 'card', amountMinor: 123_456_789_012, currency: 'SYP', at: at(over.s ?? 0),
  });

forEachBackend('PaymentRepository contract', (ctx) => {
  const repos = () => createRepositories(ctx.store);

  it('when a payment is created, then it reads back field for field by id, by order and by provider reference; unknown ones read as null', async () => {
    const p = make();
    p.authorize(`pi_${randomUUID()}`, at(1));
    expect((await repos().payments.create(p)).created).to.equal(true);
    for (const found of [await repos().payments.findById(p.id), await repos().payments.findByOrderId(p.orderId), await repos().payments.findByProviderRef(p.providerRef!)]) {
      expect(found?.toProps()).to.deep.equal(p.toProps());
    }
    expect(await repos().payments.findById(randomUUID())).to.equal(null);
    expect(await repos().payments.findByOrderId('order-none')).to.equal(null);
    expect(await repos().payments.findByProviderRef('pi_none')).to.equal(null);
  });

  it('when a second payment is created for the same order, then nothing is written and the first is answered', async () => {
    const first = make();
    await repos().payments.create(first);
    const second = make({ orderId: first.orderId });
    const r = await repos().payments.create(second);
    expect(r.created).to.equal(false);
    expect(r.payment.id).to.equal(first.id);
    expect(await repos().payments.findById(second.id)).to.equal(null);
  });

  it('when 6 creates race for one order, then exactly one is created and all answer the same payment', async () => {
    const orderId = `order-${randomUUID()}`;
    const results = await Promise.all(Array.from({ length: 6 }, () => repos().payments.create(make({ orderId }))));
    expect(results.filter((r) => r.created)).to.have.length(1);
    expect(new Set(results.map((r) => r.payment.id)).size).to.equal(1);
  });

  it('when saved with the current version, then status, money, refunds and timeline are stored; with a stale version, then refused', async () => {
    const p = make();
    await repos().payments.create(p);
    const stale = (await repos().payments.findById(p.id))!;
    p.authorize('pi_save_' + p.id, at(1));
    p.capture(p.amountMinor, at(2));
    expect(await repos().payments.save(p, stale.version + 7), 'a version that was never stored').to.equal(false);
    expect(await repos().payments.save(p, stale.version)).to.equal(true);
    const v = p.version;
    p.refund({ id: 'r1', amountMinor: 1_000, reason: 'missing item', providerRef: 're_1', key: 'k1', actor: { id: 'adm-1', role: 'admin' } }, at(3));
    expect(await repos().payments.save(p, v)).to.equal(true);
    expect((await repos().payments.findById(p.id))?.toProps()).to.deep.equal(p.toProps());
    stale.void(at(4));
    expect(await repos().payments.save(stale, 1), 'a lost update is refused').to.equal(false);
    expect((await repos().payments.findById(p.id))?.status).to.equal('partially_refunded');
  });

  it("when a checkout's payments are listed, then they come oldest first and only that checkout's", async () => {
    const checkoutId = `co-${randomUUID()}`;
    const b = make({ checkoutId, s: 5 });
    const a = make({ checkoutId, s: 1 });
    await repos().payments.create(b);
    await repos().payments.create(a);
    await repos().payments.create(make());
    expect((await repos().payments.listByCheckout(checkoutId)).map((p) => p.id)).to.deep.equal([a.id, b.id]);
  });

  it('when a payment is created inside a transaction that rolls back, then it is not there', async () => {
    const p = make();
    await repos().unitOfWork.transaction(async () => {
      await repos().payments.create(p);
      throw new Error('rollback');
    }).catch(() => undefined);
    expect(await repos().payments.findById(p.id)).to.equal(null);
  });

  it('when two payments would share a provider reference, then the second write fails and the first keeps it', async () => {
    const ref = `pi_dup_${randomUUID()}`;
    const a = make();
    a.authorize(ref, at(1));
    await repos().payments.create(a);
    const b = make();
    b.authorize(ref, at(1));
    let failed = false;
    await repos().payments.create(b).catch(() => (failed = true));
    expect(failed).to.equal(true);
    expect((await repos().payments.findByProviderRef(ref))?.id).to.equal(a.id);
  });
});
