import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { forEachBackend } from '../helpers/databases.js';
import { ledgerWorld, type LedgerWorld } from '../helpers/ledger.js';
import { OrderMoneyFlows, type OrderRefund, type SettlementOrder } from '../../domain/finance/use-cases/order-flows.js';
import { accountIdFor } from '../../domain/finance/use-cases/open-account.js';
import { balanceOf, type OwnerKind } from '../../domain/finance/model.js';
import { CommissionRule } from '../../domain/finance/commission-rule.js';
import { createRepositories } from '../../infra/db/index.js';

/**
 * Partial refunds, property-tested on the real ledger of every backend: random orders (card, wallet,
 * cash; 1–3 lines under two commission rules; any delivery fee and VAT) of one store, each settled and
 * then refunded in random parts to random destinations with random payouts of the store and the courier
 * in between, and a final refund of whatever is left. After every step:
 * - posted debits = posted credits, and pending alike, across the ledger;
 * - what went back to the customer never passes the order's total;
 * - the store's payable = Σ (goods − commission) − Σ (goods refunded − commission reversed) − payouts +
 *   what the platform absorbed (the "Σ (order total − commission) − refunds − payouts", with the
 *   delivery fee passed through to the courier and the platform, and the absorbed shortfall made visible),
 *   where the commission reversed is worked out here on its own: each line's commission × goods refunded
 *   so far ÷ goods, rounded down;
 * - no flagged account is ever below zero, and the platform absorbs only what the store could not pay.
 * After everything is refunded, every account of the orders is where it was before them, except what
 * docs/finance.md says stays: the cash a courier collected (still owed), refunds kept in the wallet (and
 * so not back at the card), and the payouts the platform absorbed.
 */

interface Plan {
  method: SettlementOrder['method'];
  lines: { amount: number; food: boolean }[];
  feeMinor: number;
  vatMinor: number;
  /** Fractions (thousandths) of what is left, each a refund before the last; then the last refunds the rest. */
  parts: { permille: number; toWallet: boolean; payoutPermille: number }[];
}

const plan: fc.Arbitrary<Plan> = fc.record({
  method: fc.constantFrom('card' as const, 'wallet' as const, 'cash' as const),
  lines: fc.array(fc.record({ amount: fc.integer({ min: 1, max: 60_000 }), food: fc.boolean() }), { minLength: 1, maxLength: 3 }),
  feeMinor: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 15_000 })),
  vatMinor: fc.integer({ min: 0, max: 5_000 }),
  parts: fc.array(fc.record({ permille: fc.integer({ min: 1, max: 999 }), toWallet: fc.boolean(), payoutPermille: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1_000 })) }), { maxLength: 4 }),
});

