import { Schema, type Connection, type Model } from 'mongoose';
import { DISPATCH_STATUSES, OFFER_STATUSES, type DispatchState, type Offer, type OfferEnd } from '../../../domain/dispatch/model.js';
import type { DispatchRepository, OfferRepository } from '../../../domain/dispatch/ports.js';
import { modelOf } from './connection.js';
import { str } from './guard.js';

type OfferDoc = Omit<Offer, 'id' | 'offeredAt' | 'expiresAt' | 'endedAt'> & { _id: string; offeredAt: Date; expiresAt: Date; endedAt: Date | null };
type StateDoc = Omit<DispatchState, 'deliveryId' | 'alertedAt' | 'firstAssignedAt' | 'openedAt' | 'updatedAt'> & { _id: string; alertedAt: Date | null; firstAssignedAt: Date | null; openedAt: Date; updatedAt: Date };

const point = { lat: { type: Number, required: true }, lng: { type: Number, required: true } };
const offerSchema = new Schema<OfferDoc>(
  {
    _id: { type: String, required: true },
    deliveryId: { type: String, required: true },
    orderId: { type: String, required: true },
    courierId: { type: String, required: true },
    round: { type: Number, required: true },
    status: { type: String, required: true, enum: OFFER_STATUSES },
    pickup: point,
    dropoff: point,
    feeMinor: { type: Number, required: true },
    cash: { type: Boolean, required: true },
    cost: { type: Number, required: true },
    offeredAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    endedAt: { type: Date, default: null },
    endReason: { type: String, default: null },
  },
  { collection: 'dispatch_offers', versionKey: false, minimize: false },
);
const stateSchema = new Schema<StateDoc>(
  {
    _id: { type: String, required: true },
    orderId: { type: String, required: true },
    status: { type: String, required: true, enum: DISPATCH_STATUSES },
    round: { type: Number, required: true },
    radiusM: { type: Number, required: true },
    excluded: { type: [String], required: true },
    alertedAt: { type: Date, default: null },
    assignments: { type: Number, default: 0 },
    firstAssignedAt: { type: Date, default: null },
    region: { type: String, default: null },
    openedAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    version: { type: Number, required: true },
  },
  { collection: 'dispatch_states', versionKey: false, minimize: false },
);

/** One document per courier who ever accepted: the accept's transaction writes it, so two of one courier's accepts conflict. */
type CourierDoc = { _id: string; since: Date; lockedAt: Date; accepts: number };
const courierSchema = new Schema<CourierDoc>(
  {
    _id: { type: String, required: true },
    since: { type: Date, required: true },
    lockedAt: { type: Date, required: true },
    accepts: { type: Number, default: 0 },
  },
  { collection: 'dispatch_couriers', versionKey: false },
);

const toOffer = (d: OfferDoc): Offer => ({
  id: d._id,
  deliveryId: d.deliveryId,
  orderId: d.orderId,
  courierId: d.courierId,
  round: d.round,
  status: d.status,
  pickup: { lat: d.pickup.lat, lng: d.pickup.lng },
  dropoff: { lat: d.dropoff.lat, lng: d.dropoff.lng },
  feeMinor: d.feeMinor,
  cash: d.cash,
  cost: d.cost,
  offeredAt: new Date(d.offeredAt).toISOString(),
  expiresAt: new Date(d.expiresAt).toISOString(),
  endedAt: d.endedAt ? new Date(d.endedAt).toISOString() : null,
  endReason: d.endReason ?? null,
});

export class MongoOfferRepository implements OfferRepository {
  private readonly model: Model<OfferDoc>;
  constructor(conn: Connection) {
    this.model = modelOf(conn, 'DispatchOffer', offerSchema);
  }

  async create(o: Offer): Promise<boolean> {
    const { id, offeredAt, expiresAt, endedAt, ...rest } = o;
    try {
      await this.model.create({ ...rest, _id: id, offeredAt: new Date(offeredAt), expiresAt: new Date(expiresAt), endedAt: endedAt ? new Date(endedAt) : null });
      return true;
    } catch (err) {
      if ((err as { code?: number }).code === 11000) return false;
      throw err;
    }
  }

  async findById(id: string): Promise<Offer | null> {
    const d = await this.model.findById(str(id, 'id')).lean<OfferDoc>().exec();
    return d ? toOffer(d) : null;
  }

  async findPendingByDelivery(deliveryId: string): Promise<Offer | null> {
    const d = await this.model.findOne({ deliveryId: str(deliveryId, 'deliveryId'), status: 'pending' }).sort({ round: -1 }).lean<OfferDoc>().exec();
    return d ? toOffer(d) : null;
  }

  async listPendingByCourier(courierId: string): Promise<Offer[]> {
    const docs = await this.model.find({ courierId: str(courierId, 'courierId'), status: 'pending' }).sort({ offeredAt: 1, _id: 1 }).lean<OfferDoc[]>().exec();
    return docs.map(toOffer);
  }

  async listByDelivery(deliveryId: string): Promise<Offer[]> {
    const docs = await this.model.find({ deliveryId: str(deliveryId, 'deliveryId') }).sort({ round: 1 }).lean<OfferDoc[]>().exec();
    return docs.map(toOffer);
  }

