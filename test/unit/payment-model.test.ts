import { expect } from 'chai';
import fc from 'fast-check';
import { Payment, PAYMENT_STATUSES, PAYMENT_TRANSITIONS, canMove } from '../../domain/ordering/payment.js';
import { paymentEvent, paymentRefunded } from '../../domain/ordering/payment-events.js';
import { EVENTS } from '../../domain/platform/events.js';
import { isAppError } from '../../domain/shared/errors.js';

const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, s));
const make = (method: 'card' | 'cash' = 'card', amountMinor = 10_000) =>
  Payment.create({ id: 'pay1', orderId: 'o1', checkoutId: 'c1', customerId: 'cu1', storeId: 's1', method, amountMinor, currency: 'SYP', at: t(0) });
const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return isAppError(err) ? err.code : 'not-an-app-error';
  }
  return undefined;
};

describe('payment model', () => {
  it('when created, then it is pending, version 1, nothing captured or refunded, with a timeline entry', () => {
    const p = make().toProps();
    expect(p).to.deep.include({ status: 'pending', version: 1, capturedMinor: 0, refundedMinor: 0, providerRef: null, refunds: [] });
    expect(p.timeline).to.deep.equal({ pending: t(0).toISOString() });
  });

  it('when the amount is zero, negative, fractional or unsafe, or the currency is not ISO, then VALIDATION_ERROR', () => {
    for (const amountMinor of [0, -1, 10.5, Number.MAX_SAFE_INTEGER + 2, Number.NaN]) expect(codeOf(() => make('card', amountMinor))).to.equal('VALIDATION_ERROR');
    expect(codeOf(() => Payment.create({ id: 'p', orderId: 'o', checkoutId: 'c', customerId: 'cu', storeId: 's', method: 'card', amountMinor: 1, currency: 'syp', at: t(0) }))).to.equal('VALIDATION_ERROR');
  });

  it('when a card is authorised, captured and refunded in two parts, then the status follows the money and each step stamps the timeline', () => {
    const p = make();
    expect(p.authorize('pi_1', t(1))).to.equal(true);
    expect(p.authorize('pi_1', t(2)), 'the same authorisation again changes nothing').to.equal(false);
    expect(p.capture(10_000, t(3))).to.equal(true);
    expect(p.capture(10_000, t(4))).to.equal(false);
    p.refund({ id: 'r1', amountMinor: 2_500, reason: 'a missing item', providerRef: 're_1', key: 'k1', actor: { id: 'adm', role: 'admin' } }, t(5));
    expect(p.status).to.equal('partially_refunded');
    expect(p.refund({ id: 'r1b', amountMinor: 2_500, reason: 'retry', providerRef: 're_1', key: 'k1', actor: null }, t(6)), 'a refund under the same key is recorded once').to.equal(false);
    p.refund({ id: 'r2', amountMinor: 7_500, reason: 'order cancelled', providerRef: 're_2', key: 'k2', actor: null }, t(7));
    const s = p.toProps();
    expect(s).to.deep.include({ status: 'refunded', capturedMinor: 10_000, refundedMinor: 10_000, version: 5 });
    expect(s.refunds.map((r) => r.id)).to.deep.equal(['r1', 'r2']);
    expect(Object.keys(s.timeline)).to.have.members(['pending', 'authorized', 'captured', 'partially_refunded', 'refunded']);
  });

  it('when a refund exceeds what was captured and not refunded, then REFUND_EXCEEDS_CAPTURED; zero, negative or fractional, then VALIDATION_ERROR; before capture, then CONFLICT', () => {
    const p = make();
    p.authorize('pi_1', t(1));
    expect(codeOf(() => p.assertRefundable(100))).to.equal('CONFLICT');
    p.capture(10_000, t(2));
    expect(codeOf(() => p.assertRefundable(10_001))).to.equal('REFUND_EXCEEDS_CAPTURED');
    for (const bad of [0, -5, 1.5]) expect(codeOf(() => p.assertRefundable(bad))).to.equal('VALIDATION_ERROR');
    p.refund({ id: 'r1', amountMinor: 9_000, reason: 'x', providerRef: null, key: 'k', actor: null }, t(3));
    expect(codeOf(() => p.assertRefundable(1_001))).to.equal('REFUND_EXCEEDS_CAPTURED');
    expect(p.refundableMinor).to.equal(1_000);
  });

  it('when a move is not in the table, then CONFLICT names the allowed moves and nothing changes (never backwards)', () => {
    const p = make();
    p.authorize('pi_1', t(1));
    p.capture(10_000, t(2));
    const before = p.toProps();
    expect(codeOf(() => p.void(t(3)))).to.equal('CONFLICT');
    expect(codeOf(() => p.authorize('pi_2', t(3)))).to.equal('CONFLICT');
    expect(codeOf(() => p.fail('late', t(3)))).to.equal('CONFLICT');
    expect(p.toProps()).to.deep.equal(before);
    expect(p.status).to.equal('captured');
  });

  it('when any sequence of moves is tried, then the status only ever takes moves of the table and money never goes below 0 or above the capture', () => {
    const ops = fc.array(fc.constantFrom('authorize', 'capture', 'void', 'fail', 'refund'), { maxLength: 12 });
    fc.assert(
      fc.property(ops, fc.array(fc.integer({ min: 1, max: 6_000 }), { minLength: 12, maxLength: 12 }), (seq, amounts) => {
        const p = make();
        seq.forEach((op, i) => {
          const from = p.status;
          try {
            if (op === 'authorize') p.authorize(`pi_${i}`, t(i));
            if (op === 'capture') p.capture(10_000, t(i));
            if (op === 'void') p.void(t(i));
            if (op === 'fail') p.fail('x', t(i));
            if (op === 'refund') p.refund({ id: `r${i}`, amountMinor: amounts[i]!, reason: 'r', providerRef: null, key: `k${i}`, actor: null }, t(i));
          } catch (err) {
            if (!isAppError(err)) throw err;
          }
          if (p.status !== from) expect(canMove(from, p.status), `${from} → ${p.status}`).to.equal(true);
          const s = p.toProps();
          expect(s.refundedMinor).to.be.within(0, s.capturedMinor);
        });
      }),
    );
  });

  it('when the table is read, then final statuses have no way out and no status leads back to pending', () => {
    for (const s of ['voided', 'failed', 'refunded'] as const) expect(PAYMENT_TRANSITIONS[s]).to.deep.equal([]);
    for (const s of PAYMENT_STATUSES) expect(PAYMENT_TRANSITIONS[s]).to.not.include('pending');
  });

  it('when a cash payment is collected, then it goes from pending straight to captured', () => {
    const p = make('cash');
    p.attachReference('cash_pay1', t(1));
    expect(p.status).to.equal('pending');
    p.capture(10_000, t(2));
    expect(p.toProps()).to.deep.include({ status: 'captured', capturedMinor: 10_000, providerRef: 'cash_pay1' });
  });

  it('when a refund event is sealed by the outbox catalog, then it carries the payment state and the refund', () => {
    const p = make();
    p.authorize('pi_1', t(1));
    p.capture(10_000, t(2));
    p.refund({ id: 'r1', amountMinor: 400, reason: 'cold food', providerRef: 're_1', key: 'k', actor: { id: 'adm', role: 'admin' } }, t(3));
    const sealed = EVENTS.seal(paymentEvent('refunded', p, t(3), { refundId: 'r1' }), '01JH0000000000000000000000');
    expect(sealed.type).to.equal(paymentRefunded.type);
    expect(sealed.payload).to.deep.include({ status: 'partially_refunded', refundedMinor: 400, reason: 'cold food', actor: { id: 'adm', role: 'admin' }, refund: { id: 'r1', amountMinor: 400, providerRef: 're_1' } });
  });
});
