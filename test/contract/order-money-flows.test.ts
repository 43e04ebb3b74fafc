import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { forEachBackend } from '../helpers/databases.js';
import { ledgerWorld, type LedgerWorld } from '../helpers/ledger.js';
import { OrderMoneyFlows, type SettlementOrder } from '../../domain/finance/use-cases/order-flows.js';
import { accountIdFor } from '../../domain/finance/use-cases/open-account.js';
import { balanceOf } from '../../domain/finance/model.js';
import { CommissionRule, type CommissionScope } from '../../domain/finance/commission-rule.js';
import { createRepositories, type Repositories } from '../../infra/db/index.js';

/**
 * The order money flows on the real ledger, every backend: balances asserted to the minor unit.
 * An order: lines of 60,000 (category food) and 40,000 (no category), delivery fee 10,000, VAT 0:
 * total 110,000. Rules: default 10 % (the one migration 0211 imported from the setting's default),
 * food 5 %: commission 3,000 + 4,000 = 7,000. The platform's cut of the fee is 20 % (the default):
 * 2,000; the courier earns 8,000. The store is owed 110,000 − 7,000 − 10,000 = 93,000; the platform
 * earns 9,000.
 */
forEachBackend('Order money flows', (ctx) => {
  let w: LedgerWorld;
  let flows: OrderMoneyFlows;
  let repos: Repositories;
  const rule = (id: string, scope: CommissionScope, amounts: { rateBps?: number; fixedMinor?: number }, effectiveFrom = '2025-01-01T00:00:00.000Z') =>
    CommissionRule.create({ id, scope, ...amounts, effectiveFrom, changedBy: 'test-admin' }, new Date('2025-01-01T00:00:00.000Z'));
  before(async () => {
    w = await ledgerWorld(ctx.store);
    repos = createRepositories(ctx.store);
    flows = new OrderMoneyFlows(w.flowDeps);
    await repos.commissions.insertRule(rule('r-food', { type: 'category', id: 'food' }, { rateBps: 500 }));
    await repos.commissions.insertRule(rule('r-store-fixed', { type: 'store', id: 'store-fixed' }, { fixedMinor: 750 }));
    await repos.commissions.insertRule(rule('r-store-fixed-b', { type: 'store', id: 'store-fixed-b' }, { fixedMinor: 750 }));
  });
  after(async () => {
    await w?.close();
  });

  const order = (method: SettlementOrder['method'], storeId = `store-${randomUUID().slice(0, 8)}`): SettlementOrder => ({
    orderId: randomUUID(), storeId, customerId: `cust-${randomUUID().slice(0, 8)}`, method, subtotalMinor: 100_000, deliveryFeeMinor: 10_000, vatMinor: 0, totalMinor: 110_000,
    lines: [
      { variantId: 'v1', productId: 'p1', categoryId: 'food', lineTotalMinor: 60_000 },
      { variantId: 'v2', productId: 'p2', categoryId: null, lineTotalMinor: 40_000 },
    ],
    placedAt: w.clock.now().toISOString(),
  });
  const posted = async (kind: Parameters<typeof accountIdFor>[0], owner: string) => {
    const a = await w.ledger.findAccount(accountIdFor(kind, owner));
    return a ? balanceOf(a).posted : 0;
  };
  async function balances(o: SettlementOrder, courier: string) {
    return {
      store: await posted('store_payable', o.storeId), courier: await posted('courier_earnings', courier), wallet: await posted('customer_wallet', o.customerId),
      cash: await posted('courier_cash_in_hand', courier),
    };
  }
  const revenue = () => posted('platform_revenue', 'platform');
  const card = () => posted('gateway_clearing', 'card');

  it('when a card order is settled, then each line keeps its commission line (rule, rate, base, amount) and the settlement posts exactly their sum', async () => {
    const o = order('card');
    const rev0 = await revenue();
    const settled = await flows.settleDelivered(o, `courier-${randomUUID().slice(0, 8)}`);
    const stored = await repos.commissions.orderLines(o.orderId);
    expect(stored.map((l) => [l.lineIndex, l.ruleId, l.scope, l.rateBps, l.fixedMinor, l.baseMinor, l.commissionMinor])).to.deep.equal([
      [0, 'r-food', 'category:food', 500, null, 60_000, 3_000],
      [1, 'setting:default', 'default', 1_000, null, 40_000, 4_000],
    ]);
    expect(settled.commission).to.deep.equal(stored);
    const posted = (await w.ledger.transfersByReference(`order:${o.orderId}`)).filter((t) => t.code === 'order_commission');
    expect(posted.reduce((n, t) => n + t.amountMinor, 0)).to.equal(7_000);
    expect(await revenue() - rev0).to.equal(7_000 + 2_000);
  });

  it('when the rules change after an order was settled, then its stored lines and postings stay as they were; a later order gets the new rule', async () => {
    const o = order('card', `store-${randomUUID().slice(0, 8)}`);
    await flows.settleDelivered(o, 'courier-x');
    const before = await repos.commissions.orderLines(o.orderId);
    const food = (await repos.commissions.findRule('r-food'))!;
    const v = food.version;
    food.change({ rateBps: 2_500 }, 'test-admin', new Date());
    expect(await repos.commissions.updateRule(food, v)).to.equal(true);
    try {
      const again = await flows.settleDelivered(o, 'courier-x');
      expect(again.transfers.every((t) => !t.created), 'a redelivered settlement writes nothing').to.equal(true);
      expect(await repos.commissions.orderLines(o.orderId)).to.deep.equal(before);
      const later = order('card', o.storeId);
      expect((await flows.settleDelivered(later, 'courier-x')).commission.map((l) => l.commissionMinor)).to.deep.equal([15_000, 4_000]);
    } finally {
      const now = (await repos.commissions.findRule('r-food'))!;
      const nv = now.version;
      now.change({ rateBps: 500 }, 'test-admin', new Date());
      await repos.commissions.updateRule(now, nv);
    }
  });

  it('when a store rule is fixed, then it wins over category and default, is per line and never more than the line', async () => {
    const o = { ...order('card', 'store-fixed-b'), lines: [{ variantId: 'v', productId: 'p', categoryId: 'food', lineTotalMinor: 60_000 }, { variantId: 'w', productId: 'q', categoryId: null, lineTotalMinor: 500 }] };
    const { commission } = await flows.settleDelivered({ ...o, subtotalMinor: 60_500, totalMinor: 70_500 }, 'courier-y');
    expect(commission.map((l) => [l.scope, l.fixedMinor, l.commissionMinor])).to.deep.equal([['store:store-fixed-b', 750, 750], ['store:store-fixed-b', 750, 500]]);
  });

  it('when a card order is captured and delivered, then store, courier, platform and wallet end to the minor unit, and a redelivered event changes nothing', async () => {
    const o = order('card');
    const courier = `courier-${randomUUID().slice(0, 8)}`;
    const [rev0, card0] = [await revenue(), await card()];
    await flows.hold(o);
    expect(await balances(o, courier)).to.deep.include({ wallet: 110_000, store: 0 });
    expect(balanceOf((await w.ledger.findAccount(accountIdFor('customer_wallet', o.customerId)))!).available, 'held for the order').to.equal(0);
    const settled = await flows.settleDelivered(o, courier);
    expect(settled.commission.map((c) => c.commissionMinor)).to.deep.equal([3_000, 4_000]);
    const expected = { store: 93_000, courier: 8_000, wallet: 0, cash: 0 };
    expect(await balances(o, courier)).to.deep.equal(expected);
    expect([await revenue() - rev0, await card() - card0]).to.deep.equal([9_000, -110_000]);
    const again = await flows.settleDelivered(o, courier);
    expect(again.transfers.every((t) => !t.created)).to.equal(true);
    expect(await balances(o, courier)).to.deep.equal(expected);
    expect(await revenue() - rev0).to.equal(9_000);
  });

  it('when a delivered card order is refunded, then every posting is reversed exactly and the money is back at the card; a second refund changes nothing', async () => {
    const o = order('card');
    const courier = `courier-${randomUUID().slice(0, 8)}`;
    const [rev0, card0] = [await revenue(), await card()];
    await flows.settleDelivered(o, courier);
    const whole = [{ id: randomUUID(), amountMinor: 110_000, destination: 'original' as const }];
    expect((await flows.refund(o, whole)).length).to.be.greaterThan(0);
    expect(await flows.refund(o, whole), 'the same refund again writes nothing').to.deep.equal([]);
    expect(await balances(o, courier)).to.deep.equal({ store: 0, courier: 0, wallet: 0, cash: 0 });
    expect([await revenue() - rev0, await card() - card0]).to.deep.equal([0, 0]);
    const t = await w.ledger.totals();
    expect(t.debitsPosted).to.equal(t.creditsPosted);
  });

  it('when a wallet order is cancelled, then its hold is released; when the next is delivered, then the wallet pays exactly the total', async () => {
    const first = order('wallet');
    const courier = `courier-${randomUUID().slice(0, 8)}`;
    const wallet = await w.open('customer_wallet', first.customerId);
    const gw = await w.open('gateway_clearing', 'card');
    await w.transfers.one({ id: `topup-${first.orderId}`, debitAccountId: gw.id, creditAccountId: wallet.id, amountMinor: 200_000, currency: 'SYP', code: 'wallet_top_up', reference: `payment:${first.orderId}` });
    await flows.hold(first);
    expect(balanceOf((await w.ledger.findAccount(wallet.id))!).available).to.equal(90_000);
    await flows.release(first);
    expect(balanceOf((await w.ledger.findAccount(wallet.id))!)).to.deep.equal({ posted: 200_000, pending: 0, available: 200_000 });
    const second = { ...order('wallet'), customerId: first.customerId };
    await flows.hold(second);
    await flows.settleDelivered(second, courier);
    expect(await balances(second, courier)).to.deep.equal({ store: 93_000, courier: 8_000, wallet: 90_000, cash: 0 });
    expect(await w.ledger.findAccount(wallet.id)).to.include({ debitsPending: 0 });
  });

  it('when a cash order is delivered, then the courier owes the total in cash and the store is owed its part; a refund goes to the wallet and the cash stays owed', async () => {
    const o = order('cash', 'store-fixed');
    const courier = `courier-${randomUUID().slice(0, 8)}`;
    const rev0 = await revenue();
    await flows.settleDelivered(o, courier);
    // The store's fixed rule: 750 per line.
    expect(await balances(o, courier)).to.deep.equal({ store: 110_000 - 1_500 - 10_000, courier: 8_000, wallet: 0, cash: -110_000 });
    expect(await revenue() - rev0).to.equal(1_500 + 2_000);
    await flows.refund(o, [{ id: randomUUID(), amountMinor: 110_000, destination: 'wallet' }]);
    expect(await balances(o, courier)).to.deep.equal({ store: 0, courier: 0, wallet: 110_000, cash: -110_000 });
    expect(await revenue() - rev0).to.equal(0);
  });

  describe('partial refunds', () => {
    const refund = (amountMinor: number, destination: 'original' | 'wallet' = 'original') => ({ id: randomUUID(), amountMinor, destination });

    it('when a delivered card order is refunded in three parts (card, wallet, card), then each reverses its share of goods first, commission by cumulative round-down, and the last lands every account exactly', async () => {
      const o = order('card');
      const courier = `courier-${randomUUID().slice(0, 8)}`;
      const [rev0, card0] = [await revenue(), await card()];
      await flows.settleDelivered(o, courier);
      const [r1, r2, r3] = [refund(25_000), refund(33_333, 'wallet'), refund(51_667)];
      await flows.refund(o, [r1]);
      // Goods 100,000: 25 % of the lines' commission (3,000 and 4,000) comes back: 750 + 1,000; the fee is untouched.
      expect(await balances(o, courier)).to.deep.equal({ store: 93_000 - 25_000 + 1_750, courier: 8_000, wallet: 0, cash: 0 });
      expect([await revenue() - rev0, await card() - card0]).to.deep.equal([9_000 - 1_750, -110_000 + 25_000]);
      await flows.refund(o, [r1, r2]);
      // Cumulative 58,333: floor(3,000 × 0.58333) = 1,749 and floor(4,000 × 0.58333) = 2,333, so this refund reverses 999 + 1,333.
      expect(await balances(o, courier)).to.deep.equal({ store: 69_750 - 33_333 + 2_332, courier: 8_000, wallet: 33_333, cash: 0 });
      expect([await revenue() - rev0, await card() - card0]).to.deep.equal([7_250 - 2_332, -85_000]);
      await flows.refund(o, [r1, r2, r3]);
      // The rest: goods 41,667 and the whole fee; commission 1,251 + 1,667, the courier's 8,000 and the cut 2,000.
      expect(await balances(o, courier)).to.deep.equal({ store: 0, courier: 0, wallet: 33_333, cash: 0 });
      expect([await revenue() - rev0, await card() - card0]).to.deep.equal([0, -33_333]);
      const ofOrder = await w.ledger.transfersByReference(`order:${o.orderId}`);
      expect(ofOrder.filter((t) => t.id.startsWith(`refund:${r3.id}:`)).map((t) => [t.id.slice(r3.id.length + 8), t.amountMinor]).sort()).to.deep.equal([
        ['card_refund', 51_667], ['commission:0', 1_251], ['commission:1', 1_667], ['courier_fee', 8_000], ['fee_cut', 2_000], ['to_customer', 51_667],
      ]);
      expect(await flows.refund(o, [r1, r2, r3]), 'redelivered: nothing twice').to.deep.equal([]);
      const t = await w.ledger.totals();
      expect(t.debitsPosted).to.equal(t.creditsPosted);
    });

    it('when a refund is made before delivery, then nothing is written until the settlement, and then it is mirrored once', async () => {
      const o = order('card');
      const courier = `courier-${randomUUID().slice(0, 8)}`;
      const r = refund(10_000);
      await flows.hold(o);
      expect(await flows.refund(o, [r])).to.deep.equal([]);
      await flows.settleDelivered(o, courier);
      await flows.refund(o, [r]);
      expect(await balances(o, courier)).to.deep.equal({ store: 93_000 - 10_000 + 300 + 400, courier: 8_000, wallet: 0, cash: 0 });
    });

    it('when a cash order is refunded in part, then the wallet gets the part, the store gives it back less its commission share, and the courier still owes all the cash', async () => {
      const o = order('cash', 'store-fixed');
      const courier = `courier-${randomUUID().slice(0, 8)}`;
      await flows.settleDelivered(o, courier);
      await flows.refund(o, [refund(10_000, 'wallet')]);
      // Commission 750 per line: 10 % of the goods back is 75 each.
      expect(await balances(o, courier)).to.deep.equal({ store: 98_500 - 10_000 + 150, courier: 8_000, wallet: 10_000, cash: -110_000 });
    });

    it('when the store and the courier were paid out before a full refund, then the platform absorbs what their accounts no longer hold and neither goes below zero', async () => {
      const o = order('card');
      const courier = `courier-${randomUUID().slice(0, 8)}`;
      const [rev0, card0] = [await revenue(), await card()];
      await flows.settleDelivered(o, courier);
      const clearing = await w.open('payouts_clearing', 'platform');
      await w.transfers.execute([
        { id: `payout-s-${o.orderId}`, debitAccountId: accountIdFor('store_payable', o.storeId), creditAccountId: clearing.id, amountMinor: 90_000, currency: 'SYP', code: 'payout', reference: 'payout:s' },
        { id: `payout-c-${o.orderId}`, debitAccountId: accountIdFor('courier_earnings', courier), creditAccountId: clearing.id, amountMinor: 8_000, currency: 'SYP', code: 'payout', reference: 'payout:c' },
      ]);
      await flows.refund(o, [refund(50_000), refund(60_000)]);
      expect(await balances(o, courier)).to.deep.equal({ store: 0, courier: 0, wallet: 0, cash: 0 });
      const shortfalls = (await w.ledger.transfersByReference(`order:${o.orderId}`)).filter((t) => t.code === 'refund_shortfall');
      expect(shortfalls.reduce((n, t) => n + t.amountMinor, 0)).to.equal(90_000 + 8_000);
      expect([await revenue() - rev0, await card() - card0]).to.deep.equal([-98_000, 0]);
    });
  });
});
