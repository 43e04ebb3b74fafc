import { expect } from 'chai';
import { startTestApp, http, type TestApp } from '../../helpers/app.js';
import { signUp, signUpAdmin, type Session } from '../../helpers/identity.js';
import { checkoutOf } from '../../helpers/orders.js';
import { eventually } from '../../helpers/webhook-receiver.js';

/**
 * Commission rules over HTTP (the real app on port 0): validation, the envelope, optimistic
 * versions, audit entries in the outbox, and an order's commission lines for its store's owner.
 */
describe('commission rules and lines (REST)', function () {
  this.timeout(60_000);
  let app: TestApp;
  let admin: Session;
  let owner: Session;
  let rival: Session;
  let storeId: string;
  before(async () => {
    app = await startTestApp({ env: { RATE_LIMIT_STRICT_PER_15MIN: '1000' } });
    admin = await signUpAdmin(app, 'super_admin');
    [owner, rival] = [await signUp(app, 'store_owner'), await signUp(app, 'store_owner')];
    storeId = (await http(`${app.url}/api/v1/stores`, { method: 'POST', token: owner.accessToken, json: { name: 'Commission shop', address: '1 Rule St', location: { lat: 33.5, lng: 36.3 } } })).body.data.id;
  });
  after(async () => {
    await app?.stop();
  });
  const call = (method: string, path: string, json?: unknown, token = admin.accessToken) => http(`${app.url}${path}`, { method, token, ...(json !== undefined ? { json } : {}) });
  /** The audit log's entries for a rule, oldest first, once the relay and the audit consumer have written `n` of them. */
  const audits = (ruleId: string, n: number) => eventually(async () => {
    const r = await call('GET', `/api/v1/admin/audit-log?resourceType=commission_rule&resourceId=${ruleId}`);
    const items = (r.body.data?.items ?? []) as { action: string; actor: { id: string } }[];
    return items.length >= n ? [...items].reverse() : undefined;
  }, 15_000, `${n} audit entries`);

  it('when an admin creates, changes and deletes a rule, then each answer is the rule in the envelope, versions guard changes, and each step is audited with its actor', async () => {
    const created = await call('POST', '/api/v1/admin/commission-rules', { scope: { type: 'store', id: storeId }, rateBps: 800, fixedMinor: 50, effectiveFrom: '2026-01-01T00:00:00Z', note: 'launch' });
    expect(created.status).to.equal(201);
    const rule = created.body.data;
    expect(rule).to.deep.include({ scope: { type: 'store', id: storeId }, rateBps: 800, fixedMinor: 50, effectiveFrom: '2026-01-01T00:00:00.000Z', effectiveTo: null, changedBy: admin.accountId, version: 1 });
    expect((await call('GET', `/api/v1/admin/commission-rules/${rule.id}`)).body.data).to.deep.equal(rule);
    const listed = await call('GET', `/api/v1/admin/commission-rules?scopeType=store&scopeId=${storeId}`);
    expect(listed.body.data).to.deep.equal({ items: [rule], pagination: { page: 1, limit: 20, total: 1, totalPages: 1 } });

    const changed = await call('PATCH', `/api/v1/admin/commission-rules/${rule.id}`, { expectedVersion: 1, rateBps: 700, effectiveTo: '2027-01-01T00:00:00Z' });
    expect(changed.status).to.equal(200);
    expect(changed.body.data).to.deep.include({ rateBps: 700, effectiveTo: '2027-01-01T00:00:00.000Z', version: 2 });
    const stale = await call('PATCH', `/api/v1/admin/commission-rules/${rule.id}`, { expectedVersion: 1, rateBps: 1 });
    expect([stale.status, stale.body.error.code, stale.body.error.details[0].reason]).to.deep.equal([409, 'CONFLICT', 'stale_version']);
    expect((await call('DELETE', `/api/v1/admin/commission-rules/${rule.id}?expectedVersion=1`)).status).to.equal(409);
    const deleted = await call('DELETE', `/api/v1/admin/commission-rules/${rule.id}?expectedVersion=2`);
    expect([deleted.status, deleted.body.data.rateBps]).to.deep.equal([200, 700]);
    expect((await call('GET', `/api/v1/admin/commission-rules/${rule.id}`)).status).to.equal(404);
    expect((await audits(rule.id, 3)).map((a) => [a.action, a.actor.id])).to.deep.equal([
      ['finance.commission_rule_created', admin.accountId], ['finance.commission_rule_changed', admin.accountId], ['finance.commission_rule_deleted', admin.accountId],
    ]);
  });

  it('when a rule is malformed, then it is refused with VALIDATION_ERROR naming each field, and nothing is stored', async () => {
    const before = (await call('GET', '/api/v1/admin/commission-rules?limit=100')).body.data.pagination.total;
    const cases: [unknown, string][] = [
      [{ scope: { type: 'default' } }, 'body.rateBps'],
      [{ scope: { type: 'default' }, rateBps: 10_001 }, 'body.rateBps'],
      [{ scope: { type: 'default' }, rateBps: 12.5 }, 'body.rateBps'],
      [{ scope: { type: 'default' }, fixedMinor: -1 }, 'body.fixedMinor'],
      [{ scope: { type: 'store' }, rateBps: 100 }, 'body.scope.id'],
      [{ scope: { type: 'seller', id: 'x' }, rateBps: 100 }, 'body.scope.type'],
      [{ scope: { type: 'default' }, rateBps: 100, effectiveFrom: 'yesterday' }, 'body.effectiveFrom'],
      [{ scope: { type: 'default' }, rateBps: 100, effectiveFrom: '2026-02-01T00:00:00Z', effectiveTo: '2026-01-01T00:00:00Z' }, 'effectiveTo'],
    ];
    for (const [body, field] of cases) {
      const r = await call('POST', '/api/v1/admin/commission-rules', body);
      expect([r.status, r.body.error.code], JSON.stringify(body)).to.deep.equal([400, 'VALIDATION_ERROR']);
      expect(r.body.error.details.map((d: { field: string }) => d.field), JSON.stringify(body)).to.include(field);
    }
    expect((await call('GET', '/api/v1/admin/commission-rules?limit=100')).body.data.pagination.total).to.equal(before);
  });

  it("when an order is settled, then its store's owner and the admin read the same commission lines; another owner is told it does not exist", async () => {
    const c = app.system.composed.container.cradle;
    const customer = await signUp(app, 'customer');
    const [order] = await c.placeOrders.execute(checkoutOf(customer.accountId, [storeId]));
    const path = `/api/v1/orders/${order!.id}/commission`;
    expect((await call('GET', path, undefined, owner.accessToken)).body.data).to.deep.equal({ orderId: order!.id, storeId, settled: false, totalCommissionMinor: 0, lines: [] });
    const p = (await c.repositories.orders.findById(order!.id))!.toProps();
    await c.orderMoneyFlows.settleDelivered({
      orderId: p.id, storeId, customerId: p.customerId, method: 'cash', subtotalMinor: p.totals.subtotalMinor, deliveryFeeMinor: p.totals.deliveryFeeMinor, vatMinor: p.totals.vatMinor,
      totalMinor: p.totals.totalMinor, placedAt: p.createdAt, lines: p.lines.map((l) => ({ variantId: l.variantId, productId: l.productId, categoryId: null, lineTotalMinor: l.lineTotalMinor })),
    }, 'courier-commission-api');
    const mine = await call('GET', path, undefined, owner.accessToken);
    expect(mine.status).to.equal(200);
    // The default rule the migration imported: 10 % of 25,000 and of 3,000.
    expect(mine.body.data).to.deep.include({ settled: true, totalCommissionMinor: 2_800 });
    expect(mine.body.data.lines.map((l: { ruleId: string; rateBps: number; baseMinor: number; commissionMinor: number }) => [l.ruleId, l.rateBps, l.baseMinor, l.commissionMinor]))
      .to.deep.equal([['setting:default', 1_000, 25_000, 2_500], ['setting:default', 1_000, 3_000, 300]]);
    expect((await call('GET', path)).body.data).to.deep.equal(mine.body.data);
    const foreign = await call('GET', path, undefined, rival.accessToken);
    expect([foreign.status, foreign.body.error.code]).to.deep.equal([404, 'NOT_FOUND']);
  });
});