  async end(id: string, to: OfferEnd, at: Date, reason: string | null): Promise<Offer | null> {
    const d = await this.model
      .findOneAndUpdate({ _id: str(id, 'id'), status: 'pending' }, { $set: { status: to, endedAt: at, endReason: reason } }, { returnDocument: 'after' })
      .lean<OfferDoc>()
      .exec();
    return d ? toOffer(d) : null;
  }

  async listOfferedSince(since: Date, limit: number): Promise<Offer[]> {
    const docs = await this.model.find({ offeredAt: { $gte: since } }).sort({ offeredAt: 1, _id: 1 }).limit(limit).lean<OfferDoc[]>().exec();
    return docs.map(toOffer);
  }

  async records(courierIds: readonly string[]): Promise<Map<string, { offered: number; accepted: number }>> {
    const out = new Map<string, { offered: number; accepted: number }>();
    if (courierIds.length === 0) return out;
    const rows = await this.model
      .aggregate<{ _id: string; offered: number; accepted: number }>([
        { $match: { courierId: { $in: courierIds.map((c) => str(c, 'courierIds')) }, status: { $ne: 'pending' } } },
        { $group: { _id: '$courierId', offered: { $sum: 1 }, accepted: { $sum: { $cond: [{ $eq: ['$status', 'accepted'] }, 1, 0] } } } },
      ])
      .exec();
    for (const r of rows) out.set(r._id, { offered: r.offered, accepted: r.accepted });
    return out;
  }
}

const toState = (d: StateDoc): DispatchState => ({
  deliveryId: d._id,
  orderId: d.orderId,
  status: d.status,
  round: d.round,
  radiusM: d.radiusM,
  excluded: [...d.excluded],
  alertedAt: d.alertedAt ? new Date(d.alertedAt).toISOString() : null,
  assignments: d.assignments ?? 0,
  firstAssignedAt: d.firstAssignedAt ? new Date(d.firstAssignedAt).toISOString() : null,
  region: d.region ?? null,
  openedAt: new Date(d.openedAt).toISOString(),
  updatedAt: new Date(d.updatedAt).toISOString(),
  version: d.version,
});

const toStateDoc = (s: DispatchState): StateDoc => {
  const { deliveryId, alertedAt, firstAssignedAt, openedAt, updatedAt, ...rest } = s;
  return { ...rest, _id: deliveryId, alertedAt: alertedAt ? new Date(alertedAt) : null, firstAssignedAt: firstAssignedAt ? new Date(firstAssignedAt) : null, openedAt: new Date(openedAt), updatedAt: new Date(updatedAt) };
};

export class MongoDispatchRepository implements DispatchRepository {
  private readonly model: Model<StateDoc>;
  private readonly couriers: Model<CourierDoc>;
  constructor(conn: Connection) {
    this.model = modelOf(conn, 'DispatchState', stateSchema);
    this.couriers = modelOf(conn, 'DispatchCourier', courierSchema);
  }

  async lockCourier(courierId: string, at: Date): Promise<void> {
    const _id = str(courierId, 'courierId');
    // The document is made outside the transaction (the raw driver does not join mongoose's session), so concurrent
    // transactions meet on one existing document: the second writer gets a WriteConflict, and the unit of work re-runs
    // it on a snapshot that holds the first one's assignment. (Two inserts of a new document would not conflict that way.)
    await this.couriers.collection.updateOne({ _id } as Record<string, unknown>, { $setOnInsert: { since: at, lockedAt: at, accepts: 0 } }, { upsert: true }).catch((err: { code?: number }) => {
      if (err.code !== 11000) throw err; // made by a concurrent call: it exists now
    });
    await this.couriers.updateOne({ _id }, { $set: { lockedAt: at }, $inc: { accepts: 1 } }).exec();
  }

  async open(s: DispatchState): Promise<{ state: DispatchState; created: boolean }> {
    try {
      await this.model.create(toStateDoc(s));
      return { state: s, created: true };
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err;
      const existing = await this.find(s.deliveryId);
      if (!existing) throw err;
      return { state: existing, created: false };
    }
  }

  async find(deliveryId: string): Promise<DispatchState | null> {
    const d = await this.model.findById(str(deliveryId, 'deliveryId')).lean<StateDoc>().exec();
    return d ? toState(d) : null;
  }

  async save(s: DispatchState, expectedVersion: number): Promise<boolean> {
    const { _id, ...set } = toStateDoc(s);
    const r = await this.model.updateOne({ _id: str(_id, 'deliveryId'), version: expectedVersion }, { $set: set }).exec();
    return r.matchedCount === 1;
  }

  async listOpen(limit: number): Promise<DispatchState[]> {
    const docs = await this.model.find({ status: 'open' }).sort({ openedAt: 1, _id: 1 }).limit(limit).lean<StateDoc[]>().exec();
    return docs.map(toState);
  }

  async countOpenInRegion(region: string): Promise<number> {
    return this.model.countDocuments({ status: 'open', region: str(region, 'region') }).exec();
  }

  async listOpenedSince(since: Date, limit: number): Promise<DispatchState[]> {
    const docs = await this.model.find({ openedAt: { $gte: since } }).sort({ openedAt: 1, _id: 1 }).limit(limit).lean<StateDoc[]>().exec();
    return docs.map(toState);
  }
}
