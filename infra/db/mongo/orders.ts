import { Schema, type Connection, type Model } from 'mongoose';
import { modelOf } from './connection.js';
import { conflict } from '../../../domain/shared/errors.js';
import { toPage, offsetOf, type Page, type PageRequest } from '../../../domain/shared/pagination.js';
import { Order, ORDER_STATUSES, PAYMENT_METHODS, formatOrderNumber, orderNumberDay, orderNumberPrefix, type OrderProps } from '../../../domain/ordering/order.js';
import type { OrderFilter, OrderRepository } from '../../../domain/ordering/ports.js';
import { str } from './guard.js';

type Doc = Omit<OrderProps, 'id' | 'createdAt' | 'updatedAt'> & { _id: string; createdAt: Date; updatedAt: Date };

const schema = new Schema<Doc>(
  {
    _id: { type: String, required: true },
    number: { type: String, required: true },
    checkoutId: { type: String, required: true },
    storeId: { type: String, required: true },
    customerId: { type: String, required: true },
    lines: { type: Schema.Types.Mixed, required: true },
    currency: { type: String, required: true },
    totals: { type: Schema.Types.Mixed, required: true },
    paymentMethod: { type: String, required: true, enum: PAYMENT_METHODS },
    dropoff: { type: Schema.Types.Mixed, required: true },
    status: { type: String, required: true, enum: ORDER_STATUSES },
    timeline: { type: Schema.Types.Mixed, required: true },
    reason: { type: String, default: null },
    version: { type: Number, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'orders', versionKey: false, minimize: false },
);

/** The same `counters` collection as the outbox sequence: one document per counter. */
interface CounterDoc {
  _id: string;
  value: number;
}
const counterSchema = new Schema<CounterDoc>({ _id: { type: String, required: true }, value: { type: Number, required: true } }, { collection: 'counters', versionKey: false });


const toOrder = (d: Doc): Order => {
  const { _id, createdAt, updatedAt, ...rest } = d;
  return Order.restore({ ...rest, id: _id, reason: rest.reason ?? null, createdAt: new Date(createdAt).toISOString(), updatedAt: new Date(updatedAt).toISOString() });
};

const toDoc = (p: OrderProps): Doc => {
  const { id, createdAt, updatedAt, ...rest } = p;
  return { ...rest, _id: id, createdAt: new Date(createdAt), updatedAt: new Date(updatedAt) };
};

export class MongoOrderRepository implements OrderRepository {
  private readonly model: Model<Doc>;
  private readonly counters: Model<CounterDoc>;
  constructor(conn: Connection) {
    this.model = modelOf(conn, 'Order', schema);
    this.counters = modelOf(conn, 'Counter', counterSchema);
  }

  async nextNumber(at: Date): Promise<string> {
    const day = orderNumberDay(at);
    const c = await this.counters.findOneAndUpdate({ _id: `order-number:${day}` }, { $inc: { value: 1 } }, { upsert: true, returnDocument: 'after', session: null }).lean<CounterDoc>();
    return formatOrderNumber(day, c!.value);
  }

  async create(order: Order): Promise<void> {
    try {
      await this.model.create([toDoc(order.toProps())]);
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err;
      throw conflict('An order with this id or number exists', [{ field: 'id', reason: 'duplicate_order', message: 'id or number already used' }]);
    }
  }

  async findById(id: string): Promise<Order | null> {
    const d = await this.model.findById(str(id, 'id')).lean<Doc>().exec();
    return d ? toOrder(d) : null;
  }

  async findByNumber(number: string): Promise<Order | null> {
    const d = await this.model.findOne({ number: str(number, 'number') }).lean<Doc>().exec();
    return d ? toOrder(d) : null;
  }

  async listByCheckout(checkoutId: string): Promise<Order[]> {
    const docs = await this.model.find({ checkoutId: str(checkoutId, 'checkoutId') }).sort({ number: 1 }).lean<Doc[]>().exec();
    return docs.map(toOrder);
  }

  async save(order: Order, expectedVersion: number): Promise<boolean> {
    const p = order.toProps();
    const r = await this.model
      .updateOne({ _id: str(p.id, 'id'), version: expectedVersion }, { $set: { status: p.status, timeline: p.timeline, reason: p.reason, version: p.version, updatedAt: new Date(p.updatedAt) } })
      .exec();
    return r.matchedCount === 1;
  }

  async list(filter: OrderFilter, page: PageRequest): Promise<Page<Order>> {
    if (filter.storeIds && filter.storeIds.length === 0) return toPage([], 0, page);
    const q: Record<string, unknown> = {};
    if (filter.storeIds) q.storeId = { $in: filter.storeIds.map((s) => str(s, 'storeIds')) };
    if (filter.customerId !== undefined) q.customerId = str(filter.customerId, 'customerId');
    if (filter.checkoutId !== undefined) q.checkoutId = str(filter.checkoutId, 'checkoutId');
    if (filter.statuses?.length) q.status = { $in: filter.statuses.map((s) => str(s, 'statuses')) };
    if (filter.placedFrom || filter.placedTo) q.createdAt = { ...(filter.placedFrom ? { $gte: filter.placedFrom } : {}), ...(filter.placedTo ? { $lt: filter.placedTo } : {}) };
    // orderNumberPrefix admits letters, digits and dashes only: nothing a regex reads specially.
    if (filter.numberPrefix !== undefined) q.number = { $regex: `^${orderNumberPrefix(filter.numberPrefix)}` };
    const [total, docs] = await Promise.all([
      this.model.countDocuments(q).exec(),
      this.model.find(q).sort({ createdAt: -1, _id: -1 }).skip(offsetOf(page)).limit(page.limit).lean<Doc[]>().exec(),
    ]);
    return toPage(docs.map(toOrder), total, page);
  }
}
