import { AppError, conflict, notFound } from '../../shared/errors.js';
import type { Clock, IdGenerator } from '../../shared/ids.js';
import type { Outbox, UnitOfWork, NewEvent } from '../../shared/events.js';
import type { Principal } from '../../shared/principal.js';
import type { SettingsReader } from '../../platform/ports.js';
import { auditEntryEvent } from '../../platform/events.js';
import type { Delivery, DeliveryView } from '../../delivery/model.js';
import type { DeliveryRepository } from '../../delivery/ports.js';
import { toOutboxEvents } from '../../delivery/events.js';
import { assertEligible, assertMayAssign, assertOrderReady, type AssignmentRuleDeps } from '../../delivery/use-cases/assign-courier.js';
import { assignedAt, excluding, newDispatchState, type DispatchState } from '../model.js';
import type { DispatchRepository, OfferRepository } from '../ports.js';
import { dispatchReopened, offerEndedEvent } from '../events.js';
import { changeDispatchState } from './answer-offer.js';

export const MANUAL_ACTIONS = ['assign', 'reassign', 'unassign'] as const;
export type ManualAction = (typeof MANUAL_ACTIONS)[number];

export interface ControlInput {
  /** The courier to assign (assign, reassign). */
  courierId?: string;
  /** Why: kept in the audit log (and on the delivery for an unassignment). Required from dispatchers; null from the store owner's assign route. */
  reason: string | null;
  /** The delivery version the dispatcher saw: anything else is CONFLICT, so a decision made on a stale board never lands. */
  expectedVersion?: number;
}

export interface ControlOrigin {
  ip?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
  /** Where the command came from (`rest`, `ops`), for the audit entry. */
  via: string;
}

export interface ControlDeliveryDeps extends AssignmentRuleDeps {
  deliveries: DeliveryRepository;
  offers: OfferRepository;
  dispatches: DispatchRepository;
  outbox: Outbox;
  unitOfWork: UnitOfWork;
  liveSettings: SettingsReader;
  clock: Clock;
  ids: IdGenerator;
}

export type BulkItem = { deliveryId: string; action: ManualAction; courierId?: string; expectedVersion?: number };
export type BulkResult = { deliveryId: string; ok: true; delivery: DeliveryView } | { deliveryId: string; ok: false; error: { code: string; message: string } };

const ATTEMPTS = 5;
/** Thrown inside the transaction when another writer saved the delivery first: rolls back, then the loop re-reads. */
class LostRace extends Error {}

/**
 * Manual control: a dispatcher (admin with `deliveries:manage`) assigns,
 * reassigns or unassigns a delivery with a reason; the store's owner may
 * assign and reassign their own store's deliveries while
 * `dispatch.storeOwnersAssign` allows (the rules of AssignCourier). In one
 * transaction: the delivery, the end of its pending offer (expired,
 * `withdrawn`), its dispatch state (assigned; or open again without the
 * previous courier), the outbox events and the audit entry.
 *
 * - `assign`: only while nobody holds the delivery (CONFLICT `already_assigned` otherwise).
 * - `reassign`: to another courier before pickup, whoever holds it; the previous courier is excluded from later rounds.
 * - `unassign`: back to pending; dispatch re-opens without the previous courier (`dispatch.delivery.reopened`).
 *
 * Exactly one of two racing writers wins: a courier accepting an offer and a
 * dispatcher assigning save against the version they read, and a dispatcher
 * whose save lost re-reads and gets CONFLICT when the delivery changed hands
 * meanwhile (or whenever `expectedVersion` no longer matches). The same
 * command again changes nothing.
 */
export class ControlDelivery {
  constructor(private readonly deps: ControlDeliveryDeps) {}

  assign(principal: Principal, deliveryId: string, input: ControlInput & { courierId: string }, origin: ControlOrigin): Promise<DeliveryView> {
    return this.run(principal, deliveryId, 'assign', input, origin);
  }

  reassign(principal: Principal, deliveryId: string, input: ControlInput & { courierId: string }, origin: ControlOrigin): Promise<DeliveryView> {
    return this.run(principal, deliveryId, 'reassign', input, origin);
  }

  unassign(principal: Principal, deliveryId: string, input: ControlInput, origin: ControlOrigin): Promise<DeliveryView> {
    return this.run(principal, deliveryId, 'unassign', input, origin);
  }

  /** Several commands with one reason. Not all-or-nothing: each item succeeds or fails on its own, in order. */
  async bulk(principal: Principal, items: readonly BulkItem[], reason: string, origin: ControlOrigin): Promise<BulkResult[]> {
    const results: BulkResult[] = [];
    for (const item of items) {
      try {
        const input = { reason, ...(item.courierId !== undefined ? { courierId: item.courierId } : {}), ...(item.expectedVersion !== undefined ? { expectedVersion: item.expectedVersion } : {}) };
        results.push({ deliveryId: item.deliveryId, ok: true, delivery: await this.run(principal, item.deliveryId, item.action, input, origin) });
      } catch (err) {
        if (!(err instanceof AppError) || !err.expose) throw err;
        results.push({ deliveryId: item.deliveryId, ok: false, error: { code: err.code, message: err.message } });
      }
    }
    return results;
  }

