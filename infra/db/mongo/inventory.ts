import { Schema, type Connection, type Model } from 'mongoose';
import { modelOf } from './connection.js';
import type { InventoryRepository } from '../../../domain/catalog/ports.js';
import type { Reservation, ReservationStatus, StockChange, StockLevel, StockMovement } from '../../../domain/catalog/inventory.js';
import { conflict } from '../../../domain/shared/errors.js';
import { offsetOf, toPage, type Page, type PageRequest } from '../../../domain/shared/pagination.js';
import { str } from './guard.js';

type LevelDoc = Omit<StockLevel, 'variantId' | 'available' | 'updatedAt'> & { _id: string; updatedAt: Date };
type MovementDoc = Omit<StockMovement, 'id' | 'at'> & { _id: string; at: Date };
type ReservationDoc = Omit<Reservation, 'id' | 'expiresAt' | 'createdAt' | 'updatedAt'> & { _id: string; expiresAt: Date; createdAt: Date; updatedAt: Date };

const levelSchema = new Schema<LevelDoc>(
  {
    _id: String, productId: { type: String, required: true }, storeId: { type: String, required: true },
    onHand: { type: Number, required: true }, reserved: { type: Number, required: true },
    allowBackorder: { type: Boolean, required: true }, lowStockThreshold: { type: Number, default: null }, low: { type: Boolean, required: true },
    version: { type: Number, required: true }, updatedAt: { type: Date, required: true },
  },
  { collection: 'stock_levels', versionKey: false },
);
const movementSchema = new Schema<MovementDoc>(
  {
    _id: String, variantId: { type: String, required: true }, storeId: { type: String, required: true }, kind: { type: String, required: true },
    onHandDelta: { type: Number, required: true }, reservedDelta: { type: Number, required: true },
    reservationId: { type: String, default: null }, key: { type: String, default: null }, note: { type: String, default: null }, at: { type: Date, required: true },
  },
  { collection: 'stock_movements', versionKey: false },
);
const reservationSchema = new Schema<ReservationDoc>(
  {
    _id: String, key: { type: String, required: true }, lines: { type: Schema.Types.Mixed, required: true }, status: { type: String, required: true },
    expiresAt: { type: Date, required: true }, createdAt: { type: Date, required: true }, updatedAt: { type: Date, required: true },
  },
  { collection: 'stock_reservations', versionKey: false },
);


const toLevel = (d: LevelDoc): StockLevel => ({
  variantId: d._id, productId: d.productId, storeId: d.storeId, onHand: d.onHand, reserved: d.reserved, available: d.onHand - d.reserved,
  allowBackorder: d.allowBackorder, lowStockThreshold: d.lowStockThreshold ?? null, low: d.low, version: d.version, updatedAt: new Date(d.updatedAt).toISOString(),
});
const toMovement = (d: MovementDoc): StockMovement => ({
  id: d._id, variantId: d.variantId, storeId: d.storeId, kind: d.kind, onHandDelta: d.onHandDelta, reservedDelta: d.reservedDelta,
  reservationId: d.reservationId ?? null, key: d.key ?? null, note: d.note ?? null, at: new Date(d.at).toISOString(),
});
const toReservation = (d: ReservationDoc): Reservation => ({
  id: d._id, key: d.key, lines: d.lines, status: d.status,
  expiresAt: new Date(d.expiresAt).toISOString(), createdAt: new Date(d.createdAt).toISOString(), updatedAt: new Date(d.updatedAt).toISOString(),
});

const AVAILABLE = { $subtract: ['$onHand', '$reserved'] };
const isDuplicate = (err: unknown) => (err as { code?: number }).code === 11000;

export class MongoInventoryRepository implements InventoryRepository {
  private readonly levels: Model<LevelDoc>;
  private readonly moves: Model<MovementDoc>;
  private readonly reservations: Model<ReservationDoc>;
  constructor(conn: Connection) {
    this.levels = modelOf(conn, 'StockLevel', levelSchema);
    this.moves = modelOf(conn, 'StockMovement', movementSchema);
    this.reservations = modelOf(conn, 'StockReservation', reservationSchema);
  }

  async ensureLevel(l: { variantId: string; productId: string; storeId: string; at: Date }): Promise<void> {
    await this.levels
      .updateOne(
        { _id: str(l.variantId, 'variantId') },
        { $setOnInsert: { productId: l.productId, storeId: l.storeId, onHand: 0, reserved: 0, allowBackorder: false, lowStockThreshold: null, low: false, version: 1, updatedAt: l.at } },
        { upsert: true },
      )
      .exec();
  }

  async findLevel(variantId: string): Promise<StockLevel | null> {
    const d = await this.levels.findById(str(variantId, 'variantId')).lean<LevelDoc>().exec();
    return d ? toLevel(d) : null;
  }

