import { Schema, type Connection, type Model } from 'mongoose';
import { CommissionRule, type CommissionRuleProps, type CommissionScopeType } from '../../../domain/finance/commission-rule.js';
import type { CommissionLine } from '../../../domain/finance/commission.js';
import type { CommissionRepository } from '../../../domain/finance/ports.js';
import { str, when } from './guard.js';

type RuleDoc = Omit<CommissionRuleProps, 'id' | 'effectiveFrom' | 'effectiveTo' | 'createdAt' | 'updatedAt'> & {
  _id: string; effectiveFrom: Date; effectiveTo: Date | null; createdAt: Date; updatedAt: Date;
};
type StoredLine = Omit<CommissionLine, 'ruleAt' | 'computedAt'> & { ruleAt: Date; computedAt: Date };
/** One document per order: its lines are written together, once (the `_id` makes the first writer win). */
interface LinesDoc { _id: string; lines: StoredLine[] }

const ruleSchema = new Schema<RuleDoc>({
  _id: String, scope: { type: { type: String }, id: { type: String } }, rateBps: { type: Number, default: null }, fixedMinor: { type: Number, default: null },
  effectiveFrom: Date, effectiveTo: { type: Date, default: null }, note: { type: String, default: null }, changedBy: String, version: Number, createdAt: Date, updatedAt: Date,
}, { collection: 'commission_rules', versionKey: false, autoIndex: false, minimize: false });
const linesSchema = new Schema<LinesDoc>({ _id: String, lines: { type: Schema.Types.Mixed, default: [] } }, { collection: 'commission_lines', versionKey: false, autoIndex: false });

const toRule = (d: RuleDoc): CommissionRule => {
  const { _id, effectiveFrom, effectiveTo, createdAt, updatedAt, scope, ...rest } = d;
  return CommissionRule.restore({
    ...rest, id: _id, scope: scope.type === 'default' ? { type: 'default' } : { type: scope.type, id: (scope as { id: string }).id },
    rateBps: rest.rateBps ?? null, fixedMinor: rest.fixedMinor ?? null, note: rest.note ?? null,
    effectiveFrom: new Date(effectiveFrom).toISOString(), effectiveTo: effectiveTo ? new Date(effectiveTo).toISOString() : null,
    createdAt: new Date(createdAt).toISOString(), updatedAt: new Date(updatedAt).toISOString(),
  });
};
const toDoc = (r: CommissionRule): RuleDoc => {
  const { id, effectiveFrom, effectiveTo, createdAt, updatedAt, ...rest } = r.toProps();
  return { ...rest, _id: id, effectiveFrom: new Date(effectiveFrom), effectiveTo: effectiveTo ? new Date(effectiveTo) : null, createdAt: new Date(createdAt), updatedAt: new Date(updatedAt) };
};
const toLine = (l: StoredLine): CommissionLine => ({ ...l, categoryId: l.categoryId ?? null, ruleId: l.ruleId ?? null, rateBps: l.rateBps ?? null, fixedMinor: l.fixedMinor ?? null, ruleAt: new Date(l.ruleAt).toISOString(), computedAt: new Date(l.computedAt).toISOString() });
const isDuplicateKey = (err: unknown) => (err as { code?: number }).code === 11000;

export class MongoCommissionRepository implements CommissionRepository {
  private readonly rules: Model<RuleDoc>;
  private readonly lines: Model<LinesDoc>;
  constructor(conn: Connection) {
    this.rules = (conn.models.CommissionRule as Model<RuleDoc> | undefined) ?? conn.model<RuleDoc>('CommissionRule', ruleSchema);
    this.lines = (conn.models.CommissionLines as Model<LinesDoc> | undefined) ?? conn.model<LinesDoc>('CommissionLines', linesSchema);
  }

  async insertRule(rule: CommissionRule): Promise<boolean> {
    try {
      await this.rules.create([toDoc(rule)]);
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  async findRule(id: string): Promise<CommissionRule | null> {
    const d = await this.rules.findById(str(id, 'id')).lean<RuleDoc>().exec();
    return d ? toRule(d) : null;
  }

  async updateRule(rule: CommissionRule, expectedVersion: number): Promise<boolean> {
    const { _id, scope: _scope, createdAt: _created, ...set } = toDoc(rule);
    const r = await this.rules.updateOne({ _id: str(_id, 'id'), version: expectedVersion }, { $set: set }).exec();
    return r.matchedCount === 1;
  }

  async deleteRule(id: string, expectedVersion: number): Promise<boolean> {
    const r = await this.rules.deleteOne({ _id: str(id, 'id'), version: expectedVersion }).exec();
    return r.deletedCount === 1;
  }

  async listRules(filter: { scopeType?: CommissionScopeType; scopeId?: string }, offset: number, limit: number): Promise<{ rules: CommissionRule[]; total: number }> {
    const q: Record<string, string> = {};
    if (filter.scopeType) q['scope.type'] = str(filter.scopeType, 'scopeType');
    if (filter.scopeId) q['scope.id'] = str(filter.scopeId, 'scopeId');
    const [docs, total] = await Promise.all([
      this.rules.find(q).sort({ effectiveFrom: -1, _id: -1 }).skip(offset).limit(limit).lean<RuleDoc[]>().exec(),
      this.rules.countDocuments(q).exec(),
    ]);
    return { rules: docs.map(toRule), total };
  }

  async candidateRules(storeId: string, categoryIds: readonly string[], at: Date): Promise<CommissionRule[]> {
    const t = when(at, 'at');
    const docs = await this.rules.find({
      $and: [
        { $or: [{ 'scope.type': 'default' }, { 'scope.type': 'store', 'scope.id': str(storeId, 'storeId') }, { 'scope.type': 'category', 'scope.id': { $in: categoryIds.map((c) => str(c, 'categoryId')) } }] },
        { effectiveFrom: { $lte: t } },
        { $or: [{ effectiveTo: null }, { effectiveTo: { $gt: t } }] },
      ],
    }).lean<RuleDoc[]>().exec();
    return docs.map(toRule);
  }

  async saveOrderLines(orderId: string, lines: readonly CommissionLine[]): Promise<CommissionLine[]> {
    if (lines.length > 0) {
      try {
        await this.lines.create([{ _id: str(orderId, 'orderId'), lines: lines.map((l) => ({ ...l, ruleAt: new Date(l.ruleAt), computedAt: new Date(l.computedAt) })) }]);
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    }
    return this.orderLines(orderId);
  }

  async orderLines(orderId: string): Promise<CommissionLine[]> {
    const d = await this.lines.findById(str(orderId, 'orderId')).lean<LinesDoc>().exec();
    return (d?.lines ?? []).map(toLine).sort((a, b) => a.lineIndex - b.lineIndex);
  }
}