  private async run(principal: Principal, deliveryId: string, action: ManualAction, input: ControlInput, origin: ControlOrigin): Promise<DeliveryView> {
    const first = await this.deps.deliveries.findById(deliveryId);
    const { relation } = await assertMayAssign(this.deps, principal, first);
    if (relation !== 'admin' && action === 'unassign') throw new AppError('FORBIDDEN', 'Only a dispatcher unassigns a courier');
    if (action !== 'unassign') {
      if (!input.courierId) throw new AppError('VALIDATION_ERROR', 'courierId is required', { details: [{ field: 'courierId', message: 'is required' }] });
      await assertOrderReady(this.deps, first!);
      await assertEligible(this.deps, input.courierId);
    }
    const seenCourier = first!.courierId;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const delivery = attempt === 0 ? first! : await this.deps.deliveries.findById(deliveryId);
      if (!delivery) throw notFound('Delivery');
      if (input.expectedVersion !== undefined && delivery.version !== input.expectedVersion) {
        throw conflict('The delivery changed since you saw it', [{ reason: 'version_changed', message: `version ${delivery.version}, you saw ${input.expectedVersion}` }]);
      }
      if (delivery.courierId !== seenCourier) throw conflict('The delivery changed hands meanwhile', [{ reason: 'delivery_taken', message: `the delivery is ${delivery.status}` }]);
      const previous = delivery.courierId;
      const read = delivery.version;
      const now = this.deps.clock.now();
      this.apply(delivery, action, input, now);
      if (delivery.version === read) return delivery.toView();
      try {
        await this.commit(principal, delivery, read, action, previous, input.reason, origin, now);
        return delivery.toView();
      } catch (err) {
        if (!(err instanceof LostRace)) throw err;
      }
    }
    throw conflict('The delivery kept changing; try again');
  }

  /** The change on the entity; the entity enforces the transition table. */
  private apply(delivery: Delivery, action: ManualAction, input: ControlInput, now: Date): void {
    switch (action) {
      case 'assign':
        if (delivery.courierId !== null && delivery.courierId !== input.courierId) {
          throw conflict('Another courier has this delivery: reassign it instead', [{ reason: 'already_assigned', message: `the delivery is ${delivery.status}` }]);
        }
        return delivery.assign(input.courierId!, now);
      case 'reassign':
        return delivery.assign(input.courierId!, now);
      case 'unassign':
        if (delivery.status === 'pending' && delivery.courierId === null) return;
        delivery.transition('pending', now, input.reason);
    }
  }

  private async commit(principal: Principal, delivery: Delivery, read: number, action: ManualAction, previous: string | null, reason: string | null, origin: ControlOrigin, now: Date): Promise<void> {
    const events = toOutboxEvents(delivery.pullEvents(), delivery.version);
    await this.deps.unitOfWork.transaction(async () => {
      const pending = await this.deps.offers.findPendingByDelivery(delivery.id);
      const withdrawn = pending ? await this.deps.offers.end(pending.id, 'expired', now, 'withdrawn') : null;
      if (!(await this.deps.deliveries.save(delivery, read))) throw new LostRace();
      await this.updateDispatch(delivery, action, previous, now);
      const extra: NewEvent[] = withdrawn ? [offerEndedEvent(withdrawn)] : [];
      if (action === 'unassign' && previous) {
        extra.push({ type: dispatchReopened.type, aggregateId: delivery.id, aggregateVersion: delivery.version, occurredAt: now.toISOString(), payload: { deliveryId: delivery.id, orderId: delivery.orderId, previousCourierId: previous, reason, at: now.toISOString() } });
      }
      const audit = auditEntryEvent({
        id: this.deps.ids.next(),
        actor: { id: principal.accountId, role: principal.role },
        action: `dispatch.delivery_${action}ed`,
        resource: { type: 'delivery', id: delivery.id },
        origin: { ip: origin.ip ?? null, userAgent: origin.userAgent ?? null, requestId: origin.requestId ?? null },
        metadata: { reason, via: origin.via, courierId: delivery.courierId, previousCourierId: previous, withdrawnOfferId: withdrawn?.id ?? null },
      }, now);
      await this.deps.outbox.add([...events, ...extra, audit]);
    });
  }

  /** Assigned: dispatch stops (the previous courier is not asked again). Unassigned: it looks again, without them. */
  private async updateDispatch(delivery: Delivery, action: ManualAction, previous: string | null, now: Date): Promise<void> {
    const found = await this.deps.dispatches.find(delivery.id);
    if (!found) {
      const radiusM = this.deps.liveSettings.get('dispatch.rounds').radiusM;
      // A delivery assigned by hand before dispatch ever saw it: its wait counts from its creation.
      await this.deps.dispatches.open(newDispatchState({ deliveryId: delivery.id, orderId: delivery.orderId, radiusM, at: new Date(delivery.toView().createdAt) }));
    }
    const change = (s: DispatchState): DispatchState => {
      const without = previous && previous !== delivery.courierId ? excluding(s, previous) : s;
      return action === 'unassign' ? { ...without, status: 'open' } : assignedAt(without, now);
    };
    await changeDispatchState(this.deps, delivery.id, change, now);
  }
}
