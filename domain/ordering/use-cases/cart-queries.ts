import type { Clock } from '../../shared/ids.js';
import { coordinate } from '../../shared/coordinate.js';
import type { SettingsReader } from '../../platform/ports.js';
import { isListedStore, type Store } from '../../catalog/model.js';
import { openingState } from '../../catalog/opening-hours.js';
import { quoteDelivery, type NoDeliveryReason } from '../../catalog/delivery-quote.js';
import type { InventoryRepository, ProductRepository, StoreRepository, ZoneLookup } from '../../catalog/ports.js';
import type { Product } from '../../catalog/product.js';
import type { StockLevel } from '../../catalog/inventory.js';
import type { Cart, CartDestination, CartLine, CartStatus } from '../cart.js';
import type { CartRepository } from '../ports.js';
import { findCart, ownerOf, type CartCaller } from './cart-support.js';

export type LineProblem = 'product_unavailable' | 'store_closed' | 'insufficient_stock';

export interface CartLineView {
  variantId: string;
  productId: string;
  name: { ar: string; en: string } | null;
  sku: string | null;
  quantity: number;
  priceAtAddMinor: number;
  /** Today's price; null when the product or variant is gone. */
  unitPriceMinor: number | null;
  /** Today's price × quantity (0 when the product is not for sale). */
  lineTotalMinor: number;
  /** Today's price differs from the price when the line was added. */
  priceChanged: boolean;
  /** Why the line cannot be checked out now, or null. */
  problem: LineProblem | null;
  addedAt: string;
}

export interface CartStoreGroup {
  store: { id: string; name: string | null };
  /** Listed and inside its opening hours now. */
  openNow: boolean;
  nextOpeningAt: string | null;
  lines: CartLineView[];
  /** Sum of the lines' totals at today's prices, minor units. */
  subtotalMinor: number;
  /** Null until the cart has a destination. */
  delivery: { deliversHere: boolean; distanceM: number; feeMinor: number | null; reason: NoDeliveryReason | null } | null;
  /** The store's minimum order, or `order.minimumDefaultMinor` when it sets none. */
  minimumOrderMinor: number;
  /** How much more the store needs before it accepts the order (0 when met). */
  shortfallMinor: number;
}

export interface CartView {
  /** Null: the customer has no cart yet (their first add makes one). */
  id: string | null;
  kind: 'customer' | 'guest';
  status: CartStatus;
  version: number;
  currency: string;
  destination: CartDestination | null;
  groups: CartStoreGroup[];
  itemsSubtotalMinor: number;
  deliveryFeesMinor: number;
  /** Items plus delivery fees, before VAT (the checkout adds it). */
  totalMinor: number;
  /** Every line sellable, a destination chosen, every store delivering there and no shortfall. */
  checkoutReady: boolean;
  lastActivityAt: string | null;
  /** When the expiry job closes it if left untouched (null once closed). */
  expiresAt: string | null;
}

export interface CartQueriesDeps {
  carts: CartRepository;
  products: ProductRepository;
  stores: StoreRepository;
  inventory: InventoryRepository;
  zoneLookup: ZoneLookup;
  liveSettings: SettingsReader;
  clock: Clock;
}

/**
 * The cart as the customer sees it: lines at today's prices, grouped by
 * store, each group with its subtotal, the delivery fee to the chosen
 * destination (the rule of "who delivers to me", quoteDelivery) and any
 * minimum-order shortfall.
 */
export class CartQueries {
  constructor(private readonly deps: CartQueriesDeps) {}

  async view(caller: CartCaller): Promise<CartView> {
    const owner = ownerOf(caller);
    const cart = await findCart(this.deps.carts, owner);
    return cart ? this.describe(cart) : this.empty('customerId' in owner ? 'customer' : 'guest');
  }

