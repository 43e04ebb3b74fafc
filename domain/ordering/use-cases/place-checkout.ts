import { createHash } from 'node:crypto';
import { AppError } from '../../shared/errors.js';
import type { Outbox, UnitOfWork } from '../../shared/events.js';
import type { Clock, IdGenerator } from '../../shared/ids.js';
import type { Principal } from '../../shared/principal.js';
import { MAX_RESERVATION_TTL_S } from '../../catalog/inventory.js';
import type { ReserveStock } from '../../catalog/use-cases/reserve-stock.js';
import { Checkout, type CheckoutView } from '../checkout.js';
import { checkoutPlacedEvent } from '../checkout-events.js';
import { priceCheckout, type PricedCheckout } from '../checkout-pricing.js';
import type { Payment, PaymentMethod } from '../payment.js';
import type { CartForCheckout, CheckoutCart, CheckoutRepository, KeyedQueue, OrderRepository } from '../ports.js';
import type { PlaceOrders, PlaceOrdersInput } from './place-orders.js';
import { assertExpectedTotal, assertSameLines, readCart, readDropoff, readStoreGroups, type CheckoutReadDeps, type CheckoutRequest } from './checkout-reads.js';

/** The payments' three steps around the checkout's transaction (AuthorizePayment, use-cases/authorize-payment.ts). */
export interface PaymentSteps {
  hold(input: { orderId: string; checkoutId: string; customerId: string; storeId: string; method: PaymentMethod; amountMinor: number; currency: string; paymentMethodToken?: string | null; idempotencyKey: string }): Promise<Payment>;
  record(held: Payment): Promise<Payment>;
  release(held: Payment): Promise<void>;
}

export interface PlaceCheckoutDeps extends CheckoutReadDeps {
  cartCheckout: CartForCheckout;
  checkouts: CheckoutRepository;
  reserveStock: Pick<ReserveStock, 'execute'>;
  placeOrders: Pick<PlaceOrders, 'execute'>;
  /** Order numbers are drawn before the transaction, like a sequence (OrderRepository.nextNumber). */
  orders: Pick<OrderRepository, 'nextNumber'>;
  /** Checkouts of the same variants run their transaction one at a time in this process. */
  stockQueue: KeyedQueue;
  authorizePayment: PaymentSteps;
  /** placed → awaiting_payment for each order whose card or wallet hold is recorded, in the same transaction. */
  systemOrderTransitions: { paymentAuthorized(orderId: string): Promise<unknown> };
  outbox: Outbox;
  unitOfWork: UnitOfWork;
  ids: IdGenerator;
  clock: Clock;
}

export interface PlaceCheckoutInput extends CheckoutRequest {
  /** The client's Idempotency-Key: one checkout per customer and key, whatever happens to the HTTP layer's record. */
  idempotencyKey: string;
  paymentMethod: PaymentMethod;
  paymentMethodToken?: string | null | undefined;
}

/** The reservation of an order's stock is found by this key: the order's confirm commits it, a reject or cancel releases it. */
export const orderReservationKey = (orderId: string): string => `order:${orderId}`;

/** Rolls the transaction back when another request with the same key committed its checkout first. */
class SameKeyCheckedOut extends Error {
  constructor(readonly existing: Checkout) {
    super('a checkout with this key already exists');
  }
}

/**
 * POST /api/v1/checkout. The story: read the cart → re-read and check everything
 * (read-only, coded refusals) → price and freeze → hold the card(s), one payment per
 * order → ONE transaction: reserve every order's stock (all or nothing), place one
 * order per store, record the payments, convert the cart, write the checkout and its
 * event → when the transaction fails, release the holds. Nothing half-made survives a
 * failure: the holds go back and the transaction leaves no row and no held stock.
 */
export class PlaceCheckout {
  constructor(private readonly deps: PlaceCheckoutDeps) {}

  async execute(principal: Principal, input: PlaceCheckoutInput): Promise<{ checkout: CheckoutView; created: boolean }> {
    assertIsCustomer(principal);
    const earlier = await this.deps.checkouts.findByKey(principal.accountId, input.idempotencyKey);
    if (earlier) return { checkout: earlier.toView(), created: false };

    const cart = await readCart(this.deps, principal);
    assertSameLines(cart, input.lines);
    const dropoff = await readDropoff(this.deps, cart, input.addressId);
    const now = this.deps.clock.now();
    const groups = await readStoreGroups(this.deps, cart, dropoff.point, input.lines, now);
    const priced = priceCheckout(groups, this.deps.liveSettings.get('vat.rateBps'));
    assertExpectedTotal(input.expectedTotalMinor, priced.totals.totalMinor);

    const checkoutId = this.deps.ids.next();
    const orderIds = priced.orders.map(() => this.deps.ids.next());
    const numbers: string[] = [];
    for (let i = 0; i < orderIds.length; i++) numbers.push(await this.deps.orders.nextNumber(now)); // in turn: the stores' order is the numbers' order
    const holds = await this.holdPayments(principal.accountId, checkoutId, orderIds, priced, input);
    try {
      const variants = priced.orders.flatMap((o) => o.lines.map((l) => `variant:${l.variantId}`));
      const checkout = await this.deps.stockQueue.run(variants, () => this.deps.unitOfWork.transaction(() => this.commit({ cart, checkoutId, orderIds, numbers, priced, dropoff, holds, input })));
      return { checkout: checkout.toView(), created: true };
    } catch (err) {
      await Promise.all(holds.map((h) => this.deps.authorizePayment.release(h)));
      if (err instanceof SameKeyCheckedOut) return { checkout: err.existing.toView(), created: false };
      throw err;
    }
  }

