import { expect } from 'chai';
import fc from 'fast-check';
import { CommissionRule, type CommissionScope } from '../../domain/finance/commission-rule.js';
import { commissionLines, commissionOf, divideHalfEven, percentOf, ruleFor } from '../../domain/finance/commission.js';
import { isAppError } from '../../domain/shared/errors.js';

const T0 = new Date('2026-01-01T00:00:00.000Z');
const rule = (id: string, scope: CommissionScope, amounts: { rateBps?: number | null; fixedMinor?: number | null }, effectiveFrom = '2025-01-01T00:00:00.000Z', effectiveTo: string | null = null) =>
  CommissionRule.create({ id, scope, ...amounts, effectiveFrom, effectiveTo, changedBy: 'admin-1' }, T0);
const fieldsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    if (isAppError(err) && err.code === 'VALIDATION_ERROR') return (err.details as { field: string }[]).map((d) => d.field);
    throw err;
  }
  return [];
};

describe('commission rules and lines (domain/finance/commission)', () => {
  it('when a percentage lands exactly on half a minor unit, then it rounds to the even neighbour (banker\'s), otherwise to the nearest', () => {
    expect(percentOf(5, 1_000)).to.equal(0); // 0.5 → 0
    expect(percentOf(15, 1_000)).to.equal(2); // 1.5 → 2
    expect(percentOf(25, 1_000)).to.equal(2); // 2.5 → 2
    expect(percentOf(35, 1_000)).to.equal(4); // 3.5 → 4
    expect(percentOf(33_333, 1_000)).to.equal(3_333); // 3,333.3 → 3,333
    expect(percentOf(33_337, 1_000)).to.equal(3_334); // 3,333.7 → 3,334
    expect(percentOf(Number.MAX_SAFE_INTEGER, 10_000), 'no precision lost on a large base').to.equal(Number.MAX_SAFE_INTEGER);
  });

  it('when any base and rate are rounded, then the result is within half a unit of the exact value and ties go to even', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10 ** 12 }), fc.integer({ min: 0, max: 10_000 }), (base, bps) => {
      const r = percentOf(base, bps);
      const exact = (BigInt(base) * BigInt(bps)) * 2n; // twice the exact value, in 1/10,000 units
      const diff = BigInt(r) * 20_000n - exact; // twice (r − exact) × 10,000
      expect(diff <= 10_000n && diff >= -10_000n).to.equal(true);
      if (diff === 10_000n || diff === -10_000n) expect(r % 2).to.equal(0);
    }));
    expect(divideHalfEven(7n, 2n)).to.equal(4n);
    expect(divideHalfEven(9n, 2n)).to.equal(4n);
  });

  it('when a rule has a rate and a fixed amount, then the line pays both, never more than the line; no rule takes nothing', () => {
    const both = rule('r', { type: 'default' }, { rateBps: 250, fixedMinor: 100 });
    expect(commissionOf(both, 10_000)).to.equal(350);
    expect(commissionOf(both, 50)).to.equal(50);
    expect(commissionOf(null, 10_000)).to.equal(0);
  });

  it('when rules of several scopes are in force, then the store beats the category and the category the default', () => {
    const rules = [rule('d', { type: 'default' }, { rateBps: 1_000 }), rule('c', { type: 'category', id: 'food' }, { rateBps: 500 }), rule('s', { type: 'store', id: 's1' }, { rateBps: 300 })];
    expect(ruleFor(rules, 's1', 'food', T0)?.id).to.equal('s');
    expect(ruleFor(rules, 's2', 'food', T0)?.id).to.equal('c');
    expect(ruleFor(rules, 's2', 'toys', T0)?.id).to.equal('d');
    expect(ruleFor(rules, 's2', null, T0)?.id).to.equal('d');
    expect(ruleFor(rules.slice(1), 's2', null, T0)).to.equal(null);
  });

  it('when rules of one scope overlap, then the one that took effect last wins, then the one created last, then the greater id; rules out of their period are ignored', () => {
    const old = rule('a-old', { type: 'default' }, { rateBps: 1_000 }, '2025-01-01T00:00:00.000Z');
    const newer = rule('b-newer', { type: 'default' }, { rateBps: 800 }, '2025-06-01T00:00:00.000Z');
    const twin = rule('c-twin', { type: 'default' }, { rateBps: 700 }, '2025-06-01T00:00:00.000Z');
    const future = rule('z-future', { type: 'default' }, { rateBps: 100 }, '2027-01-01T00:00:00.000Z');
    const ended = rule('y-ended', { type: 'store', id: 's1' }, { rateBps: 1 }, '2025-01-01T00:00:00.000Z', '2025-12-31T23:59:59.999Z');
    const rules = [old, newer, twin, future, ended];
    expect(ruleFor(rules, 's1', null, T0)?.id).to.equal('c-twin');
    const createdLater = CommissionRule.create({ id: 'a-created-later', scope: { type: 'default' }, rateBps: 600, effectiveFrom: '2025-06-01T00:00:00.000Z', changedBy: 'admin-1' }, new Date(T0.getTime() + 1));
    expect(ruleFor([...rules, createdLater], 's1', null, T0)?.id).to.equal('a-created-later');
    expect(ruleFor(rules, 's1', null, new Date('2025-03-01T00:00:00.000Z'))?.id, 'before the newer ones and inside the ended store rule').to.equal('y-ended');
    expect(ruleFor(rules, 's1', null, new Date('2025-12-31T23:59:59.999Z'))?.id, 'effectiveTo is exclusive').to.equal('c-twin');
  });

  it('when an order is worked out, then each line records its index, rule, rate, fixed amount, base and commission', () => {
    const rules = [rule('d', { type: 'default' }, { rateBps: 1_000 }), rule('c', { type: 'category', id: 'food' }, { rateBps: 250, fixedMinor: 10 })];
    const lines = commissionLines(rules, { orderId: 'o1', storeId: 's1', lines: [{ variantId: 'v1', productId: 'p1', categoryId: 'food', lineTotalMinor: 1_002 }, { variantId: 'v2', productId: 'p2', categoryId: null, lineTotalMinor: 25 }] }, T0, T0);
    expect(lines.map((l) => [l.lineIndex, l.ruleId, l.scope, l.rateBps, l.fixedMinor, l.baseMinor, l.commissionMinor])).to.deep.equal([
      [0, 'c', 'category:food', 250, 10, 1_002, 25 + 10], // 25.05 → 25
      [1, 'd', 'default', 1_000, null, 25, 2], // 2.5 → 2
    ]);
  });

  it('when a rule is created or changed with bad values, then it is refused naming each field, and a change bumps version and author', () => {
    expect(fieldsOf(() => rule('x', { type: 'default' }, {}))).to.deep.equal(['rateBps']);
    expect(fieldsOf(() => rule('x', { type: 'store', id: '' }, { rateBps: 10_001, fixedMinor: -1 }))).to.deep.equal(['scope.id', 'rateBps', 'fixedMinor']);
    expect(fieldsOf(() => rule('x', { type: 'default' }, { rateBps: 1.5 }))).to.deep.equal(['rateBps']);
    expect(fieldsOf(() => rule('x', { type: 'default' }, { rateBps: 1 }, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'))).to.deep.equal(['effectiveTo']);
    const r = rule('x', { type: 'default' }, { rateBps: 100 });
    expect(r.change({ rateBps: 100 }, 'admin-2', T0), 'no change').to.equal(false);
    expect(fieldsOf(() => r.change({ rateBps: null }, 'admin-2', T0))).to.deep.equal(['rateBps']);
    expect(r.toProps()).to.include({ rateBps: 100, version: 1, changedBy: 'admin-1' });
    expect(r.change({ fixedMinor: 5, rateBps: null }, 'admin-2', new Date('2026-02-01T00:00:00.000Z'))).to.equal(true);
    expect(r.toProps()).to.include({ rateBps: null, fixedMinor: 5, version: 2, changedBy: 'admin-2', updatedAt: '2026-02-01T00:00:00.000Z' });
  });
});
