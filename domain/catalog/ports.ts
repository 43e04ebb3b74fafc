import type { Page, PageRequest } from '../shared/pagination.js';
import type { Store, StoreFilter } from './model.js';
import type { Address } from './address.js';

/**
 * Stores. Implementations: SqlStoreRepository and MongoStoreRepository, both
 * judged by test/contract/store-repository.test.ts.
 */
export interface StoreRepository {
  /** Inserts a new store (ids are generated, so a clash is a bug and throws). */
  create(store: Store): Promise<void>;
  findById(id: string): Promise<Store | null>;
  /** Writes the store if the stored version is still `expectedVersion`; false when someone else changed it first. */
  save(store: Store, expectedVersion: number): Promise<boolean>;
  /** Newest first. */
  list(filter: StoreFilter, page: PageRequest): Promise<Page<Store>>;
}

/**
 * A customer's address book. Implementations: SqlAddressRepository and
 * MongoAddressRepository, both judged by test/contract/address-repository.test.ts.
 * Deleted addresses stay stored (orders point at them) and read back with `deletedAt`.
 */
export interface AddressRepository {
  /**
   * Inserts a live address unless the customer already has `maxLive` of them:
   * false when full. The cap holds under concurrent inserts (each live address
   * takes one of `maxLive` slots, unique per customer).
   */
  insert(address: Address, maxLive: number): Promise<boolean>;
  findById(id: string): Promise<Address | null>;
  /**
   * Writes label, line, building, floor, notes, point and the soft delete if the
   * stored version is still `expectedVersion`; false when someone else changed it
   * first. Never writes `isDefault` except to clear it on delete: `setDefault` owns it.
   */
  save(address: Address, expectedVersion: number): Promise<boolean>;
  /**
   * Makes `addressId` the customer's one default and clears the previous one, in
   * one transaction (joins the caller's). False when the address is not a live
   * address of `customerId`.
   */
  setDefault(customerId: string, addressId: string): Promise<boolean>;
  /** Live addresses of a customer: the default first, then newest first. */
  listLive(customerId: string, page: PageRequest): Promise<Page<Address>>;
  /** The customer's newest live address, or null (who becomes default when the default is deleted). */
  newestLive(customerId: string): Promise<Address | null>;
}

/** A point read from a free-text address by a geocoding service. */
export interface GeocodedPoint {
  lat: number;
  lng: number;
  /** The service's own spelling of the address, for the logs and the client. */
  formatted: string;
}

/**
 * Turns an address line into a point. Implementation: GoogleGeocoder
 * (infra/providers/google-geocoding.ts). Null when nothing matches; a failing,
 * slow or over-quota service throws AppError SERVICE_UNAVAILABLE with a `reason`.
 */
export interface Geocoder {
  geocode(line: string): Promise<GeocodedPoint | null>;
}

/**
 * Whether any store delivers to a point (the zones of the stores). The address
 * book depends on it to say "deliversTo"; absent, that answer is unknown (null).
 */
export interface StoreCoverage {
  deliversTo(point: { lat: number; lng: number }): Promise<boolean>;
}
