import { validationError } from '../../shared/errors.js';
import type { Clock } from '../../shared/ids.js';
import { canTransition, isArrivalStatus, type ArrivalStatus, type DeliveryView } from '../model.js';
import { changeDelivery, type DeliveryWriter } from './support.js';

export interface ArrivalInput {
  deliveryId: string;
  courierId: string;
  status: ArrivalStatus;
  /** When the courier entered the geofence (the fix's time); a time in the future is taken as now. */
  at: Date;
}

/**
 * A system use case for the hub's geofence events: the courier entered the
 * pickup or dropoff area. It applies only when the delivery is assigned to
 * that courier and the move is legal now (at_pickup from assigned, at_dropoff
 * from picked_up); anything else, including a repeated event, answers
 * `changed: false` without an error. An unknown delivery is NOT_FOUND.
 */
export class RecordArrival {
  constructor(private readonly deps: DeliveryWriter & { clock: Clock }) {}

  async execute(input: ArrivalInput): Promise<{ changed: boolean; delivery: DeliveryView }> {
    const at = arrivalTime(input, this.deps.clock.now());
    let changed = false;
    const delivery = await changeDelivery(this.deps, input.deliveryId, (d) => {
      changed = d.courierId === input.courierId && canTransition(d.status, input.status) && d.transition(input.status, at);
    });
    return { changed, delivery: delivery.toView() };
  }
}

function arrivalTime(input: ArrivalInput, now: Date): Date {
  if (!isArrivalStatus(input.status)) throw validationError('status must be at_pickup or at_dropoff', { field: 'status' });
  if (!(input.at instanceof Date) || Number.isNaN(input.at.getTime())) throw validationError('at must be a valid date', { field: 'at' });
  return input.at > now ? now : input.at;
}
