import { randomUUID } from 'node:crypto';
import { openMigratedPglite } from '../helpers/pglite-template.js';
import { closeStore, createRepositories, prepareStore, type Repositories, type Store as DbStore } from '../../infra/db/index.js';
import { Account } from '../../domain/identity/model.js';
import { OrderReadinessOfOrders } from '../../domain/ordering/use-cases/order-readiness.js';
import { CheckCourierEligibility } from '../../domain/identity/use-cases/check-courier-eligibility.js';
import { Store } from '../../domain/catalog/model.js';
import type { DeliveryEvent } from '../../domain/delivery/model.js';
import type { Outbox } from '../../domain/shared/events.js';
import { fromOutboxEvent } from '../../domain/delivery/events.js';
import { uuidIds } from '../../domain/shared/ids.js';
import type { Principal, Role } from '../../domain/shared/principal.js';
import { CreateDelivery } from '../../domain/delivery/use-cases/create-delivery.js';
import { AssignCourier } from '../../domain/delivery/use-cases/assign-courier.js';
import { ChangeDeliveryStatus } from '../../domain/delivery/use-cases/change-delivery-status.js';
import { RecordArrival } from '../../domain/delivery/use-cases/record-arrival.js';
import { DeliveryQueries } from '../../domain/delivery/use-cases/queries.js';
import { DeliveryAccess } from '../../domain/delivery/use-cases/delivery-access.js';

/**
 * Delivery use cases over real PGlite repositories and the real courier
 * eligibility, writing their events to the real outbox. `events` lists, in the
 * model's shape, what the use cases handed the outbox (delivery-outbox.test.ts
 * reads the outbox table itself).
 */
export interface World {
  repos: Repositories;
  events: DeliveryEvent[];
  clock: { now(): Date; set(d: Date): void };
  deps: ReturnType<typeof depsOf>;
  createDelivery: CreateDelivery;
  assignCourier: AssignCourier;
  changeDeliveryStatus: ChangeDeliveryStatus;
  recordArrival: RecordArrival;
  deliveryQueries: DeliveryQueries;
  deliveryAccess: DeliveryAccess;
  close(): Promise<void>;
}

const depsOf = (repos: Repositories, outbox: Outbox, clock: World['clock']) => ({
  deliveries: repos.deliveries,
  stores: repos.stores,
  accounts: repos.accounts,
  courierEligibility: new CheckCourierEligibility({ accounts: repos.accounts }),
  orderReadiness: new OrderReadinessOfOrders({ orders: repos.orders }),
  outbox,
  unitOfWork: repos.unitOfWork,
  clock,
  ids: uuidIds,
});

export async function openWorld(): Promise<World> {
  const db: DbStore = { kind: 'sql', engine: 'pglite', sql: await openMigratedPglite() };
  await prepareStore(db);
  const repos = createRepositories(db);
  const events: DeliveryEvent[] = [];
  let now = new Date(Date.UTC(2026, 0, 1, 12));
  const clock = { now: () => now, set: (d: Date) => void (now = d) };
  const observed: Outbox = {
    add: async (batch) => {
      const sealed = await repos.outbox.add(batch);
      events.push(...sealed.map((e) => fromOutboxEvent(e)!));
      return sealed;
    },
  };
  const deps = depsOf(repos, observed, clock);
  return {
    repos, events, clock, deps,
    createDelivery: new CreateDelivery(deps),
    assignCourier: new AssignCourier(deps),
    changeDeliveryStatus: new ChangeDeliveryStatus(deps),
    recordArrival: new RecordArrival(deps),
    deliveryQueries: new DeliveryQueries(deps),
    deliveryAccess: new DeliveryAccess(deps),
    close: () => closeStore(db),
  };
}

export const principal = (accountId: string, role: Role, permissions: string[] = []): Principal => ({ accountId, role, permissions, sessionId: 's', tokenId: 't', expiresAt: 0 });
export const opsAdmin = (): Principal => principal(`admin-${randomUUID().slice(0, 6)}`, 'admin', ['deliveries:manage']);

let phoneSeq = 0;
/** An active account; a courier made `eligible` has a complete profile and approved documents. */
export async function account(w: World, role: Exclude<Role, 'admin'>, opts: { eligible?: boolean } = {}): Promise<Principal> {
  const at = w.clock.now();
  const a = Account.create({ id: randomUUID(), role, phone: `+1415${String(process.pid % 1000).padStart(3, '0')}${String(phoneSeq++).padStart(4, '0')}`, passwordHash: 'x', at });
  a.verifyPhone(at);
  if (opts.eligible) {
    a.updateProfile({ name: 'Sami', vehicleType: 'motorbike', capacityKg: 20 }, at);
    a.submitDocuments(at);
    a.decideVerification('approve', 'checked', 'admin', at);
  }
  await w.repos.accounts.create(a);
  return principal(a.id, role);
}

export async function storeOf(w: World, owner: Principal, location = { lat: 33.5112, lng: 36.3132 }): Promise<string> {
  const s = Store.create({ id: randomUUID(), ownerId: owner.accountId, name: 'Shop', address: '1 Souq St', location, at: w.clock.now() });
  await w.repos.stores.create(s);
  return s.id;
}

export const DROPOFF = { lat: 33.52, lng: 36.29 };
export const newOrderId = (): string => `order-${randomUUID().slice(0, 8)}`;

/** A store owner, their store, a customer, an eligible courier and one pending delivery. */
export async function scene(w: World) {
  const owner = await account(w, 'store_owner');
  const storeId = await storeOf(w, owner);
  const customer = await account(w, 'customer');
  const courier = await account(w, 'courier', { eligible: true });
  const delivery = await w.createDelivery.execute(owner, { orderId: newOrderId(), storeId, customerId: customer.accountId, dropoff: DROPOFF });
  return { owner, storeId, customer, courier, delivery };
}

/** The error code a promise rejects with (fails the test when it resolves). */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
  throw new Error('expected a rejection');
}
