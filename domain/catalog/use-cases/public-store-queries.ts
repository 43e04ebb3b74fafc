import { notFound } from '../../shared/errors.js';
import type { Clock } from '../../shared/ids.js';
import { offsetOf, toPage, type Page, type PageRequest } from '../../shared/pagination.js';
import { isListedStore, type Store, type StoreLogo, type StoreRating } from '../model.js';
import { openingState, openNow, type OpeningHours } from '../opening-hours.js';
import type { StoreRepository } from '../ports.js';

/** What anyone may read of a listed store: no owner, verification, version or courier instructions. */
export interface PublicStoreView {
  id: string;
  name: string;
  cuisine: string | null;
  phone: string | null;
  address: string;
  location: { lat: number; lng: number };
  logo: StoreLogo | null;
  hours: OpeningHours | null;
  openNow: boolean;
  /** When closed: the next opening (ISO-8601), or null when none is scheduled. */
  nextOpeningAt: string | null;
  minimumOrder: number;
  rating: StoreRating;
}

export interface PublicStoreFilter {
  q?: string;
  cuisine?: string;
  openNow?: boolean;
}

/**
 * "Open now" is a rule on each store's own clock, so no index answers it: the
 * open-now list reads the listed stores in batches and filters them here, up to
 * SCAN_LIMIT stores (thousands of listed stores per city; past that, filter by q or cuisine).
 */
const BATCH = 500;
export const SCAN_LIMIT = 20_000;

export function publicStoreView(store: Store, at: Date): PublicStoreView {
  const p = store.toProps();
  return {
    id: p.id, name: p.name, cuisine: p.cuisine, phone: p.phone, address: p.address, location: { lat: p.location.lat, lng: p.location.lng },
    logo: p.logo, hours: p.hours, ...openingState(p.hours, at), minimumOrder: p.minimumOrder, rating: p.rating,
  };
}

/** Customers' (and anonymous visitors') read side: listed stores only; any other store does not exist for them. */
export class PublicStoreQueries {
  constructor(private readonly deps: { stores: StoreRepository; clock: Clock }) {}

  async get(storeId: string): Promise<PublicStoreView> {
    const store = await this.deps.stores.findById(storeId);
    if (!store || !isListedStore(store)) throw notFound('Store');
    return publicStoreView(store, this.deps.clock.now());
  }

  /** Listed stores, newest first; `openNow` keeps (or, false, drops) those open at this moment. */
  async list(filter: PublicStoreFilter, page: PageRequest): Promise<Page<PublicStoreView>> {
    const now = this.deps.clock.now();
    const base = { listed: true as const, ...(filter.q ? { q: filter.q } : {}), ...(filter.cuisine ? { cuisine: filter.cuisine.trim().toLowerCase() } : {}) };
    if (filter.openNow === undefined) {
      const r = await this.deps.stores.list(base, page);
      return { items: r.items.map((s) => publicStoreView(s, now)), pagination: r.pagination };
    }
    // Only open-now decides membership; the next opening (dearer) is computed for the page alone.
    const matching: Store[] = [];
    for (let batch = 1; (batch - 1) * BATCH < SCAN_LIMIT; batch++) {
      const r = await this.deps.stores.list(base, { page: batch, limit: BATCH });
      for (const s of r.items) {
        const hours = s.hours;
        if ((hours !== null && openNow(hours, now)) === filter.openNow) matching.push(s);
      }
      if (batch >= r.pagination.totalPages) break;
    }
    const items = matching.slice(offsetOf(page), offsetOf(page) + page.limit).map((s) => publicStoreView(s, now));
    return toPage(items, matching.length, page);
  }
}
