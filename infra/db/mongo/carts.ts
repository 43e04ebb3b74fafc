import { Schema, type Connection, type Model } from 'mongoose';
import { Cart, type CartDestination, type CartLine, type CartStatus } from '../../../domain/ordering/cart.js';
import type { CartRepository } from '../../../domain/ordering/ports.js';
import { str, when } from './guard.js';

interface Doc {
  _id: string;
  customerId: string | null;
  tokenHash: string | null;
  status: string;
  /** As the SQL jsonb column holds them: times as ISO strings. */
  lines: CartLine[];
  destination: CartDestination | null;
  mergedInto: string | null;
  checkoutId: string | null;
  closedAt?: Date | null;
  lastActivityAt: Date;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<Doc>(
  {
    _id: { type: String, required: true },
    customerId: { type: String, default: null },
    tokenHash: { type: String, default: null },
    status: { type: String, required: true },
    lines: { type: Schema.Types.Mixed, required: true },
    destination: { type: Schema.Types.Mixed, default: null },
    mergedInto: { type: String, default: null },
    checkoutId: { type: String, default: null },
    closedAt: { type: Date, default: null },
    lastActivityAt: { type: Date, required: true },
    version: { type: Number, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'carts', versionKey: false, minimize: false },
);

export function cartModel(conn: Connection): Model<Doc> {
  return (conn.models.Cart as Model<Doc> | undefined) ?? conn.model<Doc>('Cart', schema);
}

const toCart = (d: Doc): Cart =>
  Cart.restore({
    id: d._id,
    customerId: d.customerId ?? null,
    tokenHash: d.tokenHash ?? null,
    status: d.status as CartStatus,
    lines: d.lines ?? [],
    destination: d.destination ?? null,
    mergedInto: d.mergedInto ?? null,
    checkoutId: d.checkoutId ?? null,
    closedAt: d.closedAt ? new Date(d.closedAt).toISOString() : null,
    lastActivityAt: new Date(d.lastActivityAt).toISOString(),
    version: d.version,
    createdAt: new Date(d.createdAt).toISOString(),
    updatedAt: new Date(d.updatedAt).toISOString(),
  });

const isDuplicate = (err: unknown) => (err as { code?: number }).code === 11000;

export class MongoCartRepository implements CartRepository {
  private readonly model: Model<Doc>;
  constructor(conn: Connection) {
    this.model = cartModel(conn);
  }

  async create(cart: Cart): Promise<boolean> {
    const p = cart.toProps();
    try {
      await this.model.create([{
        _id: p.id, customerId: p.customerId, tokenHash: p.tokenHash, status: p.status, lines: p.lines, destination: p.destination, mergedInto: p.mergedInto, checkoutId: p.checkoutId, closedAt: p.closedAt ? new Date(p.closedAt) : null,
        lastActivityAt: new Date(p.lastActivityAt), version: p.version, createdAt: new Date(p.createdAt), updatedAt: new Date(p.updatedAt),
      }]);
      return true;
    } catch (err) {
      if (isDuplicate(err)) return false;
      throw err;
    }
  }

  async findById(id: string): Promise<Cart | null> {
    const d = await this.model.findById(str(id, 'id')).lean<Doc>().exec();
    return d ? toCart(d) : null;
  }

  async findActiveByCustomer(customerId: string): Promise<Cart | null> {
    const d = await this.model.findOne({ customerId: str(customerId, 'customerId'), status: 'active' }).lean<Doc>().exec();
    return d ? toCart(d) : null;
  }

  async findByTokenHash(tokenHash: string): Promise<Cart | null> {
    const d = await this.model.findOne({ tokenHash: str(tokenHash, 'tokenHash') }).lean<Doc>().exec();
    return d ? toCart(d) : null;
  }

  async save(cart: Cart, expectedVersion: number): Promise<boolean> {
    const p = cart.toProps();
    const r = await this.model.updateOne(
      { _id: str(p.id, 'id'), version: expectedVersion },
      { $set: { status: p.status, lines: p.lines, destination: p.destination, mergedInto: p.mergedInto, checkoutId: p.checkoutId, closedAt: p.closedAt ? new Date(p.closedAt) : null, lastActivityAt: new Date(p.lastActivityAt), version: p.version, updatedAt: new Date(p.updatedAt) } },
    ).exec();
    return r.matchedCount === 1;
  }

  async idleBefore(before: Date, limit: number): Promise<string[]> {
    const docs = await this.model.find({ status: 'active', lastActivityAt: { $lt: when(before, 'before') } }, { _id: 1 })
      .sort({ lastActivityAt: 1, _id: 1 }).limit(Math.max(1, Math.min(1000, Math.floor(limit)))).lean<{ _id: string }[]>().exec();
    return docs.map((d) => d._id);
  }

  async purgeClosedBefore(before: Date, limit: number): Promise<number> {
    const docs = await this.model.find({ closedAt: { $lt: when(before, 'before') } }, { _id: 1 })
      .sort({ closedAt: 1 }).limit(Math.max(1, Math.min(10_000, Math.floor(limit)))).lean<{ _id: string }[]>().exec();
    if (docs.length === 0) return 0;
    const r = await this.model.deleteMany({ _id: { $in: docs.map((d) => d._id) } }).exec();
    return r.deletedCount;
  }
}
