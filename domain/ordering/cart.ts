import { createHash, randomBytes } from 'node:crypto';
import { AppError, validationError } from '../shared/errors.js';
import { coordinate, type Coordinate } from '../shared/coordinate.js';

/**
 * The cart: what a customer (or a guest holding a cart token) means to buy,
 * possibly from several stores. Lines are variants; prices are remembered as
 * they were when the line was added (`priceAtAddMinor`) and re-read on every
 * view and at checkout, so a change can be shown, never silently applied.
 */
export const CART_STATUSES = ['active', 'merged', 'converted', 'expired'] as const;
export type CartStatus = (typeof CART_STATUSES)[number];

/** More lines than any real basket; keeps a cart's document and its view small. */
export const MAX_CART_LINES = 50;
/** Units of one variant per cart: a household's order, not a wholesaler's. */
export const MAX_LINE_QUANTITY = 99;

export interface CartLine {
  variantId: string;
  productId: string;
  storeId: string;
  quantity: number;
  /** The unit price (minor units) the customer saw when they last added this variant. */
  priceAtAddMinor: number;
  addedAt: string;
  updatedAt: string;
}

/** Where the customer wants delivery: one of their saved addresses (its point copied) or a bare point. */
export interface CartDestination {
  addressId: string | null;
  point: Coordinate;
}

export interface CartProps {
  id: string;
  /** The customer's account; null for a guest cart. */
  customerId: string | null;
  /** SHA-256 (hex) of a guest cart's token; the token itself is never stored. Null for a customer's cart. */
  tokenHash: string | null;
  status: CartStatus;
  lines: CartLine[];
  destination: CartDestination | null;
  /** Set when a guest cart was merged: the customer cart that took its lines. */
  mergedInto: string | null;
  /** Set when converted: the checkout that bought it. */
  checkoutId: string | null;
  /** When it stopped being active (merged, converted or expired); closed carts are purged some time after. */
  closedAt: string | null;
  /** The last change by its owner; a cart idle for `cart.idleExpiryMinutes` expires. */
  lastActivityAt: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export type CartOwner = { customerId: string } | { tokenHash: string };

/** A guest's cart token: 32 random bytes, base64url (43 characters). */
export const CART_TOKEN = /^[A-Za-z0-9_-]{43}$/;
export const newCartToken = (): string => randomBytes(32).toString('base64url');
/** Tokens carry 256 bits of entropy, so a plain (unsalted) hash is safe and lets us look them up. */
export const hashCartToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export const cartClosed = (status: CartStatus): AppError =>
  new AppError('CONFLICT', `This cart is ${status}`, { details: [{ field: 'cart', reason: 'cart_closed', status, message: `the cart is ${status}; start a new one` }] });

export function lineQuantity(quantity: unknown, field = 'quantity'): number {
  if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 1 || quantity > MAX_LINE_QUANTITY) {
    throw validationError(`${field} must be a whole number from 1 to ${MAX_LINE_QUANTITY}`, [{ field, reason: 'quantity_out_of_range', message: `must be 1 to ${MAX_LINE_QUANTITY}`, max: MAX_LINE_QUANTITY }]);
  }
  return quantity;
}

/** What a use case learned about a variant before putting it in the cart. */
export interface LineInput {
  variantId: string;
  productId: string;
  storeId: string;
  quantity: number;
  priceMinor: number;
}

export class Cart {
  private constructor(private props: CartProps) {}

  static create(input: { id: string; owner: CartOwner; at: Date }): Cart {
    if (!input.id) throw validationError('id is required');
    const customerId = 'customerId' in input.owner ? input.owner.customerId : null;
    const tokenHash = 'tokenHash' in input.owner ? input.owner.tokenHash : null;
    if (!customerId && !(tokenHash && /^[0-9a-f]{64}$/.test(tokenHash))) throw validationError('a cart belongs to a customer or to a token hash');
    const at = input.at.toISOString();
    return new Cart({ id: input.id, customerId, tokenHash, status: 'active', lines: [], destination: null, mergedInto: null, checkoutId: null, closedAt: null, lastActivityAt: at, version: 1, createdAt: at, updatedAt: at });
  }

  static restore(props: CartProps): Cart {
    return new Cart(structuredClone(props));
  }

  get id(): string {
    return this.props.id;
  }
  get customerId(): string | null {
    return this.props.customerId;
  }
  get status(): CartStatus {
    return this.props.status;
  }
  get version(): number {
    return this.props.version;
  }
  get lines(): readonly CartLine[] {
    return this.props.lines;
  }
  get destination(): CartDestination | null {
    return this.props.destination;
  }
  get isGuest(): boolean {
    return this.props.customerId === null;
  }

  line(variantId: string): CartLine | undefined {
    return this.props.lines.find((l) => l.variantId === variantId);
  }

  /** Adds `quantity` units (to the line already there, if any); the line takes the price just seen. */
  addLine(input: LineInput, at: Date): void {
    this.assertActive();
    const existing = this.line(input.variantId);
    const quantity = lineQuantity((existing?.quantity ?? 0) + lineQuantity(input.quantity), 'quantity');
    this.putLine({ ...input, quantity }, existing, at);
  }

