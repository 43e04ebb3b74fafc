import { Checkout, type CheckoutOrderRef } from '../../../domain/ordering/checkout.js';
import type { PaymentMethod } from '../../../domain/ordering/payment.js';
import type { CheckoutRepository } from '../../../domain/ordering/ports.js';
import type { SqlExecutor } from './client.js';

interface Row {
  id: string;
  customer_id: string;
  idempotency_key: string;
  cart_id: string;
  currency: string;
  payment_method: string;
  vat_rate_bps: number;
  orders: CheckoutOrderRef[] | string;
  subtotal_minor: string | number;
  delivery_fees_minor: string | number;
  vat_minor: string | number;
  total_minor: string | number;
  created_at: Date | string;
}

const toCheckout = (r: Row): Checkout =>
  Checkout.restore({
    id: r.id,
    customerId: r.customer_id,
    idempotencyKey: r.idempotency_key,
    cartId: r.cart_id,
    currency: r.currency,
    paymentMethod: r.payment_method as PaymentMethod,
    vatRateBps: Number(r.vat_rate_bps),
    orders: typeof r.orders === 'string' ? (JSON.parse(r.orders) as CheckoutOrderRef[]) : r.orders,
    totals: { subtotalMinor: Number(r.subtotal_minor), deliveryFeesMinor: Number(r.delivery_fees_minor), vatMinor: Number(r.vat_minor), totalMinor: Number(r.total_minor) },
    createdAt: new Date(r.created_at).toISOString(),
  });

/** The checkouts table. Joins the caller's transaction through the SqlClient. */
export class SqlCheckoutRepository implements CheckoutRepository {
  constructor(private readonly db: SqlExecutor) {}

  async create(checkout: Checkout): Promise<{ checkout: Checkout; created: boolean }> {
    const p = checkout.toProps();
    // `on conflict do nothing`, not a caught unique violation: a failed statement would abort the caller's transaction.
    const r = await this.db.query(
      `insert into checkouts (id, customer_id, idempotency_key, cart_id, currency, payment_method, vat_rate_bps, orders, subtotal_minor, delivery_fees_minor, vat_minor, total_minor, created_at)
       values ($1,$2,$3,$4,$5,$6,$7,$8::jsonb,$9,$10,$11,$12,$13) on conflict (customer_id, idempotency_key) do nothing`,
      [p.id, p.customerId, p.idempotencyKey, p.cartId, p.currency, p.paymentMethod, p.vatRateBps, JSON.stringify(p.orders), p.totals.subtotalMinor, p.totals.deliveryFeesMinor, p.totals.vatMinor, p.totals.totalMinor, p.createdAt],
    );
    if (r.rowCount === 1) return { checkout, created: true };
    const existing = await this.findByKey(p.customerId, p.idempotencyKey);
    if (!existing) throw new Error('checkout insert conflicted but no checkout holds the key');
    return { checkout: existing, created: false };
  }

  async findById(id: string): Promise<Checkout | null> {
    const r = await this.db.query<Row>('select * from checkouts where id = $1', [id]);
    return r.rows[0] ? toCheckout(r.rows[0]) : null;
  }

  async findByKey(customerId: string, idempotencyKey: string): Promise<Checkout | null> {
    const r = await this.db.query<Row>('select * from checkouts where customer_id = $1 and idempotency_key = $2', [customerId, idempotencyKey]);
    return r.rows[0] ? toCheckout(r.rows[0]) : null;
  }
}
