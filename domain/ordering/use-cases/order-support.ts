import { conflict, notFound } from '../../shared/errors.js';
import type { Outbox, UnitOfWork } from '../../shared/events.js';
import { hasPermission, type Principal } from '../../shared/principal.js';
import type { StoreRepository } from '../../catalog/ports.js';
import { STOCK_ON_ENTERING, type Order, type OrderActor } from '../order.js';
import { toOrderEvents } from '../order-events.js';
import type { OrderRepository, OrderStock } from '../ports.js';

/**
 * Helpers shared by the order use cases: how the caller stands to an order
 * (the one visibility rule) and the read–change–save loop.
 */

export type StoreLookup = Pick<StoreRepository, 'findById' | 'list'>;

/** What a use case that changes orders needs: the repository, and the outbox and the order's stock in one transaction with it. */
export interface OrderWriter {
  orders: OrderRepository;
  outbox: Outbox;
  unitOfWork: UnitOfWork;
  orderStock: OrderStock;
}

/** The admin permission that sees and moves every order. */
export const ORDERS_MANAGE = 'orders:manage';

/**
 * The one visibility rule: an admin with `orders:manage` sees every order, a
 * customer their own, a store owner those of the stores they own. Null means
 * the caller must not learn the order exists (404).
 */
export async function actorOf(principal: Principal, order: Order, stores: StoreLookup): Promise<Exclude<OrderActor, 'system'> | null> {
  if (hasPermission(principal, ORDERS_MANAGE)) return 'admin';
  if (principal.role === 'customer') return order.customerId === principal.accountId ? 'customer' : null;
  if (principal.role === 'store_owner') return (await stores.findById(order.storeId))?.ownerId === principal.accountId ? 'store' : null;
  return null;
}

export async function visibleOrder(principal: Principal, order: Order | null, stores: StoreLookup): Promise<{ order: Order; actor: Exclude<OrderActor, 'system'> }> {
  const actor = order ? await actorOf(principal, order, stores) : null;
  if (!order || !actor) throw notFound('Order');
  return { order, actor };
}

const ATTEMPTS = 5;

/**
 * Reads the order, applies `step` and saves against the version read, with the
 * outbox rows of its changes, its stock (STOCK_ON_ENTERING: the confirm commits
 * the hold, a reject or cancel releases it) and whatever `alongside` writes (the
 * delivery of a confirmed order) in ONE transaction. When another writer won, it reads again
 * and re-applies `step`, which re-checks access and the transition table: the
 * loser of two different moves gets the table's CONFLICT, the loser of the same
 * move finds it done. A step that changes nothing writes nothing.
 */
export async function changeOrder(
  deps: OrderWriter,
  id: string,
  step: (order: Order) => Promise<void> | void,
  alongside?: (order: Order) => Promise<void>,
): Promise<Order> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const order = await deps.orders.findById(id);
    if (!order) throw notFound('Order');
    const read = order.version;
    const from = order.status;
    await step(order);
    if (order.version === read) return order;
    const events = toOrderEvents(order, order.pullChanges());
    const stock = order.status !== from ? STOCK_ON_ENTERING[order.status] : undefined;
    const saved = await deps.unitOfWork.transaction(async () => {
      if (!(await deps.orders.save(order, read))) return false;
      await deps.outbox.add(events);
      if (stock) await deps.orderStock[stock](order.id);
      await alongside?.(order);
      return true;
    });
    if (saved) return order;
  }
  throw conflict('The order kept changing; try again');
}
