import { expect } from 'chai';
import { CashPayments, RoutedPaymentGateway, UnavailablePayments, WalletPaymentGateway } from '../../infra/providers/cash-payments.js';
import type { PaymentGateway } from '../../domain/ordering/ports.js';
import { isAppError } from '../../domain/shared/errors.js';

const codeOf = async (p: Promise<unknown>) => p.then(() => undefined, (err: unknown) => (isAppError(err) ? err.code : 'other'));

describe('payment gateways: cash, unavailable methods and the routing between them', () => {
  const calls: string[] = [];
  const card: PaymentGateway = {
    authorize: async () => (calls.push('card.authorize'), { providerRef: 'pi_1', status: 'authorized' }),
    capture: async () => void calls.push('card.capture'),
    void: async () => void calls.push('card.void'),
    refund: async () => (calls.push('card.refund'), { refundRef: 're_1' }),
  };
  const gw = new RoutedPaymentGateway({ card, cash: new CashPayments(), wallet: new WalletPaymentGateway() });
  const req = { paymentId: 'pay1', orderId: 'o1', amountMinor: 100, currency: 'SYP', idempotencyKey: 'k' };

  it('when cash is authorised, then no provider is called and the reference is cash_<paymentId>; capture and void of it never reach the card provider', async () => {
    expect(await gw.authorize({ ...req, method: 'cash' })).to.deep.equal({ providerRef: 'cash_pay1', status: 'authorized' });
    await gw.capture('cash_pay1', 100, 'k');
    await gw.void('cash_pay1', 'k');
    expect(calls).to.deep.equal([]);
    expect(await codeOf(gw.refund('cash_pay1', 100, 'r', 'k'))).to.equal('PAYMENT_METHOD_UNAVAILABLE');
  });

  it('when a card payment is handled, then every call goes to the card provider by its reference', async () => {
    await gw.authorize({ ...req, method: 'card', paymentMethodToken: 'pm_card_visa' });
    await gw.capture('pi_1', 100, 'k');
    await gw.refund('pi_1', 10, 'r', 'k');
    expect(calls).to.deep.equal(['card.authorize', 'card.capture', 'card.refund']);
  });

  it('when the wallet is asked, then no provider is called: the reference is wallet_<paymentId> and its capture, void and refund never reach the card provider', async () => {
    calls.length = 0;
    expect(await gw.authorize({ ...req, method: 'wallet' })).to.deep.equal({ providerRef: 'wallet_pay1', status: 'authorized' });
    await gw.capture('wallet_pay1', 100, 'k');
    await gw.void('wallet_pay1', 'k');
    expect(await gw.refund('wallet_pay1', 100, 'r', 'k')).to.deep.equal({ refundRef: null });
    expect(calls).to.deep.equal([]);
  });

  it('when card is asked without a Stripe key, then PAYMENT_METHOD_UNAVAILABLE', async () => {
    const noCard = new UnavailablePayments('card', 'card payments are not configured (STRIPE_SECRET_KEY)');
    expect(await codeOf(noCard.authorize())).to.equal('PAYMENT_METHOD_UNAVAILABLE');
  });
});
