import { validationError } from '../shared/errors.js';
import { coordinate, type Coordinate } from '../shared/coordinate.js';
import { charCount } from '../shared/text.js';

export const STORE_STATUSES = ['open', 'closed'] as const;
export type StoreStatus = (typeof STORE_STATUSES)[number];

/** E.164, as identity accepts it: a plus, a non-zero country digit and 7–14 more digits. */
const E164 = /^\+[1-9]\d{7,14}$/;

export interface StoreProps {
  id: string;
  ownerId: string;
  name: string;
  phone: string | null;
  address: string;
  location: Coordinate;
  status: StoreStatus;
  createdAt: string;
  updatedAt: string;
  /** Optimistic concurrency: bumped by every change, checked on save. */
  version: number;
}

export type StoreView = StoreProps;

/** The fields an owner may change; `phone: null` clears the phone. */
export interface StorePatch {
  name?: string;
  phone?: string | null;
  address?: string;
  location?: { lat: number; lng: number };
  status?: StoreStatus;
}

const text = (value: string, field: string, max: number): string => {
  const v = typeof value === 'string' ? value.trim() : '';
  if (!v || charCount(v) > max) throw validationError(`${field} must be 1 to ${max} characters`, { field });
  return v;
};
const phoneOf = (value: string | null | undefined): string | null => {
  if (value === null || value === undefined) return null;
  if (!E164.test(value)) throw validationError('phone must be an E.164 number like +14155550100', { field: 'phone' });
  return value;
};
const statusOf = (value: string): StoreStatus => {
  if (!(STORE_STATUSES as readonly string[]).includes(value)) throw validationError('status must be open or closed', { field: 'status' });
  return value as StoreStatus;
};

/** A vendor's shop: where couriers pick orders up. One owner (a store owner account). */
export class Store {
  private constructor(private props: StoreProps) {}

  static create(input: { id: string; ownerId: string; name: string; phone?: string | null; address: string; location: { lat: number; lng: number }; status?: StoreStatus; at: Date }): Store {
    if (!input.id || !input.ownerId) throw validationError('id and ownerId are required');
    const at = input.at.toISOString();
    return new Store({
      id: input.id,
      ownerId: input.ownerId,
      name: text(input.name, 'name', 200),
      phone: phoneOf(input.phone),
      address: text(input.address, 'address', 500),
      location: coordinate(input.location.lat, input.location.lng, 'location'),
      status: statusOf(input.status ?? 'open'),
      createdAt: at,
      updatedAt: at,
      version: 1,
    });
  }

  static restore(props: StoreProps): Store {
    return new Store({ ...props });
  }

  get id(): string {
    return this.props.id;
  }
  get ownerId(): string {
    return this.props.ownerId;
  }
  get location(): Coordinate {
    return this.props.location;
  }
  get status(): StoreStatus {
    return this.props.status;
  }
  get version(): number {
    return this.props.version;
  }

  /** Applies a patch; returns false (and changes nothing) when every field already has its value. */
  update(patch: StorePatch, at: Date): boolean {
    const next: StoreProps = { ...this.props };
    if (patch.name !== undefined) next.name = text(patch.name, 'name', 200);
    if (patch.phone !== undefined) next.phone = phoneOf(patch.phone);
    if (patch.address !== undefined) next.address = text(patch.address, 'address', 500);
    if (patch.location !== undefined) next.location = coordinate(patch.location.lat, patch.location.lng, 'location');
    if (patch.status !== undefined) next.status = statusOf(patch.status);
    const same = next.name === this.props.name && next.phone === this.props.phone && next.address === this.props.address && next.status === this.props.status
      && next.location.lat === this.props.location.lat && next.location.lng === this.props.location.lng;
    if (same) return false;
    this.props = { ...next, version: this.props.version + 1, updatedAt: at.toISOString() };
    return true;
  }

  toProps(): StoreProps {
    return { ...this.props };
  }
  toView(): StoreView {
    return this.toProps();
  }
}

export interface StoreFilter {
  ownerId?: string;
  status?: StoreStatus;
}
