import { AppError, validationError } from '../shared/errors.js';
import { coordinate, type Coordinate } from '../shared/coordinate.js';

export const DELIVERY_STATUSES = ['pending', 'assigned', 'at_pickup', 'picked_up', 'at_dropoff', 'delivered', 'cancelled', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** The ways a delivery ends without being delivered; asking for one needs a reason. */
export const ABORT_STATUSES: readonly DeliveryStatus[] = ['cancelled', 'failed'];

/**
 * The one transition table. `assigned → pending` is an unassignment (the courier
 * gave the delivery back before pickup); every other edge moves forward.
 */
export const TRANSITIONS: Readonly<Record<DeliveryStatus, readonly DeliveryStatus[]>> = {
  pending: ['assigned', ...ABORT_STATUSES],
  assigned: ['at_pickup', 'pending', ...ABORT_STATUSES],
  at_pickup: ['picked_up', ...ABORT_STATUSES],
  picked_up: ['at_dropoff', ...ABORT_STATUSES],
  at_dropoff: ['delivered', ...ABORT_STATUSES],
  delivered: [],
  cancelled: [],
  failed: [],
};

/** Final: nothing can follow. */
export const isFinal = (s: DeliveryStatus): boolean => TRANSITIONS[s].length === 0;
export const canTransition = (from: DeliveryStatus, to: DeliveryStatus): boolean => TRANSITIONS[from].includes(to);

export type Stop = 'pickup' | 'dropoff';

/**
 * Where the courier is heading (or waiting) in each status: null while no
 * courier is on the way. Positions are broadcast and ETAs computed only while
 * there is a stop ahead, and the ETA goes via the pickup while it is `pickup`.
 */
export const STOP_AHEAD: Readonly<Record<DeliveryStatus, Stop | null>> = {
  pending: null,
  assigned: 'pickup',
  at_pickup: 'pickup',
  picked_up: 'dropoff',
  at_dropoff: 'dropoff',
  delivered: null,
  cancelled: null,
  failed: null,
};

/** The stops still ahead on the way to the customer's door: via the pickup until the order is picked up; none once it is over (or before a courier is on the way). */
export function stopsToDoor<P>(d: { status: DeliveryStatus; pickup: P; dropoff: P }): P[] {
  const stop = STOP_AHEAD[d.status];
  if (stop === 'dropoff') return [d.dropoff];
  if (stop === 'pickup') return [d.pickup, d.dropoff];
  return [];
}

/** A courier carries the delivery: assigned and not yet final. */
export const ACTIVE_STATUSES: readonly DeliveryStatus[] = DELIVERY_STATUSES.filter((s) => STOP_AHEAD[s] !== null);
export const isActive = (s: DeliveryStatus): boolean => STOP_AHEAD[s] !== null;
export const FINAL_STATUSES: readonly DeliveryStatus[] = DELIVERY_STATUSES.filter(isFinal);

/** Entering a stop's geofence records the arrival there. */
export const ARRIVAL_STATUS = { pickup: 'at_pickup', dropoff: 'at_dropoff' } as const satisfies Record<Stop, DeliveryStatus>;
export type ArrivalStatus = (typeof ARRIVAL_STATUS)[Stop];
export const isArrivalStatus = (s: string): s is ArrivalStatus => s === ARRIVAL_STATUS.pickup || s === ARRIVAL_STATUS.dropoff;

/** The geofence a courier's delivery needs in each status: only on the way to a stop, not once arrived. */
export const GEOFENCE_FOR: Readonly<Partial<Record<DeliveryStatus, Stop>>> = { assigned: 'pickup', picked_up: 'dropoff' };

export type DeliveryEvent =
  | { type: 'delivery.created'; deliveryId: string; orderId: string; storeId: string; at: string }
  | { type: 'delivery.courier_assigned'; deliveryId: string; orderId: string; courierId: string; at: string }
  | { type: 'delivery.status_changed'; deliveryId: string; orderId: string; from: DeliveryStatus; to: DeliveryStatus; courierId: string | null; reason: string | null; at: string };

export interface DeliveryProps {
  id: string;
  orderId: string;
  storeId: string;
  customerId: string;
  courierId: string | null;
  pickup: Coordinate;
  dropoff: Coordinate;
  status: DeliveryStatus;
  /** When each status was entered (the latest time, if entered more than once). */
  timestamps: Partial<Record<DeliveryStatus, string>>;
  reason: string | null;
  /** Optimistic concurrency: bumped by every change, checked on save. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface DeliveryView extends Omit<DeliveryProps, 'version'> {
  version: number;
}

/** A courier's job for one order. */
export class Delivery {
  private readonly pending: DeliveryEvent[] = [];
  private constructor(private props: DeliveryProps) {}

  static create(input: { id: string; orderId: string; storeId: string; customerId: string; pickup: { lat: number; lng: number }; dropoff: { lat: number; lng: number }; at: Date }): Delivery {
    for (const key of ['id', 'orderId', 'storeId', 'customerId'] as const) {
      if (!input[key] || input[key].length > 128) throw validationError(`${key} is required`, { field: key });
    }
    const at = input.at.toISOString();
    const d = new Delivery({
      id: input.id,
      orderId: input.orderId,
      storeId: input.storeId,
      customerId: input.customerId,
      courierId: null,
      pickup: coordinate(input.pickup.lat, input.pickup.lng, 'pickup'),
      dropoff: coordinate(input.dropoff.lat, input.dropoff.lng, 'dropoff'),
      status: 'pending',
      timestamps: { pending: at },
      reason: null,
      version: 1,
      createdAt: at,
      updatedAt: at,
    });
    d.pending.push({ type: 'delivery.created', deliveryId: d.id, orderId: d.props.orderId, storeId: d.props.storeId, at });
    return d;
  }

  static restore(props: DeliveryProps): Delivery {
    return new Delivery({ ...props, timestamps: { ...props.timestamps } });
  }

  get id(): string {
    return this.props.id;
  }
  get orderId(): string {
    return this.props.orderId;
  }
  get storeId(): string {
    return this.props.storeId;
  }
  get customerId(): string {
    return this.props.customerId;
  }
  get status(): DeliveryStatus {
    return this.props.status;
  }
  get courierId(): string | null {
    return this.props.courierId;
  }
  get version(): number {
    return this.props.version;
  }

  /** Assigns (or re-assigns before pickup) a courier. Assigning the same courier again is a no-op. */
  assign(courierId: string, at: Date): void {
    if (!courierId) throw validationError('courierId is required', { field: 'courierId' });
    if (this.props.status === 'assigned' && this.props.courierId === courierId) return;
    if (this.props.status !== 'pending' && this.props.status !== 'assigned') {
      throw new AppError('CONFLICT', `cannot assign a courier to a delivery that is ${this.props.status}`, { details: { status: this.props.status } });
    }
    const from = this.props.status;
    this.props.courierId = courierId;
    this.enter('assigned', at, null, from);
    this.pending.push({ type: 'delivery.courier_assigned', deliveryId: this.id, orderId: this.props.orderId, courierId, at: at.toISOString() });
  }

  /**
   * Moves along the transition table. Asking for the status it already has is a
   * no-op (a retried request or a repeated geofence event), so callers are idempotent.
   */
  transition(to: DeliveryStatus, at: Date, reason: string | null = null): boolean {
    if (this.props.status === to) return false;
    if (!canTransition(this.props.status, to)) {
      throw new AppError('CONFLICT', `delivery cannot go from ${this.props.status} to ${to}`, { details: { from: this.props.status, to, allowed: TRANSITIONS[this.props.status] } });
    }
    if (to === 'assigned') throw new AppError('CONFLICT', 'use assign() to assign a courier');
    if (to === 'pending') this.props.courierId = null;
    this.enter(to, at, reason, this.props.status);
    return true;
  }

  private enter(to: DeliveryStatus, at: Date, reason: string | null, from: DeliveryStatus): void {
    const iso = at.toISOString();
    this.props.status = to;
    this.props.timestamps[to] = iso;
    this.props.reason = reason;
    this.props.version += 1;
    this.props.updatedAt = iso;
    if (from !== to) this.pending.push({ type: 'delivery.status_changed', deliveryId: this.id, orderId: this.props.orderId, from, to, courierId: this.props.courierId, reason, at: iso });
  }

  /** Events raised since the last call; the use case publishes them after saving. */
  pullEvents(): DeliveryEvent[] {
    return this.pending.splice(0, this.pending.length);
  }

  toProps(): DeliveryProps {
    return { ...this.props, timestamps: { ...this.props.timestamps } };
  }
  toView(): DeliveryView {
    return this.toProps();
  }
}
