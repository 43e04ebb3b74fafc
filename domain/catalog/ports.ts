import type { Page, PageRequest } from '../shared/pagination.js';
import type { Store, StoreFilter } from './model.js';
import type { Category } from './category.js';
import type { Product, ProductFilter } from './product.js';
import type { Reservation, ReservationStatus, StockChange, StockLevel, StockMovement } from './inventory.js';
import type { Address } from './address.js';
import type { StoreZone, ZoneShape } from './store-zone.js';

/**
 * Stores. Implementations: SqlStoreRepository and MongoStoreRepository, both
 * judged by test/contract/store-repository.test.ts.
 */
export interface StoreRepository {
  /** Inserts a new store (ids are generated, so a clash is a bug and throws). */
  create(store: Store): Promise<void>;
  findById(id: string): Promise<Store | null>;
  /** The known stores among `ids`, in no particular order (unknown ids left out): one read for many. */
  findByIds(ids: readonly string[]): Promise<Store[]>;
  /** Stores whose location is inside `box` (any status), by id after `after`, at most `limit`. */
  inBox(box: GeoBox, after: string | null, limit: number): Promise<PlaceInBox[]>;
  /** Writes the store if the stored version is still `expectedVersion`; false when someone else changed it first. */
  save(store: Store, expectedVersion: number): Promise<boolean>;
  /**
   * Newest first; the verifiers' queue (`verification: 'pending'`) oldest
   * submission first. `listed: true` keeps exactly the stores isListedStore accepts.
   */
  list(filter: StoreFilter, page: PageRequest): Promise<Page<Store>>;
}

// ------------------------------------------------------- categories, products, inventory

/**
 * The category tree. Implementations: SqlCategoryRepository and
 * MongoCategoryRepository, judged by test/contract/category-repository.test.ts.
 */
export interface CategoryRepository {
  /**
   * Serialises changes to the tree's shape. Call it first inside the
   * transaction that creates, moves or deletes a node: the second of two
   * concurrent moves then reads the paths the first one wrote.
   */
  lockTree(): Promise<void>;
  /** CONFLICT (reason duplicate_slug) when the slug is taken. */
  create(category: Category): Promise<void>;
  findById(id: string): Promise<Category | null>;
  findBySlug(slug: string): Promise<Category | null>;
  /** False when the stored version is no longer `expectedVersion`; CONFLICT on a taken slug. */
  save(category: Category, expectedVersion: number): Promise<boolean>;
  /** Gives every node below `id` the path `pathOfId + [id] + (its path below id)`, after `id` moved. */
  rewriteSubtreePaths(id: string, pathOfId: readonly string[]): Promise<void>;
  children(parentId: string): Promise<Category[]>;
  delete(id: string): Promise<boolean>;
  /** The whole tree, shallowest first, then by rank and slug. */
  list(): Promise<Category[]>;
}

/**
 * Products with their variants (SKU unique per store). Implementations:
 * SqlProductRepository and MongoProductRepository, judged by
 * test/contract/product-repository.test.ts.
 */
export interface ProductRepository {
  /** CONFLICT (reason duplicate_sku) when a SKU is used by another product of the store. */
  create(product: Product): Promise<void>;
  findById(id: string): Promise<Product | null>;
  /** The products with these ids, in the order given; unknown ids are left out. */
  findByIds(ids: readonly string[]): Promise<Product[]>;
  /** The product holding a variant, or null. */
  findByVariantId(variantId: string): Promise<Product | null>;
  /** False on a stale version; CONFLICT (reason duplicate_sku) as `create`. */
  save(product: Product, expectedVersion: number): Promise<boolean>;
  /** Newest first. */
  list(filter: ProductFilter, page: PageRequest): Promise<Page<Product>>;
  countInCategory(categoryId: string): Promise<number>;
  /** Moves every product of one category to another (or to none); answers how many. */
  moveCategory(fromId: string, toId: string | null): Promise<number>;
}

/**
 * Stock levels, their movements and reservations. Implementations:
 * SqlInventoryRepository and MongoInventoryRepository, judged by
 * test/contract/inventory-repository.test.ts. Every write is meant to run
 * inside a UnitOfWork transaction together with its movement.
 */
