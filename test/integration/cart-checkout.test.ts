import { expect } from 'chai';
import { startTestApp, http, type TestApp } from '../helpers/app.js';
import { signUp, type Session } from '../helpers/identity.js';
import { shopWithStock, type Shop } from '../helpers/cart-fixtures.js';
import type { Principal } from '../../domain/shared/principal.js';
import { isAppError } from '../../domain/shared/errors.js';

const principalOf = (s: Session, role: Principal['role'] = 'customer'): Principal => ({ accountId: s.accountId, role, permissions: [], sessionId: s.sessionId, tokenId: 't', expiresAt: 0 });
const failure = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (err) {
    return isAppError(err) ? `${err.code}:${(err.details as { reason?: string }[] | undefined)?.[0]?.reason ?? ''}` : String(err);
  }
  return 'no error';
};

describe('the checkout\'s port onto the cart (CartForCheckout): read the lines, mark converted once inside the checkout\'s transaction', function () {
  this.timeout(120_000);
  let app: TestApp;
  let shop: Shop;
  const cradle = () => app.system.composed.container.cradle;
  const add = (who: Session, variantId: string, quantity: number) => http(`${app.url}/api/v1/cart/lines`, { method: 'POST', token: who.accessToken, json: { variantId, quantity } });

  before(async () => {
    app = await startTestApp();
    const owner = await signUp(app, 'store_owner');
    shop = await shopWithStock(app, owner.accessToken, { location: { lat: 33.51, lng: 36.28 }, variants: [{ price: 400, stock: 10 }, { price: 900, stock: 10 }] });
  });
  after(async () => {
    await app?.stop();
  });

  it('when the checkout reads the cart, then it gets the lines with their store, quantity and price when added, and the chosen destination', async () => {
    const who = await signUp(app, 'customer');
    expect(await failure(cradle().cartCheckout.forCheckout(principalOf(who))), 'no cart yet').to.equal('NOT_FOUND:');
    await add(who, shop.variantIds[0]!, 2);
    await add(who, shop.variantIds[1]!, 1);
    await http(`${app.url}/api/v1/cart/destination`, { method: 'PUT', token: who.accessToken, json: { point: { lat: 33.512, lng: 36.281 } } });
    const read = await cradle().cartCheckout.forCheckout(principalOf(who));
    expect(read).to.deep.include({ customerId: who.accountId, destination: { addressId: null, point: { lat: 33.512, lng: 36.281 } } });
    expect(read.lines).to.deep.equal([
      { variantId: shop.variantIds[0], productId: shop.productId, storeId: shop.storeId, quantity: 2, priceAtAddMinor: 400 },
      { variantId: shop.variantIds[1], productId: shop.productId, storeId: shop.storeId, quantity: 1, priceAtAddMinor: 900 },
    ]);
    const owner = await signUp(app, 'store_owner');
    expect(await failure(cradle().cartCheckout.forCheckout(principalOf(owner, 'store_owner')))).to.equal('FORBIDDEN:');
  });

  it('when the checkout\'s transaction marks the cart converted, then a retry is a no-op, another checkout is refused and the next add starts a new cart', async () => {
    const who = await signUp(app, 'customer');
    await add(who, shop.variantIds[0]!, 1);
    const read = await cradle().cartCheckout.forCheckout(principalOf(who));
    await cradle().unitOfWork.transaction(() => cradle().cartCheckout.markConverted(read.cartId, 'checkout-a', read.version));
    await cradle().unitOfWork.transaction(() => cradle().cartCheckout.markConverted(read.cartId, 'checkout-a', read.version));
    expect((await cradle().carts.findById(read.cartId))?.toProps()).to.deep.include({ status: 'converted', checkoutId: 'checkout-a' });
    expect(await failure(cradle().cartCheckout.markConverted(read.cartId, 'checkout-b', read.version))).to.equal('CONFLICT:cart_closed');
    const next = await add(who, shop.variantIds[1]!, 1);
    expect(next.body.data.id).to.not.equal(read.cartId);
    expect(next.body.data.groups[0].lines).to.have.length(1);
  });

  it('when the customer changed the cart after the checkout read it, then marking it is refused (cart_changed) and it stays active', async () => {
    const who = await signUp(app, 'customer');
    await add(who, shop.variantIds[0]!, 1);
    const read = await cradle().cartCheckout.forCheckout(principalOf(who));
    await add(who, shop.variantIds[0]!, 1);
    expect(await failure(cradle().unitOfWork.transaction(() => cradle().cartCheckout.markConverted(read.cartId, 'checkout-c', read.version)))).to.equal('CONFLICT:cart_changed');
    expect((await cradle().carts.findById(read.cartId))?.status).to.equal('active');
  });

  it('when the checkout\'s transaction fails after marking the cart, then the cart is still active', async () => {
    const who = await signUp(app, 'customer');
    await add(who, shop.variantIds[0]!, 1);
    const read = await cradle().cartCheckout.forCheckout(principalOf(who));
    const outcome = await failure(cradle().unitOfWork.transaction(async () => {
      await cradle().cartCheckout.markConverted(read.cartId, 'checkout-d', read.version);
      throw new Error('stock reservation failed');
    }));
    expect(outcome).to.include('stock reservation failed');
    expect((await cradle().carts.findById(read.cartId))?.status).to.equal('active');
  });
});
