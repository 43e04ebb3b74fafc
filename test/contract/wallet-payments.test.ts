import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { forEachBackend } from '../helpers/databases.js';
import { ledgerWorld, type LedgerWorld } from '../helpers/ledger.js';
import { checkoutOf } from '../helpers/orders.js';
import { createRepositories, type Repositories } from '../../infra/db/index.js';
import { CashPayments, RoutedPaymentGateway, UnavailablePayments, WalletPaymentGateway } from '../../infra/providers/cash-payments.js';
import { AuthorizePayment } from '../../domain/ordering/use-cases/authorize-payment.js';
import { PlaceOrders } from '../../domain/ordering/use-cases/place-orders.js';
import { WalletPayments } from '../../domain/finance/use-cases/wallet-payments.js';
import { OrderMoneyFlows } from '../../domain/finance/use-cases/order-flows.js';
import { accountIdFor } from '../../domain/finance/use-cases/open-account.js';
import { balanceOf } from '../../domain/finance/model.js';
import { pageRequest } from '../../domain/shared/pagination.js';
import { uuidIds } from '../../domain/shared/ids.js';

/**
 * The wallet checkout's money step on every backend, through the real use cases: each attempt
 * holds the payment (no provider for a wallet), then in ONE transaction places the order and
 * records the payment, which reserves the total in the wallet (what PlaceCheckout's transaction does).
 */
