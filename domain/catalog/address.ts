import { validationError } from '../shared/errors.js';
import { coordinate, type Coordinate } from '../shared/coordinate.js';
import { charCount } from '../shared/text.js';

/** Where an address's point came from: the client's pin, or the geocoder reading `line`. */
export const POINT_SOURCES = ['client', 'geocoder'] as const;
export type PointSource = (typeof POINT_SOURCES)[number];

/** Default cap on live addresses per customer (ADDRESS_MAX_PER_CUSTOMER overrides it). */
export const DEFAULT_MAX_ADDRESSES = 20;

export interface AddressProps {
  id: string;
  customerId: string;
  /** The customer's name for it: "Home", "البيت", "Work". */
  label: string;
  /** Street and number as the customer wrote it (what the geocoder reads). */
  line: string;
  building: string | null;
  floor: string | null;
  /** For the courier: "ring twice", "blue door". */
  notes: string | null;
  point: Coordinate;
  pointSource: PointSource;
  /** Exactly one live address of a customer who has any is the default. */
  isDefault: boolean;
  /** Soft delete: past orders keep pointing at the address; the book no longer shows it. */
  deletedAt: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/**
 * What a client sees. `deliversTo` is not stored: zones change, so it is asked
 * afresh on every read; null when no coverage source is wired in.
 */
export type AddressView = Omit<AddressProps, 'deletedAt'> & { deliversTo: boolean | null };

/** The fields a customer may change; `null` clears an optional one. */
export interface AddressPatch {
  label?: string;
  line?: string;
  building?: string | null;
  floor?: string | null;
  notes?: string | null;
}

const LIMITS = { label: 40, line: 300, building: 100, floor: 20, notes: 500 } as const;

const text = (value: unknown, field: keyof typeof LIMITS): string => {
  const v = typeof value === 'string' ? value.trim() : '';
  if (!v || charCount(v) > LIMITS[field]) throw validationError(`${field} must be 1 to ${LIMITS[field]} characters`, { field });
  return v;
};
const optional = (value: unknown, field: keyof typeof LIMITS): string | null => {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' && value.trim() === '') return null;
  return text(value, field);
};

/** An entry of a customer's address book. */
export class Address {
  private constructor(private props: AddressProps) {}

  static create(input: {
    id: string;
    customerId: string;
    label: string;
    line: string;
    building?: string | null;
    floor?: string | null;
    notes?: string | null;
    point: { lat: number; lng: number };
    pointSource: PointSource;
    at: Date;
  }): Address {
    if (!input.id || !input.customerId) throw validationError('id and customerId are required');
    const at = input.at.toISOString();
    return new Address({
      id: input.id,
      customerId: input.customerId,
      label: text(input.label, 'label'),
      line: text(input.line, 'line'),
      building: optional(input.building, 'building'),
      floor: optional(input.floor, 'floor'),
      notes: optional(input.notes, 'notes'),
      point: coordinate(input.point.lat, input.point.lng, 'point'),
      pointSource: input.pointSource,
      isDefault: false,
      deletedAt: null,
      createdAt: at,
      updatedAt: at,
      version: 1,
    });
  }

  static restore(props: AddressProps): Address {
    return new Address({ ...props });
  }

  get id(): string {
    return this.props.id;
  }
  get customerId(): string {
    return this.props.customerId;
  }
  get point(): Coordinate {
    return this.props.point;
  }
  get isDefault(): boolean {
    return this.props.isDefault;
  }
  get isDeleted(): boolean {
    return this.props.deletedAt !== null;
  }
  get version(): number {
    return this.props.version;
  }

  /**
   * Applies a patch and, when given, a new point; returns false (and changes
   * nothing) when every field already has its value.
   */
  update(patch: AddressPatch, point: { at: Coordinate; source: PointSource } | null, at: Date): boolean {
    const next: AddressProps = { ...this.props };
    if (patch.label !== undefined) next.label = text(patch.label, 'label');
    if (patch.line !== undefined) next.line = text(patch.line, 'line');
    if (patch.building !== undefined) next.building = optional(patch.building, 'building');
    if (patch.floor !== undefined) next.floor = optional(patch.floor, 'floor');
    if (patch.notes !== undefined) next.notes = optional(patch.notes, 'notes');
    if (point) {
      next.point = coordinate(point.at.lat, point.at.lng, 'point');
      next.pointSource = point.source;
    }
    const p = this.props;
    const same = next.label === p.label && next.line === p.line && next.building === p.building && next.floor === p.floor && next.notes === p.notes
      && next.point.lat === p.point.lat && next.point.lng === p.point.lng && next.pointSource === p.pointSource;
    if (same) return false;
    this.props = { ...next, version: p.version + 1, updatedAt: at.toISOString() };
    return true;
  }

  /** Soft delete; false when already deleted (a repeated delete changes nothing). */
  remove(at: Date): boolean {
    if (this.props.deletedAt !== null) return false;
    this.props = { ...this.props, isDefault: false, deletedAt: at.toISOString(), updatedAt: at.toISOString(), version: this.props.version + 1 };
    return true;
  }

  toProps(): AddressProps {
    return { ...this.props };
  }

  toView(deliversTo: boolean | null): AddressView {
    const { deletedAt: _deleted, ...rest } = this.props;
    return { ...rest, deliversTo };
  }
}
