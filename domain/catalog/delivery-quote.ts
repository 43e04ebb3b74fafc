import type { Coordinate } from '../shared/coordinate.js';
import { deliveryFeeFor, type SettingValue } from '../platform/settings.js';
import { isListedStore, type StoreStatus } from './model.js';
import type { StoreVerificationStatus } from './store-verification.js';

const RAD = Math.PI / 180;
/** Great-circle metres between two points (haversine on the mean Earth radius). */
export function distanceM(a: Coordinate, b: Coordinate): number {
  const s1 = Math.sin((b.lat - a.lat) * RAD * 0.5);
  const s2 = Math.sin((b.lng - a.lng) * RAD * 0.5);
  const h = s1 * s1 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * s2 * s2;
  return 2 * 6_371_008.8 * Math.asin(Math.sqrt(Math.min(1, h)));
}

export type NoDeliveryReason = 'store_not_listed' | 'outside_zone' | 'beyond_fee_bands';

export interface DeliveryQuote {
  deliversHere: boolean;
  /** Great-circle metres from the store's pickup point to the point. */
  distanceM: number;
  /** Minor units, from the `delivery.feeBands` setting; null when the store does not deliver there. */
  feeMinor: number | null;
  reason: NoDeliveryReason | null;
}

/**
 * The one rule for "does this store deliver to this point, and for what fee":
 * the store is listed (open and approved), its zone contains the point, and
 * the distance falls within the fee bands (past the last band the marketplace
 * sets no price, so there is no delivery). "Who delivers to me" and the cart's
 * per-store fee both read it.
 */
export function quoteDelivery(input: {
  store: { location: Coordinate; status: StoreStatus; verification: { status: StoreVerificationStatus } };
  point: Coordinate;
  /** Whether the store's zone contains the point (ZoneLookup.storesCovering). */
  inZone: boolean;
  bands: SettingValue<'delivery.feeBands'>;
}): DeliveryQuote {
  const d = distanceM(input.store.location, input.point);
  const no = (reason: NoDeliveryReason): DeliveryQuote => ({ deliversHere: false, distanceM: d, feeMinor: null, reason });
  if (!isListedStore(input.store)) return no('store_not_listed');
  if (!input.inZone) return no('outside_zone');
  const fee = deliveryFeeFor(input.bands, d);
  return fee === null ? no('beyond_fee_bands') : { deliversHere: true, distanceM: d, feeMinor: fee, reason: null };
}