forEachBackend('Wallet payments (checkout reservation, expiry)', (ctx) => {
  let w: LedgerWorld;
  let repos: Repositories;
  let authorize: AuthorizePayment;
  let placeOrders: PlaceOrders;
  let flows: OrderMoneyFlows;
  before(async () => {
    w = await ledgerWorld(ctx.store);
    repos = createRepositories(ctx.store);
    const walletFunds = new WalletPayments({ transfers: w.transfers, openAccount: w.openAccount, liveSettings: w.settings });
    const paymentGateway = new RoutedPaymentGateway({ card: new UnavailablePayments('card', 'not in this test'), cash: new CashPayments(), wallet: new WalletPaymentGateway() });
    authorize = new AuthorizePayment({ payments: repos.payments, unitOfWork: repos.unitOfWork, outbox: repos.outbox, clock: w.clock, ids: uuidIds, paymentGateway, walletFunds, logger: pino({ level: 'silent' }) });
    placeOrders = new PlaceOrders({ orders: repos.orders, outbox: repos.outbox, unitOfWork: repos.unitOfWork, ids: uuidIds, clock: w.clock });
    flows = new OrderMoneyFlows(w.flowDeps);
  });
  after(async () => {
    await w?.close();
  });

  async function fund(customerId: string, amountMinor: number): Promise<void> {
    const wallet = await w.open('customer_wallet', customerId);
    const card = await w.open('gateway_clearing', 'card');
    await w.transfers.one({ id: `fund:${randomUUID()}`, debitAccountId: card.id, creditAccountId: wallet.id, amountMinor, currency: 'SYP', code: 'wallet_top_up', reference: `customer:${customerId}` });
  }
  /** One wallet checkout of one order: answers the order id, or the refusal's code. */
  async function checkOut(customerId: string, storeId: string, totalMinor: number): Promise<{ orderId: string } | { code: string }> {
    const input = checkoutOf(customerId, [storeId], { paymentMethod: 'wallet', stores: [{ orderId: randomUUID(), deliveryFeeMinor: 0, vatMinor: 0, lines: [{ variantId: 'v', productId: 'p', name: { ar: 'خبز', en: 'Bread' }, unitPriceMinor: totalMinor, quantity: 1, lineTotalMinor: totalMinor }] }] });
    const orderId = input.stores[0]!.orderId!;
    try {
      const held = await authorize.hold({ orderId, checkoutId: input.checkoutId, customerId, storeId, method: 'wallet', amountMinor: totalMinor, currency: 'SYP', idempotencyKey: `k:${orderId}` });
      const number = await repos.orders.nextNumber(w.clock.now()); // drawn before the transaction, as the checkout does
      await repos.unitOfWork.transaction(async () => {
        await placeOrders.execute({ ...input, stores: [{ ...input.stores[0]!, number }] });
        await authorize.record(held);
      });
      return { orderId };
    } catch (err) {
      return { code: (err as { code?: string }).code ?? String(err) };
    }
  }
  const walletOf = async (customerId: string) => (await w.ledger.findAccount(accountIdFor('customer_wallet', customerId)))!;

  ctx.itIsolation('when 50 checkouts spend one wallet at once, then exactly as many as it can pay succeed, the rest are refused WALLET_INSUFFICIENT_FUNDS with no order or payment, and it is never overdrawn', async () => {
    const customerId = `cust-${randomUUID()}`;
    const storeId = `store-${randomUUID().slice(0, 8)}`;
    await fund(customerId, 1_000_000);
    const results = await Promise.all(Array.from({ length: 50 }, () => checkOut(customerId, storeId, 30_000)));
    const placed = results.filter((r): r is { orderId: string } => 'orderId' in r);
    const refused = results.filter((r): r is { code: string } => 'code' in r);
    expect(placed, JSON.stringify(refused.slice(0, 2))).to.have.length(33); // 33 × 30,000 = 990,000 ≤ 1,000,000 < 34 × 30,000
    expect([...new Set(refused.map((r) => r.code))]).to.deep.equal(['WALLET_INSUFFICIENT_FUNDS']);
    const wallet = await walletOf(customerId);
    expect(wallet.debitsPending + wallet.debitsPosted, 'never overdrawn').to.be.at.most(wallet.creditsPosted);
    expect(balanceOf(wallet)).to.deep.equal({ posted: 1_000_000, pending: -990_000, available: 10_000 });
    const orders = (await repos.orders.list({ customerId }, pageRequest(1, 100))).items;
    expect(orders.map((o) => o.id).sort()).to.deep.equal(placed.map((p) => p.orderId).sort());
    for (const p of placed) expect((await repos.payments.findByOrderId(p.orderId))?.toProps()).to.deep.include({ method: 'wallet', status: 'authorized' });
    for (const r of results.filter((x) => 'code' in x)) expect(r).to.not.have.property('orderId');
  });

  it('when a wallet order never ends, then its hold expires after finance.walletHoldSeconds and the money is spendable again; a late cancellation writes nothing, a late delivery is paid from the wallet', async () => {
    const customerId = `cust-${randomUUID()}`;
    const storeId = `store-${randomUUID().slice(0, 8)}`;
    await fund(customerId, 100_000);
    const first = await checkOut(customerId, storeId, 60_000);
    const second = await checkOut(customerId, storeId, 30_000);
    expect('orderId' in first && 'orderId' in second).to.equal(true);
    expect(balanceOf(await walletOf(customerId)).available).to.equal(10_000);
    w.clock.advance(w.settings.get('finance.walletHoldSeconds') + 1);
    expect(await w.expire.execute()).to.be.at.least(2);
    expect(balanceOf(await walletOf(customerId))).to.deep.equal({ posted: 100_000, pending: 0, available: 100_000 });
    const order = (id: string, total: number) => ({ orderId: id, storeId, customerId, method: 'wallet' as const, subtotalMinor: total, deliveryFeeMinor: 0, vatMinor: 0, totalMinor: total, lines: [], placedAt: w.clock.now().toISOString() });
    expect(await flows.release(order((first as { orderId: string }).orderId, 60_000)), 'nothing left to release').to.deep.equal([]);
    const settled = await flows.settleDelivered(order((second as { orderId: string }).orderId, 30_000), `courier-${randomUUID().slice(0, 8)}`);
    expect(settled.transfers[0]!.transfer).to.deep.include({ id: `${(second as { orderId: string }).orderId}:settle`, kind: 'posted', amountMinor: 30_000 });
    expect(balanceOf(await walletOf(customerId))).to.deep.equal({ posted: 70_000, pending: 0, available: 70_000 });
    const totals = await w.ledger.totals();
    expect(totals.debitsPosted).to.equal(totals.creditsPosted);
  });
});
