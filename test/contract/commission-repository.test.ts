import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { forEachBackend } from '../helpers/databases.js';
import { createRepositories, type Repositories } from '../../infra/db/index.js';
import { CommissionRule, IMPORTED_FROM_SETTING, type CommissionScope } from '../../domain/finance/commission-rule.js';
import type { CommissionLine } from '../../domain/finance/commission.js';

const AT = new Date('2026-03-01T10:00:00.000Z');
const short = () => randomUUID().slice(0, 8);

/** CommissionRepository (SqlCommissionRepository, MongoCommissionRepository): one suite, every backend. */
forEachBackend('CommissionRepository', (ctx) => {
  let repos: Repositories;
  before(() => {
    repos = createRepositories(ctx.store);
  });
  const rule = (scope: CommissionScope, amounts: { rateBps?: number; fixedMinor?: number }, effectiveFrom = '2026-01-01T00:00:00.000Z', effectiveTo: string | null = null, id = `rule-${short()}`) =>
    CommissionRule.create({ id, scope, ...amounts, effectiveFrom, effectiveTo, note: 'contract', changedBy: 'admin-1' }, AT);

  it('when the schema is migrated, then the setting finance.commissionRules is there as the default rule, in force since the epoch', async () => {
    const imported = (await repos.commissions.findRule('setting:default'))!.toProps();
    expect(imported).to.deep.include({ scope: { type: 'default' }, rateBps: 1_000, fixedMinor: null, effectiveFrom: '1970-01-01T00:00:00.000Z', effectiveTo: null, changedBy: IMPORTED_FROM_SETTING, version: 1 });
  });

  it('when a rule is inserted, then it reads back field for field; the same id again writes nothing', async () => {
    const r = rule({ type: 'store', id: `s-${short()}` }, { rateBps: 250, fixedMinor: 100 }, '2026-01-01T00:00:00.000Z', '2026-12-31T00:00:00.000Z');
    expect(await repos.commissions.insertRule(r)).to.equal(true);
    expect((await repos.commissions.findRule(r.id))!.toProps()).to.deep.equal(r.toProps());
    const other = CommissionRule.create({ id: r.id, scope: { type: 'default' }, rateBps: 1, changedBy: 'x' }, AT);
    expect(await repos.commissions.insertRule(other)).to.equal(false);
    expect((await repos.commissions.findRule(r.id))!.toProps()).to.deep.equal(r.toProps());
    expect(await repos.commissions.findRule('rule-missing')).to.equal(null);
  });

  it('when a rule is updated or deleted with a stale version, then nothing changes; with the current one, it does', async () => {
    const r = rule({ type: 'category', id: `c-${short()}` }, { rateBps: 500 });
    await repos.commissions.insertRule(r);
    r.change({ rateBps: 600, note: null }, 'admin-2', new Date('2026-03-02T00:00:00.000Z'));
    expect(await repos.commissions.updateRule(r, 2)).to.equal(false);
    expect(await repos.commissions.updateRule(r, 1)).to.equal(true);
    expect((await repos.commissions.findRule(r.id))!.toProps()).to.deep.equal(r.toProps());
    expect(await repos.commissions.deleteRule(r.id, 1)).to.equal(false);
    expect(await repos.commissions.deleteRule(r.id, 2)).to.equal(true);
    expect(await repos.commissions.findRule(r.id)).to.equal(null);
  });

  it('when rules are listed by scope, then they come newest start first, paged, with the total', async () => {
    const store = `s-${short()}`;
    const rs = [rule({ type: 'store', id: store }, { rateBps: 1 }, '2026-01-01T00:00:00.000Z'), rule({ type: 'store', id: store }, { rateBps: 2 }, '2026-02-01T00:00:00.000Z'), rule({ type: 'store', id: store }, { rateBps: 3 }, '2026-03-01T00:00:00.000Z')];
    for (const r of rs) await repos.commissions.insertRule(r);
    const page = await repos.commissions.listRules({ scopeType: 'store', scopeId: store }, 1, 1);
    expect(page.total).to.equal(3);
    expect(page.rules.map((r) => r.toProps().rateBps)).to.deep.equal([2]);
    const defaults = await repos.commissions.listRules({ scopeType: 'default' }, 0, 100);
    expect(defaults.rules.every((r) => r.scope.type === 'default')).to.equal(true);
  });

  it('when candidates are read for a store and categories at an instant, then only those scopes in force then come back', async () => {
    const store = `s-${short()}`;
    const cat = `c-${short()}`;
    const mine = rule({ type: 'store', id: store }, { rateBps: 10 }, '2026-01-01T00:00:00.000Z', '2026-03-01T10:00:00.000Z');
    const later = rule({ type: 'store', id: store }, { rateBps: 20 }, '2026-03-01T10:00:00.000Z');
    const category = rule({ type: 'category', id: cat }, { rateBps: 30 });
    const foreign = rule({ type: 'store', id: `s-${short()}` }, { rateBps: 40 });
    const otherCategory = rule({ type: 'category', id: `c-${short()}` }, { rateBps: 50 });
    for (const r of [mine, later, category, foreign, otherCategory]) await repos.commissions.insertRule(r);
    const ids = (rs: CommissionRule[]) => rs.map((r) => r.id).filter((id) => [mine, later, category, foreign, otherCategory].some((x) => x.id === id)).sort();
    expect(ids(await repos.commissions.candidateRules(store, [cat], new Date('2026-02-01T00:00:00.000Z')))).to.deep.equal([mine.id, category.id].sort());
    expect(ids(await repos.commissions.candidateRules(store, [cat], AT)), 'effectiveTo exclusive, effectiveFrom inclusive').to.deep.equal([later.id, category.id].sort());
    expect(ids(await repos.commissions.candidateRules(store, [], AT))).to.deep.equal([later.id]);
    expect((await repos.commissions.candidateRules(store, [], AT)).some((r) => r.id === 'setting:default'), 'the default is always a candidate').to.equal(true);
  });

  it("when an order's lines are saved twice, then the first lines stay and both calls answer them by line index", async () => {
    const orderId = `o-${short()}`;
    const line = (i: number, commissionMinor: number): CommissionLine => ({
      orderId, lineIndex: i, storeId: 's', variantId: `v${i}`, productId: `p${i}`, categoryId: i === 0 ? 'food' : null, ruleId: i === 0 ? 'r1' : null, scope: i === 0 ? 'category:food' : 'none',
      rateBps: i === 0 ? 500 : null, fixedMinor: i === 0 ? 10 : null, baseMinor: 10_000, commissionMinor, ruleAt: '2026-03-01T09:00:00.000Z', computedAt: '2026-03-01T10:00:00.000Z',
    });
    expect(await repos.commissions.orderLines(orderId)).to.deep.equal([]);
    const first = [line(1, 0), line(0, 510)];
    expect(await repos.commissions.saveOrderLines(orderId, first)).to.deep.equal([line(0, 510), line(1, 0)]);
    expect(await repos.commissions.saveOrderLines(orderId, [line(0, 999), line(1, 999)])).to.deep.equal([line(0, 510), line(1, 0)]);
    expect(await repos.commissions.orderLines(orderId)).to.deep.equal([line(0, 510), line(1, 0)]);
  });
});
