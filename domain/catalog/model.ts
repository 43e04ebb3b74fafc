import { validationError } from '../shared/errors.js';
import { coordinate, type Coordinate } from '../shared/coordinate.js';
import { charCount } from '../shared/text.js';
import { openingHours, type OpeningHours, type TemporaryClosure } from './opening-hours.js';
import { decided, unverified, withDocument, type StoreDocument, type StoreVerification, type StoreVerificationStatus, type VerificationDecision } from './store-verification.js';

export const STORE_STATUSES = ['open', 'closed'] as const;
export type StoreStatus = (typeof STORE_STATUSES)[number];

/**
 * The one listing rule: a store customers may see is open (its owner has not
 * closed it) and approved by a verifier. Public reads, search and zones
 * import these; adapters translate `StoreFilter.listed` into the same two tests.
 */
export const LISTED_STORE_STATUS = 'open' as const satisfies StoreStatus;
export const LISTED_VERIFICATION_STATUS = 'approved' as const satisfies StoreVerificationStatus;
/** Takes a Store, its props or its view. */
export const isListedStore = (s: { status: StoreStatus; verification: { status: StoreVerificationStatus } }): boolean =>
  s.status === LISTED_STORE_STATUS && s.verification.status === LISTED_VERIFICATION_STATUS;

/** E.164, as identity accepts it: a plus, a non-zero country digit and 7–14 more digits. */
const E164 = /^\+[1-9]\d{7,14}$/;
/** Far above any real basket; keeps sums of minimum orders far from 2^53. */
export const MAX_MINIMUM_ORDER_MINOR = 100_000_000;
/** A store's preparation time is whole minutes in [1, MAX_PREP_MINUTES]. */
export const MAX_PREP_MINUTES = 240;

/** One processed size of the logo, stored through the document storage and addressed by its hash. */
export interface ImageFile {
  key: string;
  sha256: string;
  width: number;
  height: number;
  contentType: string;
}
export interface StoreLogo {
  /** Size name (thumb, medium, large) → file. */
  files: Record<string, ImageFile>;
}

/** Filled in by reviews later; read-only for owners and admins alike. */
export interface StoreRating {
  average: number | null;
  count: number;
}

export interface StoreProps {
  id: string;
  ownerId: string;
  name: string;
  phone: string | null;
  address: string;
  /** The pickup point: where couriers collect orders. */
  location: Coordinate;
  /** How a courier finds the counter at the pickup point ("side door, ring twice"). */
  pickupInstructions: string | null;
  status: StoreStatus;
  /** Cuisine or type of shop, lower case (`bakery`, `shawarma`, `pharmacy`). */
  cuisine: string | null;
  logo: StoreLogo | null;
  /** Null until the owner publishes hours; a store without hours is never open now. */
  hours: OpeningHours | null;
  /** Smallest basket the store accepts, in integer minor units of the marketplace currency. */
  minimumOrder: number;
  /**
   * Minutes from an order to having it ready for the courier: the first leg of
   * every ETA. Null: the marketplace default (setting `store.prepDefaultMinutes`).
   */
  prepMinutes: number | null;
  rating: StoreRating;
  verification: StoreVerification;
  createdAt: string;
  updatedAt: string;
  /** Optimistic concurrency: bumped by every change, checked on save. */
  version: number;
}

export type HoursInput = Parameters<typeof openingHours>[0];

/** What a reader other than the verifier sees: no storage keys. */
export type StoreView = Omit<StoreProps, 'verification'> & { verification: Omit<StoreVerification, 'documents'> & { documents: Array<Omit<StoreDocument, 'storageKey'>> } };

/** The fields an owner may change; `null` clears an optional one. Rating, verification and ids are never among them. */
export interface StorePatch {
  name?: string;
  phone?: string | null;
  address?: string;
  location?: { lat: number; lng: number };
  pickupInstructions?: string | null;
  status?: StoreStatus;
  cuisine?: string | null;
  hours?: HoursInput | null;
  /** Sets or lifts (null) only the temporary closure, keeping the rest of the hours. */
  temporaryClosure?: TemporaryClosure | null;
  minimumOrder?: number;
  /** Null goes back to the marketplace default. */
  prepMinutes?: number | null;
}

const text = (value: string, field: string, max: number): string => {
  const v = typeof value === 'string' ? value.trim() : '';
  if (!v || charCount(v) > max) throw validationError(`${field} must be 1 to ${max} characters`, { field });
  return v;
};
const optionalText = (value: string | null | undefined, field: string, max: number): string | null =>
  value === null || value === undefined || (typeof value === 'string' && !value.trim()) ? null : text(value, field, max);
const phoneOf = (value: string | null | undefined): string | null => {
  if (value === null || value === undefined) return null;
  if (!E164.test(value)) throw validationError('phone must be an E.164 number like +14155550100', { field: 'phone' });
  return value;
};
const statusOf = (value: string): StoreStatus => {
  if (!(STORE_STATUSES as readonly string[]).includes(value)) throw validationError('status must be open or closed', { field: 'status' });
  return value as StoreStatus;
};
const cuisineOf = (value: string | null | undefined): string | null => {
  const v = optionalText(value, 'cuisine', 60);
  return v === null ? null : v.toLowerCase();
};
export const minimumOrderOf = (value: number | undefined): number => {
  const v = value ?? 0;
  if (!Number.isSafeInteger(v) || v < 0 || v > MAX_MINIMUM_ORDER_MINOR) {
    throw validationError(`minimumOrder must be a whole number of minor units from 0 to ${MAX_MINIMUM_ORDER_MINOR}`, { field: 'minimumOrder', reason: v < 0 ? 'negative_amount' : 'invalid_amount' });
  }
  return v;
};
export const prepMinutesOf = (value: number | null | undefined): number | null => {
  if (value === null || value === undefined) return null;
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_PREP_MINUTES) {
    throw validationError(`prepMinutes must be a whole number of minutes from 1 to ${MAX_PREP_MINUTES}`, { field: 'prepMinutes', reason: 'invalid_minutes' });
  }
  return value;
};
const hoursOf = (value: HoursInput | null | undefined): OpeningHours | null => (value === null || value === undefined ? null : openingHours(value));

