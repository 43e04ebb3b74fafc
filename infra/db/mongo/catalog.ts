import { Schema, type Connection, type Model } from 'mongoose';
import { toPage, offsetOf, type Page, type PageRequest } from '../../../domain/shared/pagination.js';
import { Store, type StoreFilter, type StoreProps } from '../../../domain/catalog/model.js';
import type { StoreRepository } from '../../../domain/catalog/ports.js';
import { str } from './guard.js';

type Doc = Omit<StoreProps, 'id' | 'createdAt' | 'updatedAt'> & { _id: string; createdAt: Date; updatedAt: Date };

const schema = new Schema<Doc>(
  {
    _id: { type: String, required: true },
    ownerId: { type: String, required: true },
    name: { type: String, required: true },
    phone: { type: String, default: null },
    address: { type: String, required: true },
    location: { lat: { type: Number, required: true }, lng: { type: Number, required: true } },
    status: { type: String, required: true },
    version: { type: Number, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'stores', versionKey: false, minimize: false },
);

export function storeModel(conn: Connection): Model<Doc> {
  return (conn.models.Store as Model<Doc> | undefined) ?? conn.model<Doc>('Store', schema);
}

const toStore = (d: Doc): Store =>
  Store.restore({
    id: d._id,
    ownerId: d.ownerId,
    name: d.name,
    phone: d.phone ?? null,
    address: d.address,
    location: { lat: d.location.lat, lng: d.location.lng },
    status: d.status,
    version: d.version,
    createdAt: new Date(d.createdAt).toISOString(),
    updatedAt: new Date(d.updatedAt).toISOString(),
  });

const toDoc = (p: StoreProps): Doc => {
  const { id, createdAt, updatedAt, location, ...rest } = p;
  return { ...rest, location: { lat: location.lat, lng: location.lng }, _id: id, createdAt: new Date(createdAt), updatedAt: new Date(updatedAt) };
};

export class MongoStoreRepository implements StoreRepository {
  private readonly model: Model<Doc>;
  constructor(conn: Connection) {
    this.model = storeModel(conn);
  }

  async create(store: Store): Promise<void> {
    await this.model.create(toDoc(store.toProps()));
  }

  async findById(id: string): Promise<Store | null> {
    const d = await this.model.findById(str(id, 'id')).lean<Doc>().exec();
    return d ? toStore(d) : null;
  }

  async save(store: Store, expectedVersion: number): Promise<boolean> {
    const { _id, createdAt: _created, ownerId: _owner, ...changes } = toDoc(store.toProps());
    const r = await this.model.updateOne({ _id: str(_id, 'id'), version: expectedVersion }, { $set: changes }).exec();
    return r.matchedCount === 1;
  }

  async list(filter: StoreFilter, page: PageRequest): Promise<Page<Store>> {
    const q: Record<string, unknown> = {};
    if (filter.ownerId !== undefined) q.ownerId = str(filter.ownerId, 'ownerId');
    if (filter.status !== undefined) q.status = str(filter.status, 'status');
    const [total, docs] = await Promise.all([
      this.model.countDocuments(q).exec(),
      this.model.find(q).sort({ createdAt: -1, _id: -1 }).skip(offsetOf(page)).limit(page.limit).lean<Doc[]>().exec(),
    ]);
    return toPage(docs.map(toStore), total, page);
  }
}
