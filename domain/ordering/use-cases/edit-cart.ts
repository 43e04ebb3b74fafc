import { notFound, validationError } from '../../shared/errors.js';
import type { Clock, IdGenerator } from '../../shared/ids.js';
import type { AddressRepository } from '../../catalog/ports.js';
import { lineQuantity, type Cart, type LineInput } from '../cart.js';
import type { CartRepository } from '../ports.js';
import { changeCart, ownerOf, type CartCaller } from './cart-support.js';
import { sellableLine, type LineRuleDeps } from './cart-line-rules.js';

export interface EditCartDeps extends LineRuleDeps {
  carts: CartRepository;
  addresses: AddressRepository;
  clock: Clock;
  ids: IdGenerator;
}

export type DestinationInput = { addressId: string } | { point: { lat: number; lng: number } };

/**
 * Adds, changes and removes lines, and chooses the delivery address. Every
 * change is a read-change-save with the version read, retried on a lost race,
 * so concurrent changes to one cart never lose each other. A customer's first
 * add creates their cart; a guest's cart is made by CreateGuestCart.
 */
export class EditCart {
  constructor(private readonly deps: EditCartDeps) {}

  /** Adds units of a variant (to its line if already there), checked against stock, product and store. */
  addLine(caller: CartCaller, input: { variantId: string; quantity: number }): Promise<Cart> {
    const quantity = lineQuantity(input.quantity);
    const checked = checkedOnce(this.deps);
    return changeCart(this.deps, ownerOf(caller), async (cart, now) => {
      const total = lineQuantity((cart.line(input.variantId)?.quantity ?? 0) + quantity);
      const line = await checked(input.variantId, total, now);
      cart.addLine({ ...line, quantity }, now);
    });
  }

  /**
   * Sets a line's quantity. Raising it is checked like an add (and takes the
   * current price); lowering it never is: it only relieves stock, so a
   * customer can always trim a line of a closed store.
   */
  setQuantity(caller: CartCaller, variantId: string, quantity: number): Promise<Cart> {
    lineQuantity(quantity);
    const checked = checkedOnce(this.deps);
    return changeCart(this.deps, ownerOf(caller), async (cart, now) => {
      const existing = cart.line(variantId);
      if (!existing) throw notFound('Cart line');
      if (quantity === existing.quantity) return;
      const line = quantity > existing.quantity
        ? await checked(variantId, quantity, now)
        : { variantId, productId: existing.productId, storeId: existing.storeId, quantity, priceMinor: existing.priceAtAddMinor };
      cart.setQuantity({ ...line, quantity }, now);
    });
  }

  /** Removing a line that is not there answers the cart unchanged (a retried delete). */
  removeLine(caller: CartCaller, variantId: string): Promise<Cart> {
    return changeCart(this.deps, ownerOf(caller), (cart, now) => void cart.removeLine(variantId, now));
  }

  /** A customer's own live address (its point is copied), or a point; guests give a point. */
  setDestination(caller: CartCaller, input: DestinationInput): Promise<Cart> {
    const owner = ownerOf(caller);
    return changeCart(this.deps, owner, async (cart, now) => {
      if ('point' in input) return cart.setDestination({ addressId: null, point: input.point }, now);
      if (!('customerId' in owner)) throw validationError('Guests choose a point; sign in to use a saved address', [{ field: 'body.addressId', reason: 'guest_address', message: 'send point instead' }]);
      const address = await this.deps.addresses.findById(input.addressId);
      if (!address || address.isDeleted || address.customerId !== owner.customerId) throw notFound('Address');
      cart.setDestination({ addressId: address.id, point: address.point }, now);
    });
  }
}

/**
 * The line checks of one request, remembered by the total they checked: a
 * retry after a lost race (another line was added meanwhile) re-reads only the
 * cart, which keeps the window between read and save short under contention.
 * A changed total (the same variant added meanwhile) is checked again.
 */
function checkedOnce(deps: LineRuleDeps): (variantId: string, total: number, now: Date) => Promise<LineInput> {
  const seen = new Map<string, LineInput>();
  return async (variantId, total, now) => {
    const key = `${variantId}:${total}`;
    const known = seen.get(key);
    if (known) return known;
    const line = await sellableLine(deps, variantId, total, now);
    seen.set(key, line);
    return line;
  };
}