  /** One hold per order; a decline releases the holds already taken and refuses the whole checkout. */
  private async holdPayments(customerId: string, checkoutId: string, orderIds: string[], priced: PricedCheckout, input: PlaceCheckoutInput): Promise<Payment[]> {
    const currency = this.deps.liveSettings.get('currency');
    const keyBase = createHash('sha256').update(`${customerId}\n${input.idempotencyKey}`).digest('base64url').slice(0, 32);
    const holds: Payment[] = [];
    try {
      for (const [i, order] of priced.orders.entries()) {
        holds.push(await this.deps.authorizePayment.hold({
          orderId: orderIds[i]!, checkoutId, customerId, storeId: order.storeId, method: input.paymentMethod, amountMinor: order.totalMinor, currency,
          paymentMethodToken: input.paymentMethodToken ?? null, idempotencyKey: `checkout:${keyBase}:${order.storeId}`,
        }));
      }
    } catch (err) {
      await Promise.all(holds.map((h) => this.deps.authorizePayment.release(h)));
      throw err;
    }
    return holds;
  }

  private async commit(c: { cart: CheckoutCart; checkoutId: string; orderIds: string[]; numbers: string[]; priced: PricedCheckout; dropoff: PlaceOrdersInput['dropoff']; holds: Payment[]; input: PlaceCheckoutInput }): Promise<Checkout> {
    const { priced, orderIds, numbers, input } = c;
    const ttlS = reservationTtlS(this.deps.liveSettings.get('order.autoRejectMinutes'));
    for (const [i, order] of priced.orders.entries()) {
      await this.deps.reserveStock.execute({ key: orderReservationKey(orderIds[i]!), ttlS, lines: order.lines.map((l) => ({ variantId: l.variantId, quantity: l.quantity })) });
    }
    const placed = await this.deps.placeOrders.execute({
      checkoutId: c.checkoutId, customerId: c.cart.customerId, currency: this.deps.liveSettings.get('currency'), paymentMethod: input.paymentMethod, dropoff: c.dropoff,
      stores: priced.orders.map((o, i) => ({ orderId: orderIds[i]!, number: numbers[i]!, storeId: o.storeId, lines: o.lines.map((l) => ({ variantId: l.variantId, productId: l.productId, name: l.name, unitPriceMinor: l.unitPriceMinor, quantity: l.quantity, lineTotalMinor: l.lineTotalMinor })), deliveryFeeMinor: o.deliveryFeeMinor, vatMinor: o.vatMinor })),
    });
    for (const held of c.holds) {
      const recorded = await this.deps.authorizePayment.record(held);
      if (recorded.method !== 'cash' && recorded.status === 'authorized') await this.deps.systemOrderTransitions.paymentAuthorized(recorded.orderId);
    }
    await this.deps.cartCheckout.markConverted(c.cart.cartId, c.checkoutId, c.cart.version);
    const checkout = Checkout.create({
      id: c.checkoutId, customerId: c.cart.customerId, idempotencyKey: input.idempotencyKey, cartId: c.cart.cartId, currency: this.deps.liveSettings.get('currency'),
      paymentMethod: input.paymentMethod, vatRateBps: priced.vatRateBps, at: this.deps.clock.now(),
      orders: placed.map((o) => ({ orderId: o.id, number: o.number, storeId: o.storeId, ...o.totals })),
    });
    const { checkout: stored, created } = await this.deps.checkouts.create(checkout);
    if (!created) throw new SameKeyCheckedOut(stored);
    await this.deps.outbox.add([checkoutPlacedEvent(checkout)]);
    return checkout;
  }
}

/**
 * Stock stays held while the store decides: the auto-reject window plus a margin for
 * the job's delay, within the catalog's cap. The order's confirm commits the reservation
 * (by orderReservationKey) well before it expires.
 */
export const reservationTtlS = (autoRejectMinutes: number): number => Math.min(MAX_RESERVATION_TTL_S, autoRejectMinutes * 60 + 15 * 60);

function assertIsCustomer(principal: Principal): void {
  if (principal.role !== 'customer') throw new AppError('FORBIDDEN', 'Only customers check out');
}
