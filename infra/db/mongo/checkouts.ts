import { Schema, type Connection, type Model } from 'mongoose';
import { Checkout, type CheckoutProps } from '../../../domain/ordering/checkout.js';
import type { CheckoutRepository } from '../../../domain/ordering/ports.js';
import { str } from './guard.js';

type CheckoutDoc = Omit<CheckoutProps, 'id' | 'createdAt'> & { _id: string; createdAt: Date };
const schema = new Schema<CheckoutDoc>(
  {
    _id: { type: String, required: true },
    customerId: { type: String, required: true },
    idempotencyKey: { type: String, required: true },
    cartId: { type: String, required: true },
    currency: { type: String, required: true },
    paymentMethod: { type: String, required: true },
    vatRateBps: { type: Number, required: true },
    orders: { type: Schema.Types.Mixed, required: true },
    totals: { type: Schema.Types.Mixed, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'checkouts', versionKey: false, minimize: false },
);
// Indexes come from the versioned migrations (migrations.ts, step 0121-checkouts).

const toCheckout = ({ _id, createdAt, ...d }: CheckoutDoc): Checkout => Checkout.restore({ ...d, id: _id, createdAt: new Date(createdAt).toISOString() });

/** The checkouts collection. `create` joins the caller's transaction (mongoose's AsyncLocalStorage session). */
export class MongoCheckoutRepository implements CheckoutRepository {
  private readonly model: Model<CheckoutDoc>;
  constructor(conn: Connection) {
    this.model = (conn.models.Checkout as Model<CheckoutDoc> | undefined) ?? conn.model<CheckoutDoc>('Checkout', schema);
  }

  async create(checkout: Checkout): Promise<{ checkout: Checkout; created: boolean }> {
    const { id, createdAt, ...p } = checkout.toProps();
    // An upsert on (customer, key), like SQL's `on conflict do nothing`: a duplicate-key error would abort the caller's transaction.
    const r = await this.model.updateOne(
      { customerId: str(p.customerId, 'customerId'), idempotencyKey: str(p.idempotencyKey, 'idempotencyKey') },
      { $setOnInsert: { _id: id, ...p, createdAt: new Date(createdAt) } },
      { upsert: true },
    );
    if (r.upsertedCount === 1) return { checkout, created: true };
    const existing = await this.findByKey(p.customerId, p.idempotencyKey);
    if (!existing) throw new Error('checkout upsert matched but no checkout holds the key');
    return { checkout: existing, created: false };
  }

  async findById(id: string): Promise<Checkout | null> {
    const d = await this.model.findById(str(id, 'id')).lean<CheckoutDoc>();
    return d ? toCheckout(d) : null;
  }

  async findByKey(customerId: string, idempotencyKey: string): Promise<Checkout | null> {
    const d = await this.model.findOne({ customerId: str(customerId, 'customerId'), idempotencyKey: str(idempotencyKey, 'idempotencyKey') }).lean<CheckoutDoc>();
    return d ? toCheckout(d) : null;
  }
}
