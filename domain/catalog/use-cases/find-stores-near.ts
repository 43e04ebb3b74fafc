import { AppError, notFound } from '../../shared/errors.js';
import type { Clock } from '../../shared/ids.js';
import { toPage, type Page, type PageRequest } from '../../shared/pagination.js';
import type { Principal } from '../../shared/principal.js';
import { coordinate, type Coordinate } from '../../shared/coordinate.js';
import type { SettingsReader } from '../../platform/ports.js';
import type { Store, StoreLogo, StoreRating } from '../model.js';
import { quoteDelivery } from '../delivery-quote.js';
import { openingState } from '../opening-hours.js';
import type { AddressRepository, CourierLegEta, ProductRepository, ProductSummary, StoreCoverage, StoreRepository, ZoneLookup } from '../ports.js';
import type { ProductSearch } from '../search.js';
import { searchTextOf } from './search-products.js';

/** Matching products shown per store for "products near me". */
export const PRODUCTS_PER_STORE = 5;

export const NEAR_SORTS = ['eta', 'distance', 'rating'] as const;
export type NearSort = (typeof NEAR_SORTS)[number];

export interface NearbyStore {
  store: { id: string; name: string; cuisine: string | null; logo: StoreLogo | null; location: Coordinate; rating: StoreRating; minimumOrder: number };
  /** Great-circle metres from the store's pickup point to the point. */
  distanceM: number;
  /** Minor units, from the `delivery.feeBands` setting. */
  deliveryFee: number;
  eta: { seconds: number; prepS: number; courierS: number; source: string };
  openNow: boolean;
  nextOpeningAt: string | null;
  /** Only with a search term: the store's matching products. */
  products?: ProductSummary[];
}

export interface NearQuery {
  point?: { lat: number; lng: number };
  addressId?: string;
  q?: string;
  sort: NearSort;
}

export interface FindStoresNearDeps {
  stores: StoreRepository;
  addresses: AddressRepository;
  zoneLookup: ZoneLookup;
  liveSettings: SettingsReader;
  courierLegEta: CourierLegEta;
  /** "Products near me": the full-text search of /products/search, narrowed to the stores that deliver here. */
  productSearch: ProductSearch;
  products: ProductRepository;
  clock: Clock;
}

const ORDER: Record<NearSort, (a: NearbyStore, b: NearbyStore) => number> = {
  eta: (a, b) => a.eta.seconds - b.eta.seconds || a.distanceM - b.distanceM,
  distance: (a, b) => a.distanceM - b.distanceM,
  // Unrated stores last; then more reviews first; then nearer.
  rating: (a, b) => (b.store.rating.average ?? -1) - (a.store.rating.average ?? -1) || b.store.rating.count - a.store.rating.count || a.distanceM - b.distanceM,
};

/**
 * "Who delivers to me": the listed stores (open and approved) whose zone
 * contains the point and whose distance falls within the fee bands, with
 * distance, fee, ETA (prep time plus the courier leg) and open now. With a
 * search term, only the stores that have matching products, with them.
 * The zones are answered from memory (ZoneLookup); only the few covering
 * stores are read.
 */
export class FindStoresNear implements StoreCoverage {
  constructor(private readonly deps: FindStoresNearDeps) {}

  async execute(principal: Principal | undefined, query: NearQuery, page: PageRequest): Promise<Page<NearbyStore>> {
    const point = await this.pointOf(principal, query);
    let found = await this.deliverers(point);
    if (query.q) found = await this.withProducts(found, query.q);
    const rows = await Promise.all(found.map((d) => this.describe(d.store, d.distanceM, d.fee, point, d.products)));
    rows.sort(ORDER[query.sort]);
    const start = (page.page - 1) * page.limit;
    return toPage(rows.slice(start, start + page.limit), rows.length, page);
  }