  async describe(cart: Cart): Promise<CartView> {
    const p = cart.toProps();
    const now = this.deps.clock.now();
    const productIds = [...new Set(p.lines.map((l) => l.productId))];
    const storeIds = [...new Set(p.lines.map((l) => l.storeId))];
    const [products, stores, levels] = await Promise.all([
      this.deps.products.findByIds(productIds).then((ps) => new Map(ps.map((x) => [x.id, x]))),
      Promise.all(storeIds.map((id) => this.deps.stores.findById(id))).then((ss) => new Map(ss.filter((s): s is Store => s !== null).map((s) => [s.id, s]))),
      Promise.all(p.lines.map((l) => this.deps.inventory.findLevel(l.variantId))).then((ls) => new Map(ls.filter((l): l is StockLevel => l !== null).map((l) => [l.variantId, l]))),
    ]);
    const covering = p.destination ? new Set(this.deps.zoneLookup.storesCovering(coordinate(p.destination.point.lat, p.destination.point.lng, 'point'))) : null;
    const groups = storeIds.map((storeId) => this.group(storeId, stores.get(storeId) ?? null, p.lines.filter((l) => l.storeId === storeId), products, levels, p.destination, covering, now));
    const itemsSubtotalMinor = groups.reduce((s, g) => s + g.subtotalMinor, 0);
    const deliveryFeesMinor = groups.reduce((s, g) => s + (g.delivery?.feeMinor ?? 0), 0);
    const idleMs = this.deps.liveSettings.get('cart.idleExpiryMinutes') * 60_000;
    return {
      id: p.id,
      kind: p.customerId ? 'customer' : 'guest',
      status: p.status,
      version: p.version,
      currency: this.deps.liveSettings.get('currency'),
      destination: p.destination,
      groups,
      itemsSubtotalMinor,
      deliveryFeesMinor,
      totalMinor: itemsSubtotalMinor + deliveryFeesMinor,
      checkoutReady: p.status === 'active' && groups.length > 0 && p.destination !== null
        && groups.every((g) => g.delivery?.deliversHere === true && g.shortfallMinor === 0 && g.lines.every((l) => l.problem === null)),
      lastActivityAt: p.lastActivityAt,
      expiresAt: p.status === 'active' ? new Date(Date.parse(p.lastActivityAt) + idleMs).toISOString() : null,
    };
  }

  private group(storeId: string, store: Store | null, lines: CartLine[], products: Map<string, Product>, levels: Map<string, StockLevel>, destination: CartDestination | null, covering: Set<string> | null, now: Date): CartStoreGroup {
    const s = store?.toProps() ?? null;
    const state = s && isListedStore(s) ? openingState(s.hours, now) : { openNow: false, nextOpeningAt: null };
    const views = lines.map((l) => this.line(l, products.get(l.productId), levels.get(l.variantId), state.openNow));
    const subtotalMinor = views.reduce((sum, v) => sum + v.lineTotalMinor, 0);
    const minimumOrderMinor = s && s.minimumOrder > 0 ? s.minimumOrder : this.deps.liveSettings.get('order.minimumDefaultMinor');
    const delivery = s && destination && covering
      ? quoteDelivery({ store: s, point: destination.point, inZone: covering.has(storeId), bands: this.deps.liveSettings.get('delivery.feeBands') })
      : null;
    return {
      store: { id: storeId, name: s?.name ?? null },
      openNow: state.openNow,
      nextOpeningAt: state.nextOpeningAt,
      lines: views,
      subtotalMinor,
      delivery: delivery ? { ...delivery, distanceM: Math.round(delivery.distanceM) } : null,
      minimumOrderMinor,
      shortfallMinor: Math.max(0, minimumOrderMinor - subtotalMinor),
    };
  }

  private line(l: CartLine, product: Product | undefined, level: StockLevel | undefined, storeOpen: boolean): CartLineView {
    const p = product?.toProps();
    const variant = p?.variants.find((v) => v.id === l.variantId);
    const price = variant ? variant.price : null;
    const problem: LineProblem | null = !p || !variant || p.status !== 'active' ? 'product_unavailable'
      : !storeOpen ? 'store_closed'
      : !level?.allowBackorder && (level?.available ?? 0) < l.quantity ? 'insufficient_stock'
      : null;
    return {
      variantId: l.variantId,
      productId: l.productId,
      name: p ? { ar: p.name.ar, en: p.name.en } : null,
      sku: variant?.sku ?? null,
      quantity: l.quantity,
      priceAtAddMinor: l.priceAtAddMinor,
      unitPriceMinor: price,
      lineTotalMinor: price === null || problem === 'product_unavailable' ? 0 : price * l.quantity,
      priceChanged: price !== null && price !== l.priceAtAddMinor,
      problem,
      addedAt: l.addedAt,
    };
  }

  private empty(kind: 'customer' | 'guest'): CartView {
    return { id: null, kind, status: 'active', version: 0, currency: this.deps.liveSettings.get('currency'), destination: null, groups: [], itemsSubtotalMinor: 0, deliveryFeesMinor: 0, totalMinor: 0, checkoutReady: false, lastActivityAt: null, expiresAt: null };
  }
}
