import { Schema, type Connection, type Model } from 'mongoose';
import { PAYMENT_METHODS, PAYMENT_STATUSES, Payment, type PaymentProps } from '../../../domain/ordering/payment.js';
import type { PaymentRepository } from '../../../domain/ordering/ports.js';
import { str } from './guard.js';

type Doc = Omit<PaymentProps, 'id' | 'createdAt' | 'updatedAt'> & { _id: string; createdAt: Date; updatedAt: Date };

const schema = new Schema<Doc>(
  {
    _id: { type: String, required: true },
    orderId: { type: String, required: true },
    checkoutId: { type: String, required: true },
    customerId: { type: String, required: true },
    storeId: { type: String, required: true },
    method: { type: String, required: true, enum: PAYMENT_METHODS },
    status: { type: String, required: true, enum: PAYMENT_STATUSES },
    amountMinor: { type: Number, required: true },
    currency: { type: String, required: true },
    providerRef: { type: String, default: null },
    declineCode: { type: String, default: null },
    capturedMinor: { type: Number, required: true },
    refundedMinor: { type: Number, required: true },
    refunds: { type: Schema.Types.Mixed, default: [] },
    timeline: { type: Schema.Types.Mixed, required: true },
    version: { type: Number, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'payments', versionKey: false, minimize: false },
);

export function paymentModel(conn: Connection): Model<Doc> {
  return (conn.models.Payment as Model<Doc> | undefined) ?? conn.model<Doc>('Payment', schema);
}

const toPayment = (d: Doc): Payment =>
  Payment.restore({
    id: d._id, orderId: d.orderId, checkoutId: d.checkoutId, customerId: d.customerId, storeId: d.storeId, method: d.method, status: d.status,
    amountMinor: d.amountMinor, currency: d.currency, providerRef: d.providerRef ?? null, declineCode: d.declineCode ?? null,
    capturedMinor: d.capturedMinor, refundedMinor: d.refundedMinor, refunds: (d.refunds ?? []).map((r) => ({ ...r })), timeline: { ...d.timeline },
    version: d.version, createdAt: new Date(d.createdAt).toISOString(), updatedAt: new Date(d.updatedAt).toISOString(),
  });

const toDoc = (p: PaymentProps): Doc => {
  const { id, createdAt, updatedAt, ...rest } = p;
  return { ...rest, _id: id, createdAt: new Date(createdAt), updatedAt: new Date(updatedAt) };
};

export class MongoPaymentRepository implements PaymentRepository {
  private readonly model: Model<Doc>;
  constructor(conn: Connection) {
    this.model = paymentModel(conn);
  }

  async create(payment: Payment): Promise<{ payment: Payment; created: boolean }> {
    try {
      await this.model.create(toDoc(payment.toProps()));
      return { payment, created: true };
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err;
      const existing = await this.findByOrderId(payment.orderId);
      if (!existing) throw err;
      return { payment: existing, created: false };
    }
  }

  async findById(id: string): Promise<Payment | null> {
    const d = await this.model.findById(str(id, 'id')).lean<Doc>().exec();
    return d ? toPayment(d) : null;
  }

  async findByOrderId(orderId: string): Promise<Payment | null> {
    const d = await this.model.findOne({ orderId: str(orderId, 'orderId') }).lean<Doc>().exec();
    return d ? toPayment(d) : null;
  }

  async findByProviderRef(providerRef: string): Promise<Payment | null> {
    const d = await this.model.findOne({ providerRef: str(providerRef, 'providerRef') }).lean<Doc>().exec();
    return d ? toPayment(d) : null;
  }

  async listByCheckout(checkoutId: string): Promise<Payment[]> {
    const docs = await this.model.find({ checkoutId: str(checkoutId, 'checkoutId') }).sort({ createdAt: 1, _id: 1 }).lean<Doc[]>().exec();
    return docs.map(toPayment);
  }

  async save(payment: Payment, expectedVersion: number): Promise<boolean> {
    const p = payment.toProps();
    const r = await this.model
      .updateOne({ _id: str(p.id, 'id'), version: expectedVersion }, {
        $set: { status: p.status, providerRef: p.providerRef, declineCode: p.declineCode, capturedMinor: p.capturedMinor, refundedMinor: p.refundedMinor, refunds: p.refunds, timeline: p.timeline, version: p.version, updatedAt: new Date(p.updatedAt) },
      })
      .exec();
    return r.matchedCount === 1;
  }
}
