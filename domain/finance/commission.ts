import type { SettingValue } from '../platform/settings.js';

export type CommissionRule = SettingValue<'finance.commissionRules'>[number];

/** One order line as the commission sees it. */
export interface CommissionableLine {
  variantId: string;
  productId: string;
  /** The product's category when the order was delivered (null: none). */
  categoryId: string | null;
  lineTotalMinor: number;
}

/** The auditable record of one line's commission: which rule applied and what it took. */
export interface CommissionLine {
  variantId: string;
  productId: string;
  categoryId: string | null;
  lineTotalMinor: number;
  /** `store:<id>`, `category:<id>` or `marketplace`: the rule that won. */
  scope: string;
  kind: CommissionRule['kind'];
  rateBps: number | null;
  fixedMinor: number | null;
  commissionMinor: number;
}

const scopeOf = (r: CommissionRule): string => (r.scope.type === 'marketplace' ? 'marketplace' : `${r.scope.type}:${r.scope.id}`);

/** The most specific rule for a line: the store's, else the line's category's, else the marketplace's. */
export function ruleFor(rules: readonly CommissionRule[], storeId: string, categoryId: string | null): CommissionRule {
  const byScope = new Map(rules.map((r) => [scopeOf(r), r]));
  const rule = byScope.get(`store:${storeId}`) ?? (categoryId ? byScope.get(`category:${categoryId}`) : undefined) ?? byScope.get('marketplace');
  // The setting's schema requires a marketplace rule, so this only fails on a value that bypassed it.
  if (!rule) throw new Error('finance.commissionRules has no marketplace rule');
  return rule;
}

/**
 * One commission line per order line. A percentage is rounded down to whole minor units (the
 * store keeps the fraction); a fixed amount is per line and never more than the line itself.
 */
export function commissionLines(rules: readonly CommissionRule[], storeId: string, lines: readonly CommissionableLine[]): CommissionLine[] {
  return lines.map((l) => {
    const rule = ruleFor(rules, storeId, l.categoryId);
    const commissionMinor = rule.kind === 'percentage' ? Math.floor((l.lineTotalMinor * rule.rateBps) / 10_000) : Math.min(rule.amountMinor, l.lineTotalMinor);
    return {
      variantId: l.variantId, productId: l.productId, categoryId: l.categoryId, lineTotalMinor: l.lineTotalMinor, scope: scopeOf(rule), kind: rule.kind,
      rateBps: rule.kind === 'percentage' ? rule.rateBps : null, fixedMinor: rule.kind === 'fixed' ? rule.amountMinor : null, commissionMinor,
    };
  });
}
