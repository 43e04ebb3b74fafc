import { Schema, type Connection, type Model } from 'mongoose';
import { toPage, offsetOf, type Page, type PageRequest } from '../../../domain/shared/pagination.js';
import { LISTED_STORE_STATUS, LISTED_VERIFICATION_STATUS, Store, type StoreFilter, type StoreProps } from '../../../domain/catalog/model.js';
import { AWAITING_VERIFICATION } from '../../../domain/catalog/store-verification.js';
import { unverified } from '../../../domain/catalog/store-verification.js';
import type { GeoBox, PlaceInBox, StoreRepository } from '../../../domain/catalog/ports.js';
import { str } from './guard.js';

type Verification = Omit<StoreProps['verification'], 'submittedAt' | 'decidedAt'> & { submittedAt: Date | null; decidedAt: Date | null };
type Doc = Omit<StoreProps, 'id' | 'createdAt' | 'updatedAt' | 'verification'> & { _id: string; createdAt: Date; updatedAt: Date; verification: Verification };

const schema = new Schema<Doc>(
  {
    _id: { type: String, required: true },
    ownerId: { type: String, required: true },
    name: { type: String, required: true },
    phone: { type: String, default: null },
    address: { type: String, required: true },
    location: { lat: { type: Number, required: true }, lng: { type: Number, required: true } },
    pickupInstructions: { type: String, default: null },
    status: { type: String, required: true },
    cuisine: { type: String, default: null },
    logo: { type: Schema.Types.Mixed, default: null },
    hours: { type: Schema.Types.Mixed, default: null },
    minimumOrder: { type: Number, required: true, default: 0 },
    prepMinutes: { type: Number, default: null },
    rating: { average: { type: Number, default: null }, count: { type: Number, default: 0 } },
    verification: {
      status: { type: String, required: true },
      submittedAt: { type: Date, default: null },
      reason: { type: String, default: null },
      decidedBy: { type: String, default: null },
      decidedAt: { type: Date, default: null },
      documents: { type: [Schema.Types.Mixed], default: [] },
    },
    version: { type: Number, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'stores', versionKey: false, minimize: false },
);

export function storeModel(conn: Connection): Model<Doc> {
  return (conn.models.Store as Model<Doc> | undefined) ?? conn.model<Doc>('Store', schema);
}

const isoOrNull = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);

const toStore = (d: Doc): Store => {
  const v = d.verification ?? { ...unverified(), submittedAt: null, decidedAt: null };
  return Store.restore({
    id: d._id,
    ownerId: d.ownerId,
    name: d.name,
    phone: d.phone ?? null,
    address: d.address,
    location: { lat: d.location.lat, lng: d.location.lng },
    pickupInstructions: d.pickupInstructions ?? null,
    status: d.status,
    cuisine: d.cuisine ?? null,
    logo: d.logo ?? null,
    hours: d.hours ?? null,
    minimumOrder: d.minimumOrder ?? 0,
    prepMinutes: d.prepMinutes ?? null,
    rating: { average: d.rating?.average ?? null, count: d.rating?.count ?? 0 },
    verification: {
      status: v.status,
      submittedAt: isoOrNull(v.submittedAt),
      reason: v.reason ?? null,
      decidedBy: v.decidedBy ?? null,
      decidedAt: isoOrNull(v.decidedAt),
      documents: v.documents ?? [],
    },
    version: d.version,
    createdAt: new Date(d.createdAt).toISOString(),
    updatedAt: new Date(d.updatedAt).toISOString(),
  });
};

const toDoc = (p: StoreProps): Doc => {
  const { id, createdAt, updatedAt, location, verification, ...rest } = p;
  return {
    ...rest,
    location: { lat: location.lat, lng: location.lng },
    verification: { ...verification, submittedAt: verification.submittedAt ? new Date(verification.submittedAt) : null, decidedAt: verification.decidedAt ? new Date(verification.decidedAt) : null },
    _id: id,
    createdAt: new Date(createdAt),
    updatedAt: new Date(updatedAt),
  };
};

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

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

  async inBox(box: GeoBox, after: string | null, limit: number): Promise<PlaceInBox[]> {
    const docs = await this.model.find({
      'location.lat': { $gte: box.minLat, $lte: box.maxLat }, 'location.lng': { $gte: box.minLng, $lte: box.maxLng }, _id: { $gt: after ?? '' },
    }).sort({ _id: 1 }).limit(Math.trunc(limit)).select({ ownerId: 1, location: 1 }).lean<Doc[]>().exec();
    return docs.map((d) => ({ id: d._id, accountId: d.ownerId, lat: d.location.lat, lng: d.location.lng }));
  }

  async findByIds(ids: readonly string[]): Promise<Store[]> {
    if (ids.length === 0) return [];
    const docs = await this.model.find({ _id: { $in: [...new Set(ids.map((id) => str(id, 'id')))] } }).lean<Doc[]>().exec();
    return docs.map(toStore);
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
    if (filter.listed) {
      // Written as the partial index's filter, so the planner can use it; a status filter beside it must agree.
      if (q.status !== undefined && q.status !== LISTED_STORE_STATUS) q.status = { $in: [] };
      else q.status = LISTED_STORE_STATUS;
      q['verification.status'] = LISTED_VERIFICATION_STATUS;
    }
    if (filter.verification !== undefined) {
      const v = str(filter.verification, 'verification');
      q['verification.status'] = q['verification.status'] !== undefined && q['verification.status'] !== v ? { $in: [] } : v;
    }
    if (filter.cuisine !== undefined) q.cuisine = str(filter.cuisine, 'cuisine');
    if (filter.q !== undefined) q.name = { $regex: escapeRegex(str(filter.q, 'q')), $options: 'i' };
    const sort: Record<string, 1 | -1> = filter.verification === AWAITING_VERIFICATION ? { 'verification.submittedAt': 1, _id: 1 } : { createdAt: -1, _id: -1 };
    const [total, docs] = await Promise.all([
      this.model.countDocuments(q).exec(),
      this.model.find(q).sort(sort).skip(offsetOf(page)).limit(page.limit).lean<Doc[]>().exec(),
    ]);
    return toPage(docs.map(toStore), total, page);
  }
}