  /** Sets the quantity of a line already in the cart (NOT_FOUND otherwise). */
  setQuantity(input: LineInput, at: Date): void {
    this.assertActive();
    const existing = this.line(input.variantId);
    if (!existing) throw new AppError('NOT_FOUND', 'This variant is not in the cart');
    this.putLine({ ...input, quantity: lineQuantity(input.quantity) }, existing, at);
  }

  /** False when the variant was not in the cart (removing twice answers the same cart). */
  removeLine(variantId: string, at: Date): boolean {
    this.assertActive();
    if (!this.line(variantId)) return false;
    this.props.lines = this.props.lines.filter((l) => l.variantId !== variantId);
    this.touch(at);
    return true;
  }

  setDestination(destination: { addressId: string | null; point: { lat: number; lng: number } }, at: Date): void {
    this.assertActive();
    this.props.destination = { addressId: destination.addressId, point: coordinate(destination.point.lat, destination.point.lng, 'point') };
    this.touch(at);
  }

  /**
   * Takes a guest cart's lines (the merge rule, docs/ordering-cart.md): the same
   * variant adds up, capped by `capOf` (stock and MAX_LINE_QUANTITY); the more
   * recently changed line's price wins; a line that cannot fit (cap 0, or the
   * cart is full) is dropped and reported. The guest cart is closed as merged.
   */
  absorb(guest: Cart, capOf: (variantId: string) => number, at: Date): { variantId: string; reason: 'unavailable' | 'cart_full' | 'capped' }[] {
    this.assertActive();
    guest.assertActive();
    if (!guest.isGuest || this.isGuest) throw validationError('only a guest cart merges into a customer cart');
    const notes: { variantId: string; reason: 'unavailable' | 'cart_full' | 'capped' }[] = [];
    for (const g of guest.props.lines) {
      const cap = Math.min(MAX_LINE_QUANTITY, Math.max(0, Math.floor(capOf(g.variantId))));
      const mine = this.line(g.variantId);
      if (mine) {
        // The merge only adds: the customer's own quantity is never lowered by it (the view flags stock problems).
        const total = mine.quantity + g.quantity;
        const quantity = Math.min(total, Math.max(cap, mine.quantity));
        if (quantity < total) notes.push({ variantId: g.variantId, reason: 'capped' });
        const newer = g.updatedAt > mine.updatedAt ? g : mine;
        Object.assign(mine, { quantity, priceAtAddMinor: newer.priceAtAddMinor, updatedAt: newer.updatedAt });
        continue;
      }
      const quantity = Math.min(g.quantity, cap);
      if (quantity < 1) notes.push({ variantId: g.variantId, reason: 'unavailable' });
      else if (this.props.lines.length >= MAX_CART_LINES) notes.push({ variantId: g.variantId, reason: 'cart_full' });
      else {
        if (quantity < g.quantity) notes.push({ variantId: g.variantId, reason: 'capped' });
        this.props.lines.push({ ...structuredClone(g), quantity });
      }
    }
    if (!this.props.destination && guest.props.destination) this.props.destination = { addressId: null, point: guest.props.destination.point };
    this.touch(at);
    guest.close('merged', at, { mergedInto: this.id });
    return notes;
  }

  /** Converted by a checkout: false when this checkout already converted it (a retry). */
  convert(checkoutId: string, at: Date): boolean {
    if (this.props.status === 'converted' && this.props.checkoutId === checkoutId) return false;
    this.assertActive();
    this.close('converted', at, { checkoutId });
    return true;
  }

  /** Expires an active cart idle since before `idleBefore`; false (no change) otherwise. */
  expire(idleBefore: Date, at: Date): boolean {
    if (this.props.status !== 'active' || new Date(this.props.lastActivityAt) >= idleBefore) return false;
    this.close('expired', at, {});
    return true;
  }

  private close(status: Exclude<CartStatus, 'active'>, at: Date, refs: { mergedInto?: string; checkoutId?: string }): void {
    this.props.status = status;
    this.props.closedAt = at.toISOString();
    if (refs.mergedInto) this.props.mergedInto = refs.mergedInto;
    if (refs.checkoutId) this.props.checkoutId = refs.checkoutId;
    this.props.version += 1;
    this.props.updatedAt = at.toISOString();
  }

  private putLine(input: LineInput, existing: CartLine | undefined, at: Date): void {
    const now = at.toISOString();
    if (!Number.isSafeInteger(input.priceMinor) || input.priceMinor < 0) throw validationError('price must be whole minor units');
    if (existing) {
      Object.assign(existing, { quantity: input.quantity, priceAtAddMinor: input.priceMinor, updatedAt: now });
    } else {
      if (this.props.lines.length >= MAX_CART_LINES) {
        throw validationError(`A cart holds at most ${MAX_CART_LINES} lines`, [{ field: 'variantId', reason: 'cart_full', message: `at most ${MAX_CART_LINES} lines`, max: MAX_CART_LINES }]);
      }
      this.props.lines.push({ variantId: input.variantId, productId: input.productId, storeId: input.storeId, quantity: input.quantity, priceAtAddMinor: input.priceMinor, addedAt: now, updatedAt: now });
    }
    this.touch(at);
  }

  private assertActive(): void {
    if (this.props.status !== 'active') throw cartClosed(this.props.status);
  }

  private touch(at: Date): void {
    const now = at.toISOString();
    this.props.lastActivityAt = now;
    this.props.updatedAt = now;
    this.props.version += 1;
  }

  toProps(): CartProps {
    return structuredClone(this.props);
  }
}
