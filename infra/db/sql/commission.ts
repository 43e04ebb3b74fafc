import { CommissionRule, type CommissionScope, type CommissionScopeType } from '../../../domain/finance/commission-rule.js';
import type { CommissionLine } from '../../../domain/finance/commission.js';
import type { CommissionRepository } from '../../../domain/finance/ports.js';
import type { SqlClient } from './client.js';

interface RuleRow {
  id: string; scope_type: string; scope_id: string | null; rate_bps: number | null; fixed_minor: string | number | null;
  effective_from: Date | string; effective_to: Date | string | null; note: string | null; changed_by: string; version: number; created_at: Date | string; updated_at: Date | string;
}
interface LineRow {
  order_id: string; line_index: number; store_id: string; variant_id: string; product_id: string; category_id: string | null; rule_id: string | null; scope: string;
  rate_bps: number | null; fixed_minor: string | number | null; base_minor: string | number; commission_minor: string | number; rule_at: Date | string; computed_at: Date | string;
}

const iso = (d: Date | string) => new Date(d).toISOString();
const num = (v: string | number | null) => (v === null ? null : Number(v));
const toRule = (r: RuleRow): CommissionRule => CommissionRule.restore({
  id: r.id, scope: (r.scope_type === 'default' ? { type: 'default' } : { type: r.scope_type, id: r.scope_id! }) as CommissionScope,
  rateBps: r.rate_bps === null ? null : Number(r.rate_bps), fixedMinor: num(r.fixed_minor), effectiveFrom: iso(r.effective_from), effectiveTo: r.effective_to === null ? null : iso(r.effective_to),
  note: r.note, changedBy: r.changed_by, version: Number(r.version), createdAt: iso(r.created_at), updatedAt: iso(r.updated_at),
});
const toLine = (r: LineRow): CommissionLine => ({
  orderId: r.order_id, lineIndex: Number(r.line_index), storeId: r.store_id, variantId: r.variant_id, productId: r.product_id, categoryId: r.category_id, ruleId: r.rule_id, scope: r.scope,
  rateBps: r.rate_bps === null ? null : Number(r.rate_bps), fixedMinor: num(r.fixed_minor), baseMinor: Number(r.base_minor), commissionMinor: Number(r.commission_minor),
  ruleAt: iso(r.rule_at), computedAt: iso(r.computed_at),
});
const scopeIdOf = (s: CommissionScope) => (s.type === 'default' ? null : s.id);

export class SqlCommissionRepository implements CommissionRepository {
  constructor(private readonly db: SqlClient) {}

  async insertRule(rule: CommissionRule): Promise<boolean> {
    const p = rule.toProps();
    const r = await this.db.query(
      `insert into commission_rules (id, scope_type, scope_id, rate_bps, fixed_minor, effective_from, effective_to, note, changed_by, version, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) on conflict (id) do nothing`,
      [p.id, p.scope.type, scopeIdOf(p.scope), p.rateBps, p.fixedMinor, p.effectiveFrom, p.effectiveTo, p.note, p.changedBy, p.version, p.createdAt, p.updatedAt],
    );
    return (r.rowCount ?? 0) === 1;
  }

  async findRule(id: string): Promise<CommissionRule | null> {
    const r = await this.db.query<RuleRow>('select * from commission_rules where id = $1', [id]);
    return r.rows[0] ? toRule(r.rows[0]) : null;
  }

  async updateRule(rule: CommissionRule, expectedVersion: number): Promise<boolean> {
    const p = rule.toProps();
    const r = await this.db.query(
      `update commission_rules set rate_bps = $2, fixed_minor = $3, effective_from = $4, effective_to = $5, note = $6, changed_by = $7, version = $8, updated_at = $9
       where id = $1 and version = $10`,
      [p.id, p.rateBps, p.fixedMinor, p.effectiveFrom, p.effectiveTo, p.note, p.changedBy, p.version, p.updatedAt, expectedVersion],
    );
    return (r.rowCount ?? 0) === 1;
  }

  async deleteRule(id: string, expectedVersion: number): Promise<boolean> {
    const r = await this.db.query('delete from commission_rules where id = $1 and version = $2', [id, expectedVersion]);
    return (r.rowCount ?? 0) === 1;
  }

  async listRules(filter: { scopeType?: CommissionScopeType; scopeId?: string }, offset: number, limit: number): Promise<{ rules: CommissionRule[]; total: number }> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.scopeType) where.push(`scope_type = $${args.push(filter.scopeType)}`);
    if (filter.scopeId) where.push(`scope_id = $${args.push(filter.scopeId)}`);
    const w = where.length ? `where ${where.join(' and ')}` : '';
    const total = await this.db.query<{ n: string }>(`select count(*) as n from commission_rules ${w}`, args);
    const r = await this.db.query<RuleRow>(`select * from commission_rules ${w} order by effective_from desc, id desc offset $${args.length + 1} limit $${args.length + 2}`, [...args, offset, limit]);
    return { rules: r.rows.map(toRule), total: Number(total.rows[0]!.n) };
  }

  async candidateRules(storeId: string, categoryIds: readonly string[], at: Date): Promise<CommissionRule[]> {
    const r = await this.db.query<RuleRow>(
      `select * from commission_rules
       where (scope_type = 'default' or (scope_type = 'store' and scope_id = $1) or (scope_type = 'category' and scope_id = any($2::text[])))
         and effective_from <= $3 and (effective_to is null or effective_to > $3)`,
      [storeId, [...categoryIds], at.toISOString()],
    );
    return r.rows.map(toRule);
  }

  async saveOrderLines(orderId: string, lines: readonly CommissionLine[]): Promise<CommissionLine[]> {
    if (lines.length > 0) {
      const cols = 14;
      const values = lines.map((_, i) => `(${Array.from({ length: cols }, (__, j) => `$${i * cols + j + 1}`).join(', ')})`).join(', ');
      await this.db.query(
        `insert into commission_lines (order_id, line_index, store_id, variant_id, product_id, category_id, rule_id, scope, rate_bps, fixed_minor, base_minor, commission_minor, rule_at, computed_at)
         values ${values} on conflict (order_id, line_index) do nothing`,
        lines.flatMap((l) => [orderId, l.lineIndex, l.storeId, l.variantId, l.productId, l.categoryId, l.ruleId, l.scope, l.rateBps, l.fixedMinor, l.baseMinor, l.commissionMinor, l.ruleAt, l.computedAt]),
      );
    }
    return this.orderLines(orderId);
  }

  async orderLines(orderId: string): Promise<CommissionLine[]> {
    const r = await this.db.query<LineRow>('select * from commission_lines where order_id = $1 order by line_index', [orderId]);
    return r.rows.map(toLine);
  }
}
