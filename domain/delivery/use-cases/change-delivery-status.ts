import { AppError, validationError } from '../../shared/errors.js';
import type { Clock } from '../../shared/ids.js';
import type { Principal } from '../../shared/principal.js';
import { ABORT_STATUSES, type DeliveryStatus, type DeliveryView } from '../model.js';
import { changeDelivery, type DeliveryWriter, visible, type Relation, type StoreLookup } from './support.js';

/** Who may ask for which status; the transition table then decides whether it is legal now. */
const MAY_SET: Record<Relation, readonly DeliveryStatus[] | 'any'> = {
  admin: 'any',
  store_owner: ['cancelled'],
  courier: ['picked_up', 'delivered', 'failed'],
  customer: [],
};

export interface ChangeDeliveryStatusInput {
  status: DeliveryStatus;
  reason?: string | null;
}

/**
 * Moves a delivery along its transition table: the assigned courier picks up,
 * delivers or fails (with a reason); the store owner cancels (with a reason);
 * an admin with `deliveries:manage` makes any legal move. Asking for the status
 * the delivery already has is a no-op, so retries are safe.
 */
export class ChangeDeliveryStatus {
  constructor(private readonly deps: DeliveryWriter & { stores: StoreLookup; clock: Clock }) {}

  async execute(principal: Principal, deliveryId: string, input: ChangeDeliveryStatusInput): Promise<DeliveryView> {
    assertReasonWhenNeeded(input);
    const delivery = await changeDelivery(this.deps, deliveryId, async (d) => {
      const { relation } = await visible(principal, d, this.deps.stores);
      assertMaySet(relation, input.status);
      d.transition(input.status, this.deps.clock.now(), input.reason ?? null);
    });
    return delivery.toView();
  }
}

function assertReasonWhenNeeded(input: ChangeDeliveryStatusInput): void {
  if (ABORT_STATUSES.includes(input.status) && !input.reason?.trim()) {
    throw validationError(`A reason is required to set ${input.status}`, [{ field: 'reason', message: `required for ${input.status}` }]);
  }
}

function assertMaySet(relation: Relation, status: DeliveryStatus): void {
  const allowed = MAY_SET[relation];
  if (allowed !== 'any' && !allowed.includes(status)) {
    throw new AppError('FORBIDDEN', `You may not set this delivery to ${status}`, { details: { allowed } });
  }
}