forEachBackend('Partial refunds (property)', (ctx) => {
  let w: LedgerWorld;
  let flows: OrderMoneyFlows;
  const category = `cat-${randomUUID().slice(0, 8)}`;
  before(async () => {
    w = await ledgerWorld(ctx.store);
    flows = new OrderMoneyFlows(w.flowDeps);
    // An odd rate and a fixed part, so that shares round.
    await createRepositories(ctx.store).commissions.insertRule(CommissionRule.create({ id: `r-${category}`, scope: { type: 'category', id: category }, rateBps: 777, fixedMinor: 13, effectiveFrom: '2025-01-01T00:00:00.000Z', changedBy: 'test' }, new Date('2025-01-01T00:00:00.000Z')));
  });
  after(async () => {
    await w?.close();
  });

  const posted = async (kind: OwnerKind, owner: string) => {
    const a = await w.ledger.findAccount(accountIdFor(kind, owner));
    return a ? balanceOf(a).posted : 0;
  };
  const available = async (kind: OwnerKind, owner: string) => {
    const a = await w.ledger.findAccount(accountIdFor(kind, owner));
    return a ? balanceOf(a).available : 0;
  };
  const sumOf = (ts: { amountMinor: number }[]) => ts.reduce((n, t) => n + t.amountMinor, 0);

  it('when orders are refunded in random parts with payouts between, then the ledger balances, the store payable follows its formula after every step, and a full refund puts every account back', async function () {
    this.timeout(120_000);
    await fc.assert(fc.asyncProperty(fc.array(plan, { minLength: 1, maxLength: 2 }), async (plans) => {
      const storeId = `store-${randomUUID().slice(0, 8)}`;
      const courier = `courier-${randomUUID().slice(0, 8)}`;
      const customer = `cust-${randomUUID().slice(0, 8)}`;
      const clearing = (await w.open('payouts_clearing', 'platform')).id;
      const [rev0, card0] = [await posted('platform_revenue', 'platform'), await posted('gateway_clearing', 'card')];
      const topUp = sumOf(plans.filter((p) => p.method === 'wallet').map((p) => ({ amountMinor: p.lines.reduce((n, l) => n + l.amount, 0) + p.feeMinor + p.vatMinor })));
      if (topUp > 0) {
        await w.transfers.one({ id: `topup-${customer}`, debitAccountId: (await w.open('gateway_clearing', 'card')).id, creditAccountId: (await w.open('customer_wallet', customer)).id, amountMinor: topUp, currency: 'SYP', code: 'wallet_top_up', reference: `top_up:${customer}` });
      }
      let storePayouts = 0;
      let courierPayouts = 0;
      let payoutSeq = 0;
      let toWalletOfCard = 0;
      const state = plans.map((p) => {
        const o: SettlementOrder = {
          orderId: randomUUID(), storeId, customerId: customer, method: p.method,
          subtotalMinor: p.lines.reduce((n, l) => n + l.amount, 0), deliveryFeeMinor: p.feeMinor, vatMinor: p.vatMinor,
          totalMinor: p.lines.reduce((n, l) => n + l.amount, 0) + p.feeMinor + p.vatMinor,
          lines: p.lines.map((l, i) => ({ variantId: `v${i}`, productId: `p${i}`, categoryId: l.food ? category : null, lineTotalMinor: l.amount })),
          placedAt: w.clock.now().toISOString(),
        };
        return { p, o, commission: [] as number[], refunds: [] as OrderRefund[] };
      });
      for (const s of state) {
        await flows.hold(s.o);
        const settled = await flows.settleDelivered(s.o, courier);
        s.commission = settled.commission.map((c) => c.commissionMinor);
      }

      const payout = async (permille: number) => {
        const store = Math.floor((await available('store_payable', storeId)) * permille / 1_000);
        const earned = Math.floor((await available('courier_earnings', courier)) * permille / 1_000);
        payoutSeq += 1;
        if (store > 0) await w.transfers.one({ id: `payout-${storeId}-${payoutSeq}`, debitAccountId: accountIdFor('store_payable', storeId), creditAccountId: clearing, amountMinor: store, currency: 'SYP', code: 'payout', reference: `payout:${storeId}` });
        if (earned > 0) await w.transfers.one({ id: `payout-${courier}-${payoutSeq}`, debitAccountId: accountIdFor('courier_earnings', courier), creditAccountId: clearing, amountMinor: earned, currency: 'SYP', code: 'payout', reference: `payout:${courier}` });
        storePayouts += store;
        courierPayouts += earned;
      };
      // What the platform absorbed for the account and has not taken back (a later refund that gives the store more than it pays repays it first).
      const absorbedBy = async (kind: OwnerKind, owner: string) => {
        const ofOrders = (await Promise.all(state.map((s) => w.ledger.transfersByReference(`order:${s.o.orderId}`)))).flat();
        const account = accountIdFor(kind, owner);
        return sumOf(ofOrders.filter((t) => t.code === 'refund_shortfall' && t.creditAccountId === account)) - sumOf(ofOrders.filter((t) => t.code === 'refund_shortfall_recovered' && t.debitAccountId === account));
      };
      const check = async () => {
        const totals = await w.ledger.totals();
        expect(totals.debitsPosted, 'Σ posted debits = Σ posted credits').to.equal(totals.creditsPosted);
        expect(totals.debitsPending, 'Σ pending debits = Σ pending credits').to.equal(totals.creditsPending);
        let expected = 0;
        for (const s of state) {
          const ofOrder = await w.ledger.transfersByReference(`order:${s.o.orderId}`);
          const refunded = sumOf(s.refunds);
          expect(sumOf(ofOrder.filter((t) => t.id.endsWith(':to_customer'))), 'refunds mirrored as recorded').to.equal(refunded);
          expect(refunded, 'Σ refunds ≤ total').to.be.at.most(s.o.totalMinor);
          const goods = s.o.totalMinor - s.o.deliveryFeeMinor;
          const goodsRefunded = Math.min(refunded, goods);
          const commission = s.commission.reduce((n, c) => n + c, 0);
          const reversed = s.commission.reduce((n, c) => n + Math.floor((c * goodsRefunded) / goods), 0);
          expected += goods - commission - (goodsRefunded - reversed);
        }
        const absorbed = await absorbedBy('store_payable', storeId);
        const store = await posted('store_payable', storeId);
        expect(store, 'store payable = Σ (goods − commission) − Σ (goods refunded − commission reversed) − payouts + absorbed').to.equal(expected - storePayouts + absorbed);
        expect(store).to.be.at.least(0);
        expect(await posted('courier_earnings', courier)).to.be.at.least(0);
      };

      await check();
      for (let k = 0; ; k += 1) {
        const open = state.filter((s) => sumOf(s.refunds) < s.o.totalMinor);
        if (open.length === 0) break;
        const s = open[k % open.length]!;
        const part = s.p.parts[s.refunds.length];
        const left = s.o.totalMinor - sumOf(s.refunds);
        const amountMinor = part ? Math.max(1, Math.floor((left * part.permille) / 1_000)) : left;
        if (part?.payoutPermille) await payout(part.payoutPermille);
        const toWallet = s.o.method !== 'card' || Boolean(part?.toWallet);
        if (s.o.method === 'card' && toWallet) toWalletOfCard += amountMinor;
        s.refunds.push({ id: randomUUID(), amountMinor, destination: toWallet ? 'wallet' : 'original' });
        const absorbedBefore = await absorbedBy('store_payable', storeId);
        await flows.refund(s.o, s.refunds);
        expect(await flows.refund(s.o, s.refunds), 'a redelivered refund writes nothing').to.deep.equal([]);
        await check();
        if (await absorbedBy('store_payable', storeId) > absorbedBefore) expect(await posted('store_payable', storeId), 'the platform absorbs only what the store could not pay').to.equal(0);
      }

      // Everything refunded: every account of the orders is back where it was, but for what stays.
      const cash = sumOf(state.filter((s) => s.o.method === 'cash').map((s) => ({ amountMinor: s.o.totalMinor })));
      const walletKept = sumOf(state.filter((s) => s.o.method === 'cash').map((s) => ({ amountMinor: s.o.totalMinor }))) + toWalletOfCard;
      expect({
        store: await posted('store_payable', storeId), courier: await posted('courier_earnings', courier),
        cashInHand: await posted('courier_cash_in_hand', courier), wallet: await posted('customer_wallet', customer),
        revenue: (await posted('platform_revenue', 'platform')) - rev0, card: (await posted('gateway_clearing', 'card')) - card0,
        absorbed: (await absorbedBy('store_payable', storeId)) + (await absorbedBy('courier_earnings', courier)),
      }).to.deep.equal({
        store: 0, courier: 0, cashInHand: 0 - cash, wallet: topUp + walletKept,
        revenue: 0 - storePayouts - courierPayouts, card: 0 - topUp - toWalletOfCard,
        absorbed: storePayouts + courierPayouts,
      });
    }), {
      numRuns: 10,
      // Found by a random run: a first part charges the store a unit of goods whose commission only the last part
      // reverses (rounded down before), the platform absorbs that unit, and the store must give it back at the end.
      examples: [[[{ method: 'card', lines: [{ amount: 1, food: true }, { amount: 1, food: true }], feeMinor: 0, vatMinor: 0, parts: [{ permille: 1, toWallet: false, payoutPermille: 1 }] }]]],
    });
  });
});
