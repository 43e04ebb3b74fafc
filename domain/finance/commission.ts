import { scopeKey, type CommissionRule } from './commission-rule.js';

/** One order line as the commission sees it. */
export interface CommissionableLine {
  variantId: string;
  productId: string;
  /** The product's category when the commission was worked out (null: none). */
  categoryId: string | null;
  lineTotalMinor: number;
}

/**
 * The auditable record of one order line's commission, stored once per order (the first settlement
 * writes it, nothing rewrites it): which rule applied, its rate and amount as they were, the base
 * and what it took. The settlement posts exactly the sum of these.
 */
export interface CommissionLine {
  orderId: string;
  /** The line's position in the order (0-based). */
  lineIndex: number;
  storeId: string;
  variantId: string;
  productId: string;
  categoryId: string | null;
  /** The rule that won; null when no rule was in force (commission 0). */
  ruleId: string | null;
  /** `store:<id>`, `category:<id>`, `default`, or `none`. */
  scope: string;
  rateBps: number | null;
  fixedMinor: number | null;
  /** The line total the rule was applied to (items, before VAT and delivery). */
  baseMinor: number;
  commissionMinor: number;
  /** When the rules were read: the order's placement (the rules in force then apply). */
  ruleAt: string;
  computedAt: string;
}

/**
 * Rounds `numerator / denominator` (both ≥ 0, denominator > 0) to an integer, ties to even
 * (banker's rounding). In BigInt, so a large base times a rate never loses a unit.
 */
export function divideHalfEven(numerator: bigint, denominator: bigint): bigint {
  const q = numerator / denominator;
  const twice = (numerator % denominator) * 2n;
  if (twice > denominator || (twice === denominator && q % 2n === 1n)) return q + 1n;
  return q;
}

/** `baseMinor × bps / 10,000`, rounded half to even. */
export const percentOf = (baseMinor: number, bps: number): number => Number(divideHalfEven(BigInt(baseMinor) * BigInt(bps), 10_000n));

/**
 * The rule for one line at `at`: among the rules in force then, the store's, else the line's
 * category's, else the default. Ties within one scope (periods that overlap): the rule that took
 * effect last wins, then the one created last, then the greater id (so the answer never depends on
 * the order the store returned the rules in).
 */
export function ruleFor(rules: readonly CommissionRule[], storeId: string, categoryId: string | null, at: Date): CommissionRule | null {
  const inForce = rules.filter((r) => r.appliesAt(at));
  const best = (key: string) => inForce.filter((r) => scopeKey(r.scope) === key).sort(newestFirst)[0];
  return best(`store:${storeId}`) ?? (categoryId ? best(`category:${categoryId}`) : undefined) ?? best('default') ?? null;
}

const newestFirst = (a: CommissionRule, b: CommissionRule): number => {
  const [pa, pb] = [a.toProps(), b.toProps()];
  return Date.parse(pb.effectiveFrom) - Date.parse(pa.effectiveFrom) || Date.parse(pb.createdAt) - Date.parse(pa.createdAt) || (pb.id > pa.id ? 1 : pb.id < pa.id ? -1 : 0);
};

/** A rule's commission on one line: the percentage (rounded half to even) plus the fixed amount, never more than the line. */
export function commissionOf(rule: CommissionRule | null, baseMinor: number): number {
  if (!rule) return 0;
  const p = rule.toProps();
  return Math.min(baseMinor, (p.rateBps === null ? 0 : percentOf(baseMinor, p.rateBps)) + (p.fixedMinor ?? 0));
}

/** One commission line per order line, from the rules in force at `ruleAt`. */
export function commissionLines(
  rules: readonly CommissionRule[],
  order: { orderId: string; storeId: string; lines: readonly CommissionableLine[] },
  ruleAt: Date,
  computedAt: Date,
): CommissionLine[] {
  return order.lines.map((l, lineIndex) => {
    const rule = ruleFor(rules, order.storeId, l.categoryId, ruleAt);
    const p = rule?.toProps();
    return {
      orderId: order.orderId, lineIndex, storeId: order.storeId, variantId: l.variantId, productId: l.productId, categoryId: l.categoryId,
      ruleId: p?.id ?? null, scope: p ? scopeKey(p.scope) : 'none', rateBps: p?.rateBps ?? null, fixedMinor: p?.fixedMinor ?? null,
      baseMinor: l.lineTotalMinor, commissionMinor: commissionOf(rule, l.lineTotalMinor), ruleAt: ruleAt.toISOString(), computedAt: computedAt.toISOString(),
    };
  });
}
