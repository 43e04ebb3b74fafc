import { Payment, type PaymentMethod, type PaymentStatus, type Refund } from '../../../domain/ordering/payment.js';
import type { PaymentRepository } from '../../../domain/ordering/ports.js';
import type { SqlExecutor } from './client.js';

interface Row {
  id: string;
  order_id: string;
  checkout_id: string;
  customer_id: string;
  store_id: string;
  method: string;
  status: string;
  amount_minor: number | string;
  currency: string;
  provider_ref: string | null;
  decline_code: string | null;
  captured_minor: number | string;
  refunded_minor: number | string;
  refunds: Refund[] | string;
  timeline: Record<string, string> | string;
  version: number;
  created_at: Date | string;
  updated_at: Date | string;
}

const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

const toPayment = (r: Row): Payment =>
  Payment.restore({
    id: r.id,
    orderId: r.order_id,
    checkoutId: r.checkout_id,
    customerId: r.customer_id,
    storeId: r.store_id,
    method: r.method as PaymentMethod,
    status: r.status as PaymentStatus,
    amountMinor: Number(r.amount_minor),
    currency: r.currency,
    providerRef: r.provider_ref,
    declineCode: r.decline_code,
    capturedMinor: Number(r.captured_minor),
    refundedMinor: Number(r.refunded_minor),
    refunds: json(r.refunds),
    timeline: json(r.timeline),
    version: Number(r.version),
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  });

export class SqlPaymentRepository implements PaymentRepository {
  constructor(private readonly db: SqlExecutor) {}

  async create(payment: Payment): Promise<{ payment: Payment; created: boolean }> {
    const p = payment.toProps();
    const r = await this.db.query(
      `insert into payments (id, order_id, checkout_id, customer_id, store_id, method, status, amount_minor, currency, provider_ref, decline_code,
         captured_minor, refunded_minor, refunds, timeline, version, created_at, updated_at)
       values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14::jsonb,$15::jsonb,$16,$17,$18) on conflict (order_id) do nothing`,
      [p.id, p.orderId, p.checkoutId, p.customerId, p.storeId, p.method, p.status, p.amountMinor, p.currency, p.providerRef, p.declineCode,
        p.capturedMinor, p.refundedMinor, JSON.stringify(p.refunds), JSON.stringify(p.timeline), p.version, p.createdAt, p.updatedAt],
    );
    if (r.rowCount === 1) return { payment, created: true };
    const existing = await this.findByOrderId(p.orderId);
    if (!existing) throw new Error('payment insert conflicted but no row was found');
    return { payment: existing, created: false };
  }

  async findById(id: string): Promise<Payment | null> {
    return this.one('select * from payments where id = $1', [id]);
  }

  async findByOrderId(orderId: string): Promise<Payment | null> {
    return this.one('select * from payments where order_id = $1', [orderId]);
  }

  async findByProviderRef(providerRef: string): Promise<Payment | null> {
    return this.one('select * from payments where provider_ref = $1', [providerRef]);
  }

  async listByCheckout(checkoutId: string): Promise<Payment[]> {
    const r = await this.db.query<Row>('select * from payments where checkout_id = $1 order by created_at, id', [checkoutId]);
    return r.rows.map(toPayment);
  }

  async save(payment: Payment, expectedVersion: number): Promise<boolean> {
    const p = payment.toProps();
    const r = await this.db.query(
      `update payments set status = $2, provider_ref = $3, decline_code = $4, captured_minor = $5, refunded_minor = $6, refunds = $7::jsonb,
         timeline = $8::jsonb, version = $9, updated_at = $10
       where id = $1 and version = $11`,
      [p.id, p.status, p.providerRef, p.declineCode, p.capturedMinor, p.refundedMinor, JSON.stringify(p.refunds), JSON.stringify(p.timeline), p.version, p.updatedAt, expectedVersion],
    );
    return r.rowCount === 1;
  }

  private async one(text: string, params: unknown[]): Promise<Payment | null> {
    const r = await this.db.query<Row>(text, params);
    return r.rows[0] ? toPayment(r.rows[0]) : null;
  }
}
