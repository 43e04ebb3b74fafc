import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { forEachBackend } from '../helpers/databases.js';
import { ledgerWorld, type LedgerWorld } from '../helpers/ledger.js';
import { OrderMoneyFlows, type SettlementOrder } from '../../domain/finance/use-cases/order-flows.js';
import { accountIdFor } from '../../domain/finance/use-cases/open-account.js';
import { balanceOf } from '../../domain/finance/model.js';
import { commissionLines } from '../../domain/finance/commission.js';

/**
 * The order money flows on the real ledger, every backend: balances asserted to the minor unit.
 * An order: lines of 60,000 (category food) and 40,000 (no category), delivery fee 10,000, VAT 0:
 * total 110,000. Rules: marketplace 10 %, food 5 %: commission 3,000 + 4,000 = 7,000. The platform's
 * cut of the fee is 20 % (the default): 2,000; the courier earns 8,000. The store is owed
 * 110,000 − 7,000 − 10,000 = 93,000; the platform earns 9,000.
 */
forEachBackend('Order money flows', (ctx) => {
  let w: LedgerWorld;
  let flows: OrderMoneyFlows;
  let version = 10;
  before(async () => {
    w = await ledgerWorld(ctx.store);
    flows = new OrderMoneyFlows({ transfers: w.transfers, openAccount: w.openAccount, ledger: w.ledger, liveSettings: w.settings });
    w.settings.apply('finance.commissionRules', ++version, [
      { scope: { type: 'marketplace' }, kind: 'percentage', rateBps: 1_000 },
      { scope: { type: 'category', id: 'food' }, kind: 'percentage', rateBps: 500 },
      { scope: { type: 'store', id: 'store-fixed' }, kind: 'fixed', amountMinor: 750 },
    ]);
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

  it('when commission lines are worked out, then the most specific rule wins per line and each line says which and how much', () => {
    const rules = w.settings.get('finance.commissionRules');
    const lines = order('card').lines;
    expect(commissionLines(rules, 'store-any', lines).map((l) => [l.scope, l.commissionMinor])).to.deep.equal([['category:food', 3_000], ['marketplace', 4_000]]);
    expect(commissionLines(rules, 'store-fixed', lines).map((l) => [l.scope, l.kind, l.fixedMinor, l.commissionMinor])).to.deep.equal([['store:store-fixed', 'fixed', 750, 750], ['store:store-fixed', 'fixed', 750, 750]]);
    expect(commissionLines(rules, 's', [{ variantId: 'v', productId: 'p', categoryId: null, lineTotalMinor: 33_333 }])[0]!.commissionMinor, 'rounded down').to.equal(3_333);
    expect(commissionLines(rules, 'store-fixed', [{ variantId: 'v', productId: 'p', categoryId: null, lineTotalMinor: 500 }])[0]!.commissionMinor, 'never above the line').to.equal(500);
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
    await flows.refund(o);
    await flows.refund(o);
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
    await flows.refund(o);
    expect(await balances(o, courier)).to.deep.equal({ store: 0, courier: 0, wallet: 110_000, cash: -110_000 });
    expect(await revenue() - rev0).to.equal(0);
  });
});
