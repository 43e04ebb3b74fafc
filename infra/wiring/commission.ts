import { asFunction, type AwilixContainer } from 'awilix';
import type { RouteSpec } from '../../api/route-kit.js';
import { commissionRoutes, type CommissionRouteDeps } from '../../api/routes/commission.js';
import { CommissionRules } from '../../domain/finance/use-cases/commission-rules.js';
import type { Outbox, UnitOfWork } from '../../domain/shared/events.js';
import type { Clock, IdGenerator } from '../../domain/shared/ids.js';
import type { Repositories } from '../db/index.js';

/** Commission rules as data and each order's commission lines (docs/finance.md, "Commission"). */
export type CommissionCradle = CommissionRouteDeps;

interface Needs {
  repositories: Repositories;
  outbox: Outbox;
  unitOfWork: UnitOfWork;
  clock: Clock;
  ids: IdGenerator;
}

export function registerCommission(container: AwilixContainer<CommissionCradle & Needs>): void {
  container.register({
    commissionRules: asFunction((c: Needs) => new CommissionRules({
      commissions: c.repositories.commissions, orders: c.repositories.orders, stores: c.repositories.stores, outbox: c.outbox, unitOfWork: c.unitOfWork, clock: c.clock, ids: c.ids,
    })).singleton(),
  });
}

export const commissionRoutesOf = (c: CommissionRouteDeps): RouteSpec[] => commissionRoutes(c);
