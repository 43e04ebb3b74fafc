import { conflict, notFound } from '../../shared/errors.js';
import { hasPermission, type Principal, type Role } from '../../shared/principal.js';
import type { StoreRepository } from '../../catalog/ports.js';
import type { Outbox, UnitOfWork } from '../../shared/events.js';
import type { Delivery } from '../model.js';
import type { DeliveryRepository } from '../ports.js';
import { toOutboxEvents } from '../events.js';

/**
 * Helpers shared by the delivery use cases: who the caller is to a delivery
 * (the one visibility rule) and the read–change–save loop with retries.
 */

/** What the delivery use cases need of stores. */
export type StoreLookup = Pick<StoreRepository, 'findById' | 'list'>;
/** What a use case that changes deliveries needs: the repository, and the outbox in one transaction with it. */
export interface DeliveryWriter {
  deliveries: DeliveryRepository;
  outbox: Outbox;
  unitOfWork: UnitOfWork;
}

/** What the delivery use cases need of accounts (identity's AccountRepository fits). */
export interface AccountLookup {
  findById(id: string): Promise<{ role: Role } | null>;
}

/** How the caller stands to one delivery; null means it must not learn the delivery exists. */
export type Relation = 'admin' | 'store_owner' | 'courier' | 'customer';

/**
 * The one visibility rule: an admin with `deliveries:manage` sees every delivery; a customer their
 * own; a store owner those of the stores they own; a courier those assigned to them.
 */
export async function relationOf(principal: Principal, delivery: Delivery, stores: StoreLookup): Promise<Relation | null> {
  if (hasPermission(principal, 'deliveries:manage')) return 'admin';
  switch (principal.role) {
    case 'customer':
      return delivery.customerId === principal.accountId ? 'customer' : null;
    case 'courier':
      return delivery.courierId === principal.accountId ? 'courier' : null;
    case 'store_owner':
      return (await stores.findById(delivery.storeId))?.ownerId === principal.accountId ? 'store_owner' : null;
    default:
      return null;
  }
}

/** The delivery and the caller's relation to it; 404 for a missing and a foreign delivery alike. */
export async function visible(principal: Principal, delivery: Delivery | null, stores: StoreLookup): Promise<{ delivery: Delivery; relation: Relation }> {
  const relation = delivery ? await relationOf(principal, delivery, stores) : null;
  if (!delivery || !relation) throw notFound('Delivery');
  return { delivery, relation };
}

const ATTEMPTS = 5;

/**
 * Reads the delivery, applies `step` and saves against the version read. When
 * another writer won, it reads again and re-applies `step` (which re-checks
 * access and the transition table), up to a few times, then CONFLICT. A step
 * that changes nothing (a retried request) writes nothing. The save and the
 * outbox rows of its events commit together or not at all.
 */
export async function changeDelivery(
  deps: DeliveryWriter,
  id: string,
  step: (delivery: Delivery) => Promise<void> | void,
): Promise<Delivery> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const delivery = await deps.deliveries.findById(id);
    if (!delivery) throw notFound('Delivery');
    const read = delivery.version;
    await step(delivery);
    if (delivery.version === read) return delivery;
    if (await saveWithEvents(deps, delivery, read)) return delivery;
  }
  throw conflict('The delivery kept changing; try again');
}

/**
 * Saves against `expectedVersion` (or inserts, when null) and writes the raised
 * events to the outbox in the same transaction. The events are pulled before
 * the transaction so that a retried transaction writes them again.
 */
export async function saveWithEvents(deps: DeliveryWriter, delivery: Delivery, expectedVersion: number | null): Promise<boolean> {
  const events = toOutboxEvents(delivery.pullEvents(), delivery.version);
  return deps.unitOfWork.transaction(async () => {
    const saved = expectedVersion === null ? (await deps.deliveries.create(delivery)).created : await deps.deliveries.save(delivery, expectedVersion);
    if (saved) await deps.outbox.add(events);
    return saved;
  });
}
