import { Schema, type Connection, type Model } from 'mongoose';
import type { StoreZone, ZoneShape } from '../../../domain/catalog/store-zone.js';
import type { StoreZoneRepository } from '../../../domain/catalog/ports.js';
import { str } from './guard.js';

interface Doc {
  _id: string;
  shape: ZoneShape | null;
  version: number;
  updatedAt: Date;
}

const schema = new Schema<Doc>(
  {
    _id: { type: String, required: true },
    // Stored as given (GeoJSON coordinates are nested arrays, which Mixed keeps untouched).
    shape: { type: Schema.Types.Mixed, default: null },
    version: { type: Number, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'store_zones', versionKey: false, minimize: false },
);

export function storeZoneModel(conn: Connection): Model<Doc> {
  return (conn.models.StoreZone as Model<Doc> | undefined) ?? conn.model<Doc>('StoreZone', schema);
}

const toZone = (d: Doc): StoreZone => ({ storeId: d._id, shape: d.shape ?? null, version: d.version, updatedAt: new Date(d.updatedAt).toISOString() });
const isDuplicateKey = (err: unknown) => (err as { code?: number }).code === 11000;

export class MongoStoreZoneRepository implements StoreZoneRepository {
  private readonly model: Model<Doc>;
  constructor(conn: Connection) {
    this.model = storeZoneModel(conn);
  }

  async find(storeId: string): Promise<StoreZone | null> {
    const d = await this.model.findById(str(storeId, 'storeId')).lean<Doc>().exec();
    return d ? toZone(d) : null;
  }

  async put(zone: StoreZone, expectedVersion: number): Promise<boolean> {
    const doc = { shape: zone.shape, version: zone.version, updatedAt: new Date(zone.updatedAt) };
    if (expectedVersion === 0) {
      try {
        await this.model.create([{ _id: str(zone.storeId, 'storeId'), ...doc }]);
        return true;
      } catch (err) {
        if (isDuplicateKey(err)) return false;
        throw err;
      }
    }
    const r = await this.model.updateOne({ _id: str(zone.storeId, 'storeId'), version: expectedVersion }, { $set: doc }).exec();
    return r.matchedCount === 1;
  }

  async revisions(): Promise<Map<string, number>> {
    const docs = await this.model.find({ shape: { $ne: null } }, { version: 1 }).lean<Pick<Doc, '_id' | 'version'>[]>().exec();
    return new Map(docs.map((d) => [d._id, d.version]));
  }

  async findMany(storeIds: readonly string[]): Promise<StoreZone[]> {
    if (storeIds.length === 0) return [];
    const ids = storeIds.map((id) => str(id, 'storeIds'));
    const docs = await this.model.find({ _id: { $in: ids }, shape: { $ne: null } }).lean<Doc[]>().exec();
    return docs.map(toZone);
  }
}
