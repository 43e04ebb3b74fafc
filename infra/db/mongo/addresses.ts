import { Schema, type Connection, type Model } from 'mongoose';
import { toPage, offsetOf, type Page, type PageRequest } from '../../../domain/shared/pagination.js';
import type { UnitOfWork } from '../../../domain/shared/events.js';
import { Address, type AddressProps, type PointSource } from '../../../domain/catalog/address.js';
import type { AddressRepository, GeoBox, PlaceInBox } from '../../../domain/catalog/ports.js';
import { mongoUnitOfWork } from './connection.js';
import { str } from './guard.js';

interface Doc {
  _id: string;
  customerId: string;
  label: string;
  line: string;
  building: string | null;
  floor: string | null;
  notes: string | null;
  point: { lat: number; lng: number };
  pointSource: string;
  isDefault: boolean;
  /** One of the customer's live slots (0 .. max-1); null once deleted. Unique per customer (partial index). */
  slot: number | null;
  deletedAt: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<Doc>(
  {
    _id: { type: String, required: true },
    customerId: { type: String, required: true },
    label: { type: String, required: true },
    line: { type: String, required: true },
    building: { type: String, default: null },
    floor: { type: String, default: null },
    notes: { type: String, default: null },
    point: { lat: { type: Number, required: true }, lng: { type: Number, required: true } },
    pointSource: { type: String, required: true },
    isDefault: { type: Boolean, required: true },
    slot: { type: Number, default: null },
    deletedAt: { type: Date, default: null },
    version: { type: Number, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'addresses', versionKey: false, minimize: false },
);

export function addressModel(conn: Connection): Model<Doc> {
  return (conn.models.Address as Model<Doc> | undefined) ?? conn.model<Doc>('Address', schema);
}

const toAddress = (d: Doc): Address =>
  Address.restore({
    id: d._id,
    customerId: d.customerId,
    label: d.label,
    line: d.line,
    building: d.building ?? null,
    floor: d.floor ?? null,
    notes: d.notes ?? null,
    point: { lat: d.point.lat, lng: d.point.lng },
    pointSource: d.pointSource as PointSource,
    isDefault: d.isDefault,
    deletedAt: d.deletedAt ? new Date(d.deletedAt).toISOString() : null,
    version: d.version,
    createdAt: new Date(d.createdAt).toISOString(),
    updatedAt: new Date(d.updatedAt).toISOString(),
  });

/** The fields `save` writes (never the owner, the creation time, or — except to clear it on delete — the default flag). */
const editable = (p: AddressProps) => ({
  label: p.label,
  line: p.line,
  building: p.building,
  floor: p.floor,
  notes: p.notes,
  point: { lat: p.point.lat, lng: p.point.lng },
  pointSource: p.pointSource,
  version: p.version,
  updatedAt: new Date(p.updatedAt),
});

const isDuplicate = (err: unknown) => (err as { code?: number }).code === 11000;
/** Two concurrent writers can both pick the same free slot or default; the loser tries again. */
const ATTEMPTS = 5;

export class MongoAddressRepository implements AddressRepository {
  private readonly model: Model<Doc>;
  private readonly uow: UnitOfWork;
  constructor(conn: Connection) {
    this.model = addressModel(conn);
    this.uow = mongoUnitOfWork(conn);
  }

  async insert(address: Address, maxLive: number): Promise<boolean> {
    const p = address.toProps();
    const customerId = str(p.customerId, 'customerId');
    for (let attempt = 0; ; attempt++) {
      const used = await this.model.find({ customerId, slot: { $ne: null } }, { slot: 1 }).lean<{ slot: number }[]>().exec();
      const taken = new Set(used.map((d) => d.slot));
      let slot = 0;
      while (taken.has(slot)) slot++;
      if (slot >= maxLive) return false;
      try {
        await this.model.create([{ ...editable(p), _id: p.id, customerId, isDefault: p.isDefault, slot, deletedAt: null, createdAt: new Date(p.createdAt) }]);
        return true;
      } catch (err) {
        if (!isDuplicate(err) || attempt >= ATTEMPTS || (await this.findById(p.id))) throw err;
      }
    }
  }

  async findById(id: string): Promise<Address | null> {
    const d = await this.model.findById(str(id, 'id')).lean<Doc>().exec();
    return d ? toAddress(d) : null;
  }

  async save(address: Address, expectedVersion: number): Promise<boolean> {
    const p = address.toProps();
    const deleted = p.deletedAt !== null ? { deletedAt: new Date(p.deletedAt), slot: null, isDefault: false } : {};
    const r = await this.model.updateOne({ _id: str(p.id, 'id'), version: expectedVersion }, { $set: { ...editable(p), ...deleted } }).exec();
    return r.matchedCount === 1;
  }

  async setDefault(customerId: string, addressId: string): Promise<boolean> {
    const owner = str(customerId, 'customerId');
    const id = str(addressId, 'id');
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.uow.transaction(async () => {
          const target = await this.model.findOne({ _id: id, customerId: owner, deletedAt: null }, { isDefault: 1 }).lean<{ isDefault: boolean }>().exec();
          if (!target) return false;
          if (target.isDefault) return true;
          // Clear first: the unique index allows one default per customer at every moment.
          await this.model.updateMany({ customerId: owner, isDefault: true }, { $set: { isDefault: false }, $inc: { version: 1 } }).exec();
          await this.model.updateOne({ _id: id }, { $set: { isDefault: true }, $inc: { version: 1 } }).exec();
          return true;
        });
      } catch (err) {
        if (!isDuplicate(err) || attempt >= ATTEMPTS) throw err;
      }
    }
  }

  async listLive(customerId: string, page: PageRequest): Promise<Page<Address>> {
    const q = { customerId: str(customerId, 'customerId'), deletedAt: null };
    const [total, docs] = await Promise.all([
      this.model.countDocuments(q).exec(),
      this.model.find(q).sort({ isDefault: -1, createdAt: -1, _id: -1 }).skip(offsetOf(page)).limit(page.limit).lean<Doc[]>().exec(),
    ]);
    return toPage(docs.map(toAddress), total, page);
  }

  async liveInBox(box: GeoBox, after: string | null, limit: number): Promise<PlaceInBox[]> {
    const docs = await this.model.find({
      deletedAt: null, 'point.lat': { $gte: box.minLat, $lte: box.maxLat }, 'point.lng': { $gte: box.minLng, $lte: box.maxLng }, _id: { $gt: after ?? '' },
    }).sort({ _id: 1 }).limit(Math.trunc(limit)).select({ customerId: 1, point: 1 }).lean<Doc[]>().exec();
    return docs.map((d) => ({ id: d._id, accountId: d.customerId, lat: d.point.lat, lng: d.point.lng }));
  }

  async newestLive(customerId: string): Promise<Address | null> {
    const d = await this.model.findOne({ customerId: str(customerId, 'customerId'), deletedAt: null }).sort({ createdAt: -1, _id: -1 }).lean<Doc>().exec();
    return d ? toAddress(d) : null;
  }
}