export interface CreateStoreFields {
  id: string;
  ownerId: string;
  name: string;
  phone?: string | null;
  address: string;
  location: { lat: number; lng: number };
  pickupInstructions?: string | null;
  status?: StoreStatus;
  cuisine?: string | null;
  hours?: HoursInput | null;
  minimumOrder?: number;
  prepMinutes?: number | null;
  at: Date;
}

/** A vendor's shop: where couriers pick orders up. One owner (a store owner account). */
export class Store {
  private constructor(private props: StoreProps) {}

  static create(input: CreateStoreFields): Store {
    if (!input.id || !input.ownerId) throw validationError('id and ownerId are required');
    const at = input.at.toISOString();
    return new Store({
      id: input.id,
      ownerId: input.ownerId,
      name: text(input.name, 'name', 200),
      phone: phoneOf(input.phone),
      address: text(input.address, 'address', 500),
      location: coordinate(input.location.lat, input.location.lng, 'location'),
      pickupInstructions: optionalText(input.pickupInstructions, 'pickupInstructions', 500),
      status: statusOf(input.status ?? 'open'),
      cuisine: cuisineOf(input.cuisine),
      logo: null,
      hours: hoursOf(input.hours),
      minimumOrder: minimumOrderOf(input.minimumOrder),
      prepMinutes: prepMinutesOf(input.prepMinutes),
      rating: { average: null, count: 0 },
      verification: unverified(),
      createdAt: at,
      updatedAt: at,
      version: 1,
    });
  }

  static restore(props: StoreProps): Store {
    return new Store(structuredClone(props));
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
  get verification(): StoreVerification {
    return structuredClone(this.props.verification);
  }
  get logo(): StoreLogo | null {
    return this.props.logo ? structuredClone(this.props.logo) : null;
  }
  get hours(): OpeningHours | null {
    return this.props.hours ? structuredClone(this.props.hours) : null;
  }

  /** Applies a patch; returns false (and changes nothing) when every field already has its value. */
  update(patch: StorePatch, at: Date): boolean {
    const next: StoreProps = structuredClone(this.props);
    if (patch.name !== undefined) next.name = text(patch.name, 'name', 200);
    if (patch.phone !== undefined) next.phone = phoneOf(patch.phone);
    if (patch.address !== undefined) next.address = text(patch.address, 'address', 500);
    if (patch.location !== undefined) next.location = coordinate(patch.location.lat, patch.location.lng, 'location');
    if (patch.pickupInstructions !== undefined) next.pickupInstructions = optionalText(patch.pickupInstructions, 'pickupInstructions', 500);
    if (patch.status !== undefined) next.status = statusOf(patch.status);
    if (patch.cuisine !== undefined) next.cuisine = cuisineOf(patch.cuisine);
    if (patch.hours !== undefined) next.hours = hoursOf(patch.hours);
    if (patch.temporaryClosure !== undefined) {
      if (!next.hours) throw validationError('Publish opening hours before a temporary closure', [{ field: 'temporaryClosure', reason: 'no_hours', message: 'the store has no hours' }]);
      next.hours = openingHours({ ...next.hours, temporaryClosure: patch.temporaryClosure });
    }
    if (patch.minimumOrder !== undefined) next.minimumOrder = minimumOrderOf(patch.minimumOrder);
    if (patch.prepMinutes !== undefined) next.prepMinutes = prepMinutesOf(patch.prepMinutes);
    return this.replace(next, at);
  }

  /** Sets (or removes, with null) the logo. */
  setLogo(logo: StoreLogo | null, at: Date): boolean {
    const next = structuredClone(this.props);
    next.logo = logo ? structuredClone(logo) : null;
    return this.replace(next, at);
  }

  addDocument(doc: StoreDocument, at: Date): void {
    const next = structuredClone(this.props);
    next.verification = withDocument(next.verification, doc);
    this.replace(next, at);
  }

  /** False when the same decision was already made (a retry). */
  decideVerification(decision: VerificationDecision, reason: string | null, by: string, at: Date): boolean {
    const verification = decided(this.props.verification, decision, reason, by, at);
    if (!verification) return false;
    return this.replace({ ...structuredClone(this.props), verification }, at);
  }

  private replace(next: StoreProps, at: Date): boolean {
    const { version: _v, updatedAt: _u, ...a } = next;
    const { version: _v2, updatedAt: _u2, ...b } = this.props;
    if (JSON.stringify(a) === JSON.stringify(b)) return false;
    this.props = { ...next, version: this.props.version + 1, updatedAt: at.toISOString() };
    return true;
  }

  toProps(): StoreProps {
    return structuredClone(this.props);
  }
  toView(): StoreView {
    const p = this.toProps();
    return { ...p, verification: { ...p.verification, documents: p.verification.documents.map(({ storageKey: _k, ...d }) => d) } };
  }
}

export interface StoreFilter {
  ownerId?: string;
  status?: StoreStatus;
  /** Only stores customers may see (isListedStore). */
  listed?: true;
  verification?: StoreVerificationStatus;
  /** Exact, lower case. */
  cuisine?: string;
  /** Case-insensitive substring of the name. */
  q?: string;
}
