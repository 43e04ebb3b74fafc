import { validationError, type ErrorDetail } from '../shared/errors.js';

/** Where a rule applies: one store, one category, or every line no narrower rule covers. */
export const COMMISSION_SCOPE_TYPES = ['store', 'category', 'default'] as const;
export type CommissionScopeType = (typeof COMMISSION_SCOPE_TYPES)[number];
export type CommissionScope = { type: 'default' } | { type: 'store' | 'category'; id: string };

/** Who wrote the rules the migration imported from the retired setting `finance.commissionRules`. */
export const IMPORTED_FROM_SETTING = 'setting:finance.commissionRules';

export interface CommissionRuleProps {
  id: string;
  scope: CommissionScope;
  /** A percentage of the line in basis points (1 % = 100), or null. */
  rateBps: number | null;
  /** A fixed amount per order line in minor units, or null. At least one of the two is set. */
  fixedMinor: number | null;
  /** ISO-8601; the rule applies from this instant (inclusive)… */
  effectiveFrom: string;
  /** …until this one (exclusive); null: open-ended. */
  effectiveTo: string | null;
  note: string | null;
  /** The account that created or last changed the rule (IMPORTED_FROM_SETTING for imported rules). */
  changedBy: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}
export type CommissionRuleView = CommissionRuleProps;

export interface CommissionRuleInput {
  scope: CommissionScope;
  rateBps?: number | null;
  fixedMinor?: number | null;
  effectiveFrom?: string | null;
  effectiveTo?: string | null;
  note?: string | null;
}
export type CommissionRulePatch = Partial<Omit<CommissionRuleInput, 'scope'>>;

export const MAX_RATE_BPS = 10_000;
export const scopeKey = (s: CommissionScope): string => (s.type === 'default' ? 'default' : `${s.type}:${s.id}`);

/**
 * A commission rule: a percentage and/or a fixed amount per order line, for a scope and a period.
 * Invariants, enforced by `create` and `change`: a rate of 0..10,000 bps, a fixed amount of whole
 * minor units ≥ 0, at least one of the two, a scope id for store and category scopes, and a period
 * that ends after it starts. Rules of one scope may overlap; `ruleFor` (commission.ts) breaks the tie.
 */
export class CommissionRule {
  private constructor(private props: CommissionRuleProps) {}

  static create(input: CommissionRuleInput & { id: string; changedBy: string }, at: Date): CommissionRule {
    const now = at.toISOString();
    const props: CommissionRuleProps = {
      id: input.id, scope: input.scope, rateBps: input.rateBps ?? null, fixedMinor: input.fixedMinor ?? null,
      effectiveFrom: normalizeInstant(input.effectiveFrom ?? now), effectiveTo: input.effectiveTo ? normalizeInstant(input.effectiveTo) : null,
      note: input.note ?? null, changedBy: input.changedBy, version: 1, createdAt: now, updatedAt: now,
    };
    assertValid(props);
    return new CommissionRule(props);
  }

  static restore(props: CommissionRuleProps): CommissionRule {
    return new CommissionRule({ ...props, scope: { ...props.scope } });
  }

  get id(): string { return this.props.id; }
  get version(): number { return this.props.version; }
  get scope(): CommissionScope { return this.props.scope; }

  /** Changes rate, amount, period or note (the scope is what the rule is: a new scope is a new rule). False when nothing changed. */
  change(patch: CommissionRulePatch, by: string, at: Date): boolean {
    const next: CommissionRuleProps = { ...this.props };
    if (patch.rateBps !== undefined) next.rateBps = patch.rateBps;
    if (patch.fixedMinor !== undefined) next.fixedMinor = patch.fixedMinor;
    if (patch.effectiveFrom != null) next.effectiveFrom = normalizeInstant(patch.effectiveFrom);
    if (patch.effectiveTo !== undefined) next.effectiveTo = patch.effectiveTo === null ? null : normalizeInstant(patch.effectiveTo);
    if (patch.note !== undefined) next.note = patch.note;
    const same = (['rateBps', 'fixedMinor', 'effectiveFrom', 'effectiveTo', 'note'] as const).every((k) => next[k] === this.props[k]);
    if (same) return false;
    assertValid(next);
    this.props = { ...next, changedBy: by, version: this.props.version + 1, updatedAt: at.toISOString() };
    return true;
  }

  /** True when the rule is in force at `at` (effectiveFrom ≤ at < effectiveTo). */
  appliesAt(at: Date): boolean {
    const t = at.getTime();
    return Date.parse(this.props.effectiveFrom) <= t && (this.props.effectiveTo === null || t < Date.parse(this.props.effectiveTo));
  }

  toProps(): CommissionRuleProps {
    return { ...this.props, scope: { ...this.props.scope } };
  }

  toView(): CommissionRuleView {
    return this.toProps();
  }
}

function normalizeInstant(s: string): string {
  const t = Date.parse(s);
  if (!Number.isFinite(t)) throw validationError('Invalid commission rule', [{ field: 'effectiveFrom', message: 'an ISO-8601 instant' }]);
  return new Date(t).toISOString();
}

function assertValid(p: CommissionRuleProps): void {
  const problems: ErrorDetail[] = [];
  if (!COMMISSION_SCOPE_TYPES.includes(p.scope.type)) problems.push({ field: 'scope.type', message: `one of ${COMMISSION_SCOPE_TYPES.join(', ')}` });
  if (p.scope.type !== 'default' && !(typeof p.scope.id === 'string' && p.scope.id.length > 0 && p.scope.id.length <= 128)) problems.push({ field: 'scope.id', message: '1–128 characters' });
  if (p.rateBps !== null && !(Number.isInteger(p.rateBps) && p.rateBps >= 0 && p.rateBps <= MAX_RATE_BPS)) problems.push({ field: 'rateBps', message: `a whole number of basis points, 0..${MAX_RATE_BPS}` });
  if (p.fixedMinor !== null && !(Number.isSafeInteger(p.fixedMinor) && p.fixedMinor >= 0)) problems.push({ field: 'fixedMinor', message: 'a whole number of minor units ≥ 0' });
  if (p.rateBps === null && p.fixedMinor === null) problems.push({ field: 'rateBps', reason: 'no_amount', message: 'a rule needs rateBps, fixedMinor or both' });
  if (p.effectiveTo !== null && Date.parse(p.effectiveTo) <= Date.parse(p.effectiveFrom)) problems.push({ field: 'effectiveTo', message: 'must be after effectiveFrom' });
  if (problems.length) throw validationError('Invalid commission rule', problems);
}