  async applyChange(variantId: string, c: StockChange, at: Date): Promise<StockLevel | null> {
    const onHand = { $add: ['$onHand', c.onHand] };
    const reserved = { $add: ['$reserved', c.reserved] };
    // One findOneAndUpdate: the condition and the increment apply to the same document state.
    const d = await this.levels
      .findOneAndUpdate(
        {
          _id: str(variantId, 'variantId'),
          $expr: {
            $and: [
              { $gte: [reserved, 0] },
              { $or: [{ $gte: [onHand, 0] }, { $and: [c.overdraw === true, '$allowBackorder'] }] },
              { $or: [!c.guardAvailable, '$allowBackorder', { $gte: [{ $subtract: [onHand, reserved] }, 0] }] },
            ],
          },
        },
        { $inc: { onHand: c.onHand, reserved: c.reserved, version: 1 }, $set: { updatedAt: at } },
        { returnDocument: 'after' },
      )
      .lean<LevelDoc>()
      .exec();
    return d ? toLevel(d) : null;
  }

  async configure(variantId: string, s: { allowBackorder?: boolean; lowStockThreshold?: number | null }, at: Date): Promise<StockLevel | null> {
    const set: Record<string, unknown> = { updatedAt: at };
    if (s.allowBackorder !== undefined) set.allowBackorder = s.allowBackorder;
    if (s.lowStockThreshold !== undefined) set.lowStockThreshold = s.lowStockThreshold;
    const d = await this.levels.findOneAndUpdate({ _id: str(variantId, 'variantId') }, { $set: set, $inc: { version: 1 } }, { returnDocument: 'after' }).lean<LevelDoc>().exec();
    return d ? toLevel(d) : null;
  }

  async markLowCrossing(variantId: string): Promise<'low' | 'recovered' | null> {
    const id = str(variantId, 'variantId');
    const isLow = { $and: [{ $ne: [{ $ifNull: ['$lowStockThreshold', null] }, null] }, { $lte: [AVAILABLE, '$lowStockThreshold'] }] };
    const down = await this.levels.updateOne({ _id: id, low: false, $expr: isLow }, { $set: { low: true } }).exec();
    if (down.modifiedCount === 1) return 'low';
    const up = await this.levels.updateOne({ _id: id, low: true, $expr: { $not: [isLow] } }, { $set: { low: false } }).exec();
    return up.modifiedCount === 1 ? 'recovered' : null;
  }

  async appendMovement(m: StockMovement): Promise<boolean> {
    // A duplicate key error aborts a Mongo transaction, so a known key is looked up first.
    if (m.key !== null && (await this.findMovementByKey(m.variantId, m.key))) return false;
    const { id, at, ...rest } = m;
    await this.moves.create([{ ...rest, _id: id, at: new Date(at) }]).catch((err: unknown) => {
      throw isDuplicate(err) ? conflict('This movement is being recorded by another request; retry to read its result') : err;
    });
    return true;
  }

  async findMovementByKey(variantId: string, key: string): Promise<StockMovement | null> {
    const d = await this.moves.findOne({ variantId: str(variantId, 'variantId'), key: str(key, 'key') }).lean<MovementDoc>().exec();
    return d ? toMovement(d) : null;
  }

  async movements(variantId: string, page: PageRequest): Promise<Page<StockMovement>> {
    const q = { variantId: str(variantId, 'variantId') };
    const [total, docs] = await Promise.all([
      this.moves.countDocuments(q).exec(),
      this.moves.find(q).sort({ at: -1, _id: -1 }).skip(offsetOf(page)).limit(page.limit).lean<MovementDoc[]>().exec(),
    ]);
    return toPage(docs.map(toMovement), total, page);
  }

  async movementTotals(variantId: string): Promise<{ onHand: number; reserved: number }> {
    const [r] = await this.moves
      .aggregate<{ onHand: number; reserved: number }>([{ $match: { variantId: str(variantId, 'variantId') } }, { $group: { _id: null, onHand: { $sum: '$onHandDelta' }, reserved: { $sum: '$reservedDelta' } } }])
      .exec();
    return { onHand: r?.onHand ?? 0, reserved: r?.reserved ?? 0 };
  }

  async createReservation(res: Reservation): Promise<void> {
    const { id, expiresAt, createdAt, updatedAt, ...rest } = res;
    await this.reservations.create([{ ...rest, _id: id, expiresAt: new Date(expiresAt), createdAt: new Date(createdAt), updatedAt: new Date(updatedAt) }]).catch((err: unknown) => {
      throw isDuplicate(err) ? conflict('This reservation key is already used', [{ field: 'key', reason: 'duplicate_key', message: 'already used' }]) : err;
    });
  }

  async findReservation(id: string): Promise<Reservation | null> {
    const d = await this.reservations.findById(str(id, 'id')).lean<ReservationDoc>().exec();
    return d ? toReservation(d) : null;
  }

  async findReservationByKey(key: string): Promise<Reservation | null> {
    const d = await this.reservations.findOne({ key: str(key, 'key') }).lean<ReservationDoc>().exec();
    return d ? toReservation(d) : null;
  }

  async closeReservation(id: string, to: Exclude<ReservationStatus, 'active'>, at: Date): Promise<boolean> {
    const r = await this.reservations.updateOne({ _id: str(id, 'id'), status: 'active' }, { $set: { status: to, updatedAt: at } }).exec();
    return r.modifiedCount === 1;
  }

  async expiredReservations(before: Date, limit: number): Promise<string[]> {
    const docs = await this.reservations.find({ status: 'active', expiresAt: { $lt: before } }, { _id: 1 }).sort({ expiresAt: 1 }).limit(Math.floor(limit)).lean<{ _id: string }[]>().exec();
    return docs.map((d) => d._id);
  }
}
