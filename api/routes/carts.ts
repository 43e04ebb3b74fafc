import type { Context } from 'koa';
import { AppError } from '../../domain/shared/errors.js';
import type { Cart } from '../../domain/ordering/cart.js';
import type { CreateGuestCart } from '../../domain/ordering/use-cases/create-guest-cart.js';
import type { EditCart } from '../../domain/ordering/use-cases/edit-cart.js';
import type { MergeCarts } from '../../domain/ordering/use-cases/merge-carts.js';
import type { CartQueries } from '../../domain/ordering/use-cases/cart-queries.js';
import type { CartCaller } from '../../domain/ordering/use-cases/cart-support.js';
import { defineRoute, PUBLIC, roles, type HeaderParameter, type RequestContext, type RouteSpec } from '../route-kit.js';
import { addLineBody, cartSchema, destinationBody, guestCartSchema, lineParams, mergeBody, mergeSchema, setQuantityBody } from './cart-schemas.js';

export interface CartRouteDeps {
  createGuestCart: CreateGuestCart;
  editCart: EditCart;
  mergeCarts: MergeCarts;
  cartQueries: CartQueries;
}

export const CART_TOKEN_HEADER = 'x-cart-token';
const tokenOf = (ctx: Context): string | undefined => ctx.get(CART_TOKEN_HEADER) || undefined;
const callerOf = (r: RequestContext<unknown, unknown, unknown>): CartCaller => ({ principal: r.principal, cartToken: tokenOf(r.ctx) });

/** The guest's cart token, on every route that reaches a cart (a signed-in customer needs none). */
const CART_TOKEN_PARAM: HeaderParameter = {
  name: 'X-Cart-Token', required: false, maxLength: 64,
  description: "A guest's cart token (from POST /api/v1/cart/guest, 43 characters); reaches that guest cart. A signed-in customer sends none (their own cart), except to merge a guest cart into theirs.",
};

const WHO = 'A signed-in customer reaches their own cart; a guest sends the X-Cart-Token header (from POST /api/v1/cart/guest); other roles get 403.';
const LINE_ERRORS = ['NOT_FOUND', 'CONFLICT', 'INSUFFICIENT_STOCK', 'PRODUCT_UNAVAILABLE', 'STORE_CLOSED', 'UNAUTHORIZED', 'FORBIDDEN'] as const;

/** /api/v1/cart: the caller's cart (customer or guest) and the merge of a guest cart into a customer's. */
export function cartRoutes(d: CartRouteDeps): RouteSpec[] {
  const tags = ['cart'];
  const view = (cart: Cart) => d.cartQueries.describe(cart);
  return [
    defineRoute({
      method: 'post', path: '/api/v1/cart/guest', tags, access: PUBLIC, rateLimit: 'strict', status: 201,
      summary: 'Start a guest cart: answers its cart token once (only a hash is kept). Signed-in callers use their own cart (403)',
      response: guestCartSchema, errors: ['FORBIDDEN'],
      handler: async ({ principal }) => {
        const { cartToken, cart } = await d.createGuestCart.execute(principal);
        return { cartToken, cart: await view(cart) };
      },
    }),
    defineRoute({
      method: 'get', path: '/api/v1/cart', tags, access: PUBLIC, headers: [CART_TOKEN_PARAM],
      summary: `Your cart at today's prices, grouped by store: subtotals, delivery fee to the chosen destination, minimum-order shortfall, price changes. ${WHO}`,
      response: cartSchema, errors: ['NOT_FOUND', 'UNAUTHORIZED', 'FORBIDDEN'],
      handler: (r) => d.cartQueries.view(callerOf(r)),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/cart/lines', tags, access: PUBLIC, headers: [CART_TOKEN_PARAM],
      summary: `Add units of a variant (to its line if there): checked against stock, the product being for sale and the store being open. ${WHO}`,
      body: addLineBody, response: cartSchema, errors: [...LINE_ERRORS],
      handler: async (r) => view(await d.editCart.addLine(callerOf(r), r.body)),
    }),
    defineRoute({
      method: 'patch', path: '/api/v1/cart/lines/:variantId', tags, access: PUBLIC, headers: [CART_TOKEN_PARAM],
      summary: `Set a line's quantity (raising it is checked like an add; lowering it never is). ${WHO}`,
      params: lineParams, body: setQuantityBody, response: cartSchema, errors: [...LINE_ERRORS],
      handler: async (r) => view(await d.editCart.setQuantity(callerOf(r), r.params.variantId, r.body.quantity)),
    }),
    defineRoute({
      method: 'delete', path: '/api/v1/cart/lines/:variantId', tags, access: PUBLIC, headers: [CART_TOKEN_PARAM],
      summary: `Remove a line (removing one that is not there answers the cart unchanged). ${WHO}`,
      params: lineParams, response: cartSchema, errors: ['NOT_FOUND', 'CONFLICT', 'UNAUTHORIZED', 'FORBIDDEN'],
      handler: async (r) => view(await d.editCart.removeLine(callerOf(r), r.params.variantId)),
    }),
    defineRoute({
      method: 'put', path: '/api/v1/cart/destination', tags, access: PUBLIC, headers: [CART_TOKEN_PARAM],
      summary: `Choose where to deliver: one of your saved addresses (addressId) or a point (guests: a point). ${WHO}`,
      body: destinationBody, response: cartSchema, errors: ['NOT_FOUND', 'CONFLICT', 'UNAUTHORIZED', 'FORBIDDEN'],
      handler: async (r) => view(await d.editCart.setDestination(callerOf(r), r.body)),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/cart/merge', tags, access: roles('customer'), headers: [CART_TOKEN_PARAM],
      summary: 'Merge a guest cart (X-Cart-Token header or cartToken) into yours: same variant adds up (capped by stock and the line cap), the newer price wins, the guest cart closes. Repeating it changes nothing',
      body: mergeBody, response: mergeSchema, errors: ['NOT_FOUND', 'CONFLICT'],
      handler: async ({ auth, body, ctx }) => {
        const token = body.cartToken ?? tokenOf(ctx);
        if (!token) throw new AppError('VALIDATION_ERROR', 'Send the guest cart token', { details: [{ field: 'body.cartToken', message: 'or the X-Cart-Token header' }] });
        const r = await d.mergeCarts.execute(auth, token);
        return { merged: r.merged, notes: r.notes, cart: await view(r.cart) };
      },
    }),
  ];
}
