import { AppError, notFound } from '../../shared/errors.js';
import type { Clock } from '../../shared/ids.js';
import type { Principal } from '../../shared/principal.js';
import type { CartForCheckout, CartRepository, CheckoutCart } from '../ports.js';
import { ownerOf } from './cart-support.js';

/** The checkout's read of the cart and its "converted" mark (the port CartForCheckout). */
export class CartCheckout implements CartForCheckout {
  constructor(private readonly deps: { carts: CartRepository; clock: Clock }) {}

  async forCheckout(principal: Principal): Promise<CheckoutCart> {
    const owner = ownerOf({ principal });
    if (!('customerId' in owner)) throw new AppError('UNAUTHORIZED', 'Sign in to check out');
    const cart = await this.deps.carts.findActiveByCustomer(owner.customerId);
    if (!cart) throw notFound('Cart');
    const p = cart.toProps();
    return {
      cartId: p.id,
      version: p.version,
      customerId: owner.customerId,
      lines: p.lines.map((l) => ({ variantId: l.variantId, productId: l.productId, storeId: l.storeId, quantity: l.quantity, priceAtAddMinor: l.priceAtAddMinor })),
      destination: p.destination ? { addressId: p.destination.addressId, point: { lat: p.destination.point.lat, lng: p.destination.point.lng } } : null,
    };
  }

  async markConverted(cartId: string, checkoutId: string, expectedVersion: number): Promise<void> {
    const cart = await this.deps.carts.findById(cartId);
    if (!cart) throw notFound('Cart');
    const p = cart.toProps();
    if (p.status === 'converted' && p.checkoutId === checkoutId) return;
    if (p.status === 'active' && p.version !== expectedVersion) throw cartChanged();
    const version = cart.version;
    cart.convert(checkoutId, this.deps.clock.now()); // CONFLICT cart_closed when no longer active
    if (!(await this.deps.carts.save(cart, version))) throw cartChanged();
  }
}

const cartChanged = () => new AppError('CONFLICT', 'The cart changed during checkout; review it and check out again', { details: [{ field: 'cart', reason: 'cart_changed', message: 'the cart changed since it was read' }] });
