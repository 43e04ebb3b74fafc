import { validationError } from '../shared/errors.js';
import type { PaymentMethod } from './payment.js';
import type { CheckoutTotals } from './checkout-pricing.js';

/**
 * The checkout: a customer's whole purchase, possibly across stores, made once per
 * idempotency key. It holds one entry per order (one order per store, each with
 * its own frozen totals) and the totals of them all, which add up by construction:
 * the checkout's figures are sums of its orders', never computed separately.
 */
export interface CheckoutOrderRef {
  orderId: string;
  /** The order's human-readable number (D-YYMMDD-NNNN). */
  number: string;
  storeId: string;
  subtotalMinor: number;
  deliveryFeeMinor: number;
  vatMinor: number;
  totalMinor: number;
}

export interface CheckoutProps {
  id: string;
  customerId: string;
  /** The client's Idempotency-Key: unique per customer, so a retry finds this checkout instead of making another. */
  idempotencyKey: string;
  cartId: string;
  currency: string;
  paymentMethod: PaymentMethod;
  /** `vat.rateBps` when the checkout was placed (frozen with the prices). */
  vatRateBps: number;
  orders: CheckoutOrderRef[];
  totals: CheckoutTotals;
  createdAt: string;
}

export type CheckoutView = CheckoutProps;

export type CreateCheckoutInput = Omit<CheckoutProps, 'totals' | 'createdAt'> & { at: Date };

const whole = (n: number, field: string) => {
  if (!Number.isSafeInteger(n) || n < 0) throw validationError(`${field} must be a whole, non-negative number of minor units`, [{ field, message: 'a non-negative integer' }]);
};

export class Checkout {
  private constructor(private readonly props: CheckoutProps) {}

  /** Enforces: at least one order, one per store, each order's total = subtotal + fee + VAT, integer minor units. */
  static create(input: CreateCheckoutInput): Checkout {
    if (input.orders.length === 0) throw validationError('A checkout has at least one order', [{ field: 'orders', message: 'at least one' }]);
    if (new Set(input.orders.map((o) => o.storeId)).size !== input.orders.length) throw validationError('One order per store', [{ field: 'orders', message: 'a store appears twice' }]);
    if (!/^[A-Z]{3}$/.test(input.currency)) throw validationError('The currency must be an ISO 4217 code', [{ field: 'currency', message: 'three capital letters' }]);
    input.orders.forEach((o, i) => {
      for (const f of ['subtotalMinor', 'deliveryFeeMinor', 'vatMinor', 'totalMinor'] as const) whole(o[f], `orders.${i}.${f}`);
      if (o.totalMinor !== o.subtotalMinor + o.deliveryFeeMinor + o.vatMinor) throw validationError('An order total is its subtotal, fee and VAT', [{ field: `orders.${i}.totalMinor`, message: 'does not add up' }]);
    });
    const sum = (f: (o: CheckoutOrderRef) => number) => input.orders.reduce((s, o) => s + f(o), 0);
    const { at, ...rest } = input;
    return new Checkout({
      ...rest,
      orders: input.orders.map((o) => ({ ...o })),
      totals: { subtotalMinor: sum((o) => o.subtotalMinor), deliveryFeesMinor: sum((o) => o.deliveryFeeMinor), vatMinor: sum((o) => o.vatMinor), totalMinor: sum((o) => o.totalMinor) },
      createdAt: at.toISOString(),
    });
  }

  static restore(props: CheckoutProps): Checkout {
    return new Checkout({ ...props, orders: props.orders.map((o) => ({ ...o })), totals: { ...props.totals } });
  }

  get id(): string { return this.props.id; }
  get customerId(): string { return this.props.customerId; }

  toProps(): CheckoutProps {
    return { ...this.props, orders: this.props.orders.map((o) => ({ ...o })), totals: { ...this.props.totals } };
  }

  toView(): CheckoutView {
    return this.toProps();
  }
}
