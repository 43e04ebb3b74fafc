import type { StoreRepository } from '../../catalog/ports.js';
import type { OrderRepository } from '../../ordering/ports.js';
import { auditEntryEvent } from '../../platform/events.js';
import { AppError, conflict, notFound } from '../../shared/errors.js';
import type { Outbox, UnitOfWork } from '../../shared/events.js';
import type { Clock, IdGenerator } from '../../shared/ids.js';
import { hasPermission, type Principal } from '../../shared/principal.js';
import { offsetOf, toPage, type Page, type PageRequest } from '../../shared/pagination.js';
import { CommissionRule, type CommissionRuleInput, type CommissionRulePatch, type CommissionRuleView, type CommissionScopeType } from '../commission-rule.js';
import type { CommissionLine } from '../commission.js';
import type { CommissionRepository } from '../ports.js';

export interface CommissionRuleDeps {
  commissions: CommissionRepository;
  orders: Pick<OrderRepository, 'findById'>;
  stores: Pick<StoreRepository, 'findById'>;
  outbox: Outbox;
  unitOfWork: UnitOfWork;
  clock: Clock;
  ids: IdGenerator;
}

type Origin = { ip?: string | null; userAgent?: string | null; requestId?: string | null };
const FINANCE = 'finance:manage';

/** What an order's commission lines say, for its store's owner and for admins. */
export interface OrderCommissionView {
  orderId: string;
  storeId: string;
  /** False until the order is settled (delivered): the lines are written then. */
  settled: boolean;
  totalCommissionMinor: number;
  lines: CommissionLine[];
}

/**
 * Commission rules as data, for admins with `finance:manage`: list, read, create, change and delete.
 * Every change writes its audit entry (with the rule before and after) to the outbox in the
 * transaction of the change. A change names the version it was made on; another change in between
 * answers CONFLICT, so two admins never overwrite each other unseen.
 */
export class CommissionRules {
  constructor(private readonly deps: CommissionRuleDeps) {}

  async list(p: Principal, filter: { scopeType?: CommissionScopeType; scopeId?: string }, req: PageRequest): Promise<Page<CommissionRuleView>> {
    assertFinance(p);
    const page = await this.deps.commissions.listRules(filter, offsetOf(req), req.limit);
    return toPage(page.rules.map((r) => r.toView()), page.total, req);
  }

  async get(p: Principal, id: string): Promise<CommissionRuleView> {
    assertFinance(p);
    return (await this.found(id)).toView();
  }

  async create(p: Principal, input: CommissionRuleInput, origin: Origin = {}): Promise<CommissionRuleView> {
    assertFinance(p);
    const now = this.deps.clock.now();
    const rule = CommissionRule.create({ ...input, id: this.deps.ids.next(), changedBy: p.accountId }, now);
    await this.deps.unitOfWork.transaction(async () => {
      await this.deps.commissions.insertRule(rule);
      await this.audit(p, 'finance.commission_rule_created', rule.id, { after: rule.toView() }, origin, now);
    });
    return rule.toView();
  }

  async change(p: Principal, id: string, version: number, patch: CommissionRulePatch, origin: Origin = {}): Promise<CommissionRuleView> {
    assertFinance(p);
    const now = this.deps.clock.now();
    return this.deps.unitOfWork.transaction(async () => {
      const rule = await this.found(id);
      assertVersion(rule, version);
      const before = rule.toView();
      if (!rule.change(patch, p.accountId, now)) return before;
      if (!(await this.deps.commissions.updateRule(rule, version))) throw stale(id);
      await this.audit(p, 'finance.commission_rule_changed', id, { before, after: rule.toView() }, origin, now);
      return rule.toView();
    });
  }

  /** Deletes a rule. Orders already settled keep their commission lines (rule id, rate and amount are copied into each line). */
  async remove(p: Principal, id: string, version: number, origin: Origin = {}): Promise<CommissionRuleView> {
    assertFinance(p);
    const now = this.deps.clock.now();
    return this.deps.unitOfWork.transaction(async () => {
      const rule = await this.found(id);
      assertVersion(rule, version);
      if (!(await this.deps.commissions.deleteRule(id, version))) throw stale(id);
      await this.audit(p, 'finance.commission_rule_deleted', id, { before: rule.toView() }, origin, now);
      return rule.toView();
    });
  }

  /** An order's commission lines: its store's owner, or an admin with `finance:manage`; anyone else is told it does not exist. */
  async ofOrder(p: Principal, orderId: string): Promise<OrderCommissionView> {
    const order = await this.deps.orders.findById(orderId);
    if (!order) throw notFound('Order');
    const storeId = order.toProps().storeId;
    const mine = p.role === 'store_owner' && (await this.deps.stores.findById(storeId))?.ownerId === p.accountId;
    if (!mine && !hasPermission(p, FINANCE)) throw notFound('Order');
    const lines = await this.deps.commissions.orderLines(orderId);
    return { orderId, storeId, settled: lines.length > 0, totalCommissionMinor: lines.reduce((n, l) => n + l.commissionMinor, 0), lines };
  }

  private async found(id: string): Promise<CommissionRule> {
    const rule = await this.deps.commissions.findRule(id);
    if (!rule) throw notFound('Commission rule');
    return rule;
  }

  private async audit(p: Principal, action: string, ruleId: string, metadata: Record<string, unknown>, origin: Origin, at: Date): Promise<void> {
    await this.deps.outbox.add([auditEntryEvent({
      id: this.deps.ids.next(), actor: { id: p.accountId, role: p.role }, action, resource: { type: 'commission_rule', id: ruleId }, origin, metadata,
    }, at)]);
  }
}

function assertFinance(p: Principal): void {
  if (!hasPermission(p, FINANCE)) throw new AppError('FORBIDDEN', `Missing permission ${FINANCE}`);
}

function assertVersion(rule: CommissionRule, version: number): void {
  if (rule.version !== version) throw stale(rule.id, rule.version);
}

const stale = (id: string, current?: number) =>
  conflict(`commission rule ${id} changed since you read it`, [{ field: 'version', reason: 'stale_version', message: 'read the rule again and retry', ...(current ? { current } : {}) }]);