export interface InventoryRepository {
  /** Creates the level at zero if the variant has none; never touches an existing one. */
  ensureLevel(level: { variantId: string; productId: string; storeId: string; at: Date }): Promise<void>;
  findLevel(variantId: string): Promise<StockLevel | null>;
  /**
   * One atomic conditional update: applies `change` only when reserved stays
   * ≥ 0, on hand stays ≥ 0 (unless an `overdraw` of a backordered variant) and,
   * for guarded changes of a variant without backorders, available stays ≥ 0.
   * The new level, or null when the condition failed (nothing changed).
   */
  applyChange(variantId: string, change: StockChange, at: Date): Promise<StockLevel | null>;
  configure(variantId: string, settings: { allowBackorder?: boolean; lowStockThreshold?: number | null }, at: Date): Promise<StockLevel | null>;
  /**
   * Flips the low flag when available crossed the threshold: 'low' when it
   * just went to or below it, 'recovered' when it rose above, null otherwise.
   */
  markLowCrossing(variantId: string): Promise<'low' | 'recovered' | null>;
  /** False when a movement with the same (variant, key) exists: the movement was already made. */
  appendMovement(movement: StockMovement): Promise<boolean>;
  findMovementByKey(variantId: string, key: string): Promise<StockMovement | null>;
  /** Newest first. */
  movements(variantId: string, page: PageRequest): Promise<Page<StockMovement>>;
  /** Sums of every movement's deltas: equal to the level's on hand and reserved. */
  movementTotals(variantId: string): Promise<{ onHand: number; reserved: number }>;
  /** CONFLICT when the key was used (read it back with findReservationByKey). */
  createReservation(reservation: Reservation): Promise<void>;
  findReservation(id: string): Promise<Reservation | null>;
  findReservationByKey(key: string): Promise<Reservation | null>;
  /** Moves an active reservation to `to`; false when it was no longer active (someone else closed it). */
  closeReservation(id: string, to: Exclude<ReservationStatus, 'active'>, at: Date): Promise<boolean>;
  /** Ids of active reservations that expired before `before`, oldest first. */
  expiredReservations(before: Date, limit: number): Promise<string[]>;
}

/** One size of a processed product picture. */
export interface ImageRendition {
  bytes: Buffer;
  width: number;
  height: number;
  contentType: string;
}

/**
 * Turns uploaded bytes into the product picture sizes. Recognises the type
 * from the bytes (UNSUPPORTED_MEDIA_TYPE when they are no image) and refuses
 * pictures too large to decode safely (UNPROCESSABLE_ENTITY). Adapter: SharpImageProcessor.
 */
export interface ImageProcessor {
  process(bytes: Buffer): Promise<Record<string, ImageRendition>>;
}

/**
 * A customer's address book. Implementations: SqlAddressRepository and
 * MongoAddressRepository, both judged by test/contract/address-repository.test.ts.
 * Deleted addresses stay stored (orders point at them) and read back with `deletedAt`.
 */
/** A lat/lng box in degrees, with minLng ≤ maxLng (a box across the antimeridian is two boxes). */
export interface GeoBox {
  minLat: number;
  maxLat: number;
  minLng: number;
  maxLng: number;
}

/** A place in a box, paged by id: who lives or trades inside an area (bulk sends by area). */
export interface PlaceInBox {
  id: string;
  /** The customer (an address) or the owner (a store). */
  accountId: string;
  lat: number;
  lng: number;
}

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
  /** Live addresses inside `box`, by id after `after`, at most `limit`. */
  liveInBox(box: GeoBox, after: string | null, limit: number): Promise<PlaceInBox[]>;
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

// ------------------------------------------------------------------ store zones

/**
 * Stores' delivery zones, one per store. A removed zone stays as a tombstone
 * (`shape: null`) so its revision keeps counting. Implementations:
 * SqlStoreZoneRepository and MongoStoreZoneRepository, judged by
 * test/contract/store-zone-repository.test.ts.
 */
export interface StoreZoneRepository {
  /** The store's zone record, tombstone included; null when it never had one. */
  find(storeId: string): Promise<StoreZone | null>;
  /**
   * Writes `zone` if the stored revision is still `expectedVersion` (0: no
   * record yet); false when another writer got there first. Joins the caller's transaction.
   */
  put(zone: StoreZone, expectedVersion: number): Promise<boolean>;
  /** Store id → revision of every live zone (tombstones left out): what a process compares its index with. */
  revisions(): Promise<Map<string, number>>;
  /** The live zones of these stores (unknown ids and tombstones left out). */
  findMany(storeIds: readonly string[]): Promise<StoreZone[]>;
}

/**
 * The geometry rules of a zone (geo/zones.ts): returns the zone as it will be
 * stored, or throws an AppError whose detail names the rule (ZONE_SELF_INTERSECTS,
 * ZONE_TOO_LARGE, ZONE_INVALID).
 */
export interface ZoneRules {
  check(shape: ZoneShape): ZoneShape;
}

/** Which stores' zones contain a point, answered from memory (infra/live-zones.ts keeps it fresh). */
export interface ZoneLookup {
  storesCovering(point: { lat: number; lng: number }): string[];
  /**
   * The stores whose zone's bounding box meets the view [west, south, east,
   * north] (degrees; west > east across the antimeridian), at most `limit`,
   * and how many in all: what a map draws.
   */
  storesInView(view: readonly [number, number, number, number], limit: number): { storeIds: string[]; total: number };
}

/** Told after a zone change commits, so every process refreshes its zone index within moments instead of at its next poll. */
export interface ZoneChangeNotifier {
  changed(zone: StoreZone): void;
}

/** The courier leg of a delivery from a store to a point: the geo ETA layers. */
export interface CourierLegEta {
  courierLeg(from: { lat: number; lng: number }, to: { lat: number; lng: number }): Promise<{ seconds: number; source: string }>;
}

/** A product as "products near me" lists it. */
export interface ProductSummary {
  id: string;
  storeId: string;
  name: { ar: string; en: string };
  priceMin: number;
  priceMax: number;
}

