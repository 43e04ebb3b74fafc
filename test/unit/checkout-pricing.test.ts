import { expect } from 'chai';
import fc from 'fast-check';
import { priceCheckout, vatOf, type StoreGroup } from '../../domain/ordering/checkout-pricing.js';
import { Checkout } from '../../domain/ordering/checkout.js';

const name = { ar: 'خبز', en: 'Bread' };
const line = (variantId: string, unitPriceMinor: number, quantity: number) => ({ variantId, productId: `p-${variantId}`, name, unitPriceMinor, quantity });
const group = (storeId: string, lines: StoreGroup['lines'], deliveryFeeMinor = 50_000, minimumOrderMinor = 0): StoreGroup => ({ storeId, lines, deliveryFeeMinor, minimumOrderMinor });
const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
};

describe('checkout pricing', () => {
  it('when two stores are priced, then each order has its lines, fee and VAT, and the checkout sums them', () => {
    const priced = priceCheckout([group('s1', [line('a', 12_500, 2), line('b', 3_000, 1)], 50_000), group('s2', [line('c', 99_999, 3)], 100_000)], 1_100);
    const [o1, o2] = priced.orders;
    expect(o1).to.deep.include({ storeId: 's1', subtotalMinor: 28_000, deliveryFeeMinor: 50_000, vatMinor: 8_580, totalMinor: 86_580 });
    expect(o1!.lines.map((l) => l.lineTotalMinor)).to.deep.equal([25_000, 3_000]);
    // (299_997 + 100_000) × 11 % = 43_999.67 → 44_000 (half up, once per order)
    expect(o2).to.deep.include({ subtotalMinor: 299_997, vatMinor: 44_000, totalMinor: 443_997 });
    expect(priced.totals).to.deep.equal({ subtotalMinor: 327_997, deliveryFeesMinor: 150_000, vatMinor: 52_580, totalMinor: 530_577 });
  });

  it('when VAT falls on exactly half a unit, then it rounds up; below half, down', () => {
    expect(vatOf(5, 1_000)).to.equal(1); // 0.5
    expect(vatOf(4, 1_000)).to.equal(0); // 0.4
    expect(vatOf(15, 1_000)).to.equal(2); // 1.5
    expect(vatOf(0, 1_000)).to.equal(0);
    expect(vatOf(9_007_199_254_740_991, 10_000), 'no float loss near 2^53').to.equal(9_007_199_254_740_991);
  });

  it('when the cart is empty, then CART_EMPTY', () => {
    expect(codeOf(() => priceCheckout([], 0))).to.equal('CART_EMPTY');
  });

  it('when a store is under its minimum order, then BELOW_MINIMUM_ORDER names that store and its shortfall', () => {
    try {
      priceCheckout([group('s1', [line('a', 1_000, 1)], 0, 500), group('s2', [line('b', 1_000, 2)], 0, 5_000)], 0);
      expect.fail('should refuse');
    } catch (err) {
      const e = err as { code: string; details: { storeId: string; shortfallMinor: number }[] };
      expect(e.code).to.equal('BELOW_MINIMUM_ORDER');
      expect(e.details.map((d) => [d.storeId, d.shortfallMinor])).to.deep.equal([['s2', 3_000]]);
    }
  });

  it('when a price or quantity is not a whole, positive number, then VALIDATION_ERROR', () => {
    for (const bad of [line('a', 10.5, 1), line('a', -1, 1), line('a', 10, 0), line('a', 10, -2), line('a', 10, 1.5), line('a', Number.NaN, 1)]) {
      expect(codeOf(() => priceCheckout([group('s1', [bad])], 0)), JSON.stringify(bad)).to.equal('VALIDATION_ERROR');
    }
  });

  it('property: for any stores, prices, quantities, fees and VAT rate, every order adds up and the orders add up to the checkout, in integer minor units', () => {
    const lineArb = fc.record({ variantId: fc.uuid(), productId: fc.uuid(), name: fc.constant(name), unitPriceMinor: fc.integer({ min: 0, max: 50_000_000 }), quantity: fc.integer({ min: 1, max: 99 }) });
    const groupArb = fc.record({ storeId: fc.uuid(), lines: fc.array(lineArb, { minLength: 1, maxLength: 8 }), deliveryFeeMinor: fc.integer({ min: 0, max: 5_000_000 }), minimumOrderMinor: fc.constant(0) });
    fc.assert(
      fc.property(fc.array(groupArb, { minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: 10_000 }), (groups, rate) => {
        const p = priceCheckout(groups, rate);
        for (const o of p.orders) {
          expect(o.totalMinor).to.equal(o.subtotalMinor + o.deliveryFeeMinor + o.vatMinor);
          expect(o.subtotalMinor).to.equal(o.lines.reduce((s, l) => s + l.unitPriceMinor * l.quantity, 0));
          // VAT is within half a unit of the exact amount.
          expect(Math.abs(o.vatMinor - ((o.subtotalMinor + o.deliveryFeeMinor) * rate) / 10_000)).to.be.at.most(0.5);
        }
        const all = [p.totals.subtotalMinor, p.totals.deliveryFeesMinor, p.totals.vatMinor, p.totals.totalMinor, ...p.orders.flatMap((o) => [o.subtotalMinor, o.vatMinor, o.totalMinor])];
        expect(all.every(Number.isSafeInteger)).to.equal(true);
        expect(p.orders.reduce((s, o) => s + o.totalMinor, 0)).to.equal(p.totals.totalMinor);
        expect(p.totals.totalMinor).to.equal(p.totals.subtotalMinor + p.totals.deliveryFeesMinor + p.totals.vatMinor);
        // The checkout entity built from them agrees.
        const checkout = Checkout.create({
          id: 'c', customerId: 'cu', idempotencyKey: 'k', cartId: 'cart', currency: 'SYP', paymentMethod: 'cash', vatRateBps: rate, at: new Date(0),
          orders: p.orders.map((o, i) => ({ orderId: `o${i}`, number: `D-260101-000${i}`, storeId: `${o.storeId}-${i}`, subtotalMinor: o.subtotalMinor, deliveryFeeMinor: o.deliveryFeeMinor, vatMinor: o.vatMinor, totalMinor: o.totalMinor })),
        });
        expect(checkout.toProps().totals).to.deep.equal(p.totals);
      }),
      { numRuns: 300 },
    );
  });
});

describe('checkout entity', () => {
  const base = { id: 'c1', customerId: 'cu', idempotencyKey: 'k', cartId: 'cart', currency: 'SYP', paymentMethod: 'card' as const, vatRateBps: 0, at: new Date(0) };
  const ref = (storeId: string, over = {}) => ({ orderId: `o-${storeId}`, number: 'D-260101-0001', storeId, subtotalMinor: 100, deliveryFeeMinor: 10, vatMinor: 1, totalMinor: 111, ...over });

  it('when an order does not add up, a store appears twice, or there is no order, then it is refused', () => {
    expect(codeOf(() => Checkout.create({ ...base, orders: [ref('s1', { totalMinor: 112 })] }))).to.equal('VALIDATION_ERROR');
    expect(codeOf(() => Checkout.create({ ...base, orders: [ref('s1'), ref('s1')] }))).to.equal('VALIDATION_ERROR');
    expect(codeOf(() => Checkout.create({ ...base, orders: [] }))).to.equal('VALIDATION_ERROR');
    expect(codeOf(() => Checkout.create({ ...base, orders: [ref('s1', { vatMinor: 0.5, totalMinor: 110.5 })] }))).to.equal('VALIDATION_ERROR');
  });
});