  /** StoreCoverage: whether any listed store delivers to the point. */
  async deliversTo(point: { lat: number; lng: number }): Promise<boolean> {
    return (await this.deliverers(coordinate(point.lat, point.lng, 'point'))).length > 0;
  }

  /** A point given, or the caller's own address (another's is "not found"). */
  private async pointOf(principal: Principal | undefined, query: NearQuery): Promise<Coordinate> {
    if (query.point && query.addressId) throw new AppError('VALIDATION_ERROR', 'Give lat and lng, or addressId, not both', { details: [{ field: 'query', message: 'lat/lng or addressId' }] });
    if (query.point) return coordinate(query.point.lat, query.point.lng, 'point');
    if (!query.addressId) throw new AppError('VALIDATION_ERROR', 'Give lat and lng, or addressId', { details: [{ field: 'query', message: 'lat/lng or addressId is required' }] });
    if (!principal) throw new AppError('UNAUTHORIZED', 'Sign in to search from a saved address');
    const address = await this.deps.addresses.findById(query.addressId);
    if (!address || address.isDeleted || address.customerId !== principal.accountId) throw notFound('Address');
    return address.point;
  }

  private async deliverers(point: Coordinate): Promise<{ store: Store; distanceM: number; fee: number; products?: ProductSummary[] }[]> {
    const ids = this.deps.zoneLookup.storesCovering(point);
    const bands = this.deps.liveSettings.get('delivery.feeBands');
    const stores = await this.deps.stores.findByIds(ids);
    const out: { store: Store; distanceM: number; fee: number }[] = [];
    for (const store of stores) {
      const quote = quoteDelivery({ store: store.toProps(), point, inZone: true, bands });
      if (quote.deliversHere) out.push({ store, distanceM: quote.distanceM, fee: quote.feeMinor! });
    }
    return out;
  }

  /** The stores with active products matching `q` (the rules of /products/search), each with its best few. */
  private async withProducts<T extends { store: Store }>(found: T[], q: string): Promise<(T & { products: ProductSummary[] })[]> {
    const text = searchTextOf(q);
    if (found.length === 0) return [];
    const hits = await this.deps.productSearch.bestPerStore({ text, storeIds: found.map((f) => f.store.id), sort: 'relevance' }, PRODUCTS_PER_STORE);
    const products = new Map((await this.deps.products.findByIds(hits.map((h) => h.productId))).map((p) => [p.id, p.toProps()]));
    const byStore = new Map<string, ProductSummary[]>();
    for (const h of hits) {
      const v = products.get(h.productId);
      if (!v) continue;
      const list = byStore.get(h.store.id) ?? [];
      list.push({ id: v.id, storeId: h.store.id, name: { ar: v.name.ar, en: v.name.en }, priceMin: v.priceMin, priceMax: v.priceMax });
      byStore.set(h.store.id, list);
    }
    return found.flatMap((f) => {
      const products = byStore.get(f.store.id);
      return products ? [{ ...f, products }] : [];
    });
  }

  private async describe(store: Store, d: number, fee: number, point: Coordinate, products?: ProductSummary[]): Promise<NearbyStore> {
    const p = store.toProps();
    const leg = await this.deps.courierLegEta.courierLeg(p.location, point);
    const state = openingState(p.hours, this.deps.clock.now());
    // The store's own preparation time, else the marketplace default: the first leg of the ETA.
    const prepS = (p.prepMinutes ?? this.deps.liveSettings.get('store.prepDefaultMinutes')) * 60;
    return {
      store: { id: p.id, name: p.name, cuisine: p.cuisine, logo: p.logo, location: p.location, rating: p.rating, minimumOrder: p.minimumOrder },
      distanceM: Math.round(d),
      deliveryFee: fee,
      eta: { seconds: prepS + Math.round(leg.seconds), prepS, courierS: Math.round(leg.seconds), source: leg.source },
      openNow: state.openNow,
      nextOpeningAt: state.nextOpeningAt,
      ...(products ? { products } : {}),
    };
  }
}
