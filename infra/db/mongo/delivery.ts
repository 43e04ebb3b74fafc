import { Schema, type Connection, type Model } from 'mongoose';
import { toPage, offsetOf, type Page, type PageRequest } from '../../../domain/shared/pagination.js';
import { ACTIVE_STATUSES, DELIVERY_STATUSES, Delivery, type DeliveryProps } from '../../../domain/delivery/model.js';
import type { DeliveryFilter, DeliveryRepository } from '../../../domain/delivery/ports.js';
import { str } from './guard.js';

type Doc = Omit<DeliveryProps, 'id' | 'createdAt' | 'updatedAt'> & { _id: string; createdAt: Date; updatedAt: Date };

const point = { lat: { type: Number, required: true }, lng: { type: Number, required: true } };
const schema = new Schema<Doc>(
  {
    _id: { type: String, required: true },
    orderId: { type: String, required: true },
    storeId: { type: String, required: true },
    customerId: { type: String, required: true },
    courierId: { type: String, default: null },
    pickup: point,
    dropoff: point,
    status: { type: String, required: true, enum: DELIVERY_STATUSES },
    timestamps: { type: Schema.Types.Mixed, required: true },
    reason: { type: String, default: null },
    version: { type: Number, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'deliveries', versionKey: false, minimize: false },
);

export function deliveryModel(conn: Connection): Model<Doc> {
  return (conn.models.Delivery as Model<Doc> | undefined) ?? conn.model<Doc>('Delivery', schema);
}

const toDelivery = (d: Doc): Delivery =>
  Delivery.restore({
    id: d._id,
    orderId: d.orderId,
    storeId: d.storeId,
    customerId: d.customerId,
    courierId: d.courierId ?? null,
    pickup: { lat: d.pickup.lat, lng: d.pickup.lng },
    dropoff: { lat: d.dropoff.lat, lng: d.dropoff.lng },
    status: d.status,
    timestamps: { ...d.timestamps },
    reason: d.reason ?? null,
    version: d.version,
    createdAt: new Date(d.createdAt).toISOString(),
    updatedAt: new Date(d.updatedAt).toISOString(),
  });

const toDoc = (p: DeliveryProps): Doc => {
  const { id, createdAt, updatedAt, ...rest } = p;
  return { ...rest, _id: id, createdAt: new Date(createdAt), updatedAt: new Date(updatedAt) };
};

export class MongoDeliveryRepository implements DeliveryRepository {
  private readonly model: Model<Doc>;
  constructor(conn: Connection) {
    this.model = deliveryModel(conn);
  }

  async create(delivery: Delivery): Promise<{ delivery: Delivery; created: boolean }> {
    try {
      await this.model.create(toDoc(delivery.toProps()));
      return { delivery, created: true };
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err;
      const p = delivery.toProps();
      const existing = (await this.findByOrderId(p.orderId)) ?? (await this.findById(p.id));
      if (!existing) throw err;
      return { delivery: existing, created: false };
    }
  }

  async findById(id: string): Promise<Delivery | null> {
    const d = await this.model.findById(str(id, 'id')).lean<Doc>().exec();
    return d ? toDelivery(d) : null;
  }

  async findByOrderId(orderId: string): Promise<Delivery | null> {
    const d = await this.model.findOne({ orderId: str(orderId, 'orderId') }).lean<Doc>().exec();
    return d ? toDelivery(d) : null;
  }

  async save(delivery: Delivery, expectedVersion: number): Promise<boolean> {
    const p = delivery.toProps();
    const r = await this.model
      .updateOne({ _id: str(p.id, 'id'), version: expectedVersion }, { $set: { courierId: p.courierId, status: p.status, timestamps: p.timestamps, reason: p.reason, version: p.version, updatedAt: new Date(p.updatedAt) } })
      .exec();
    return r.matchedCount === 1;
  }

  async listActiveByCourier(courierId: string): Promise<Delivery[]> {
    const docs = await this.model.find({ courierId: str(courierId, 'courierId'), status: { $in: ACTIVE_STATUSES } }).sort({ createdAt: -1, _id: -1 }).lean<Doc[]>().exec();
    return docs.map(toDelivery);
  }

  async list(filter: DeliveryFilter, page: PageRequest): Promise<Page<Delivery>> {
    const q: Record<string, unknown> = {};
    if (filter.storeId !== undefined) q.storeId = str(filter.storeId, 'storeId');
    if (filter.customerId !== undefined) q.customerId = str(filter.customerId, 'customerId');
    if (filter.courierId !== undefined) q.courierId = str(filter.courierId, 'courierId');
    if (filter.statuses?.length) q.status = { $in: filter.statuses.map((x) => str(x, 'statuses')) };
    const [total, docs] = await Promise.all([
      this.model.countDocuments(q).exec(),
      this.model.find(q).sort({ createdAt: -1, _id: -1 }).skip(offsetOf(page)).limit(page.limit).lean<Doc[]>().exec(),
    ]);
    return toPage(docs.map(toDelivery), total, page);
  }
}
