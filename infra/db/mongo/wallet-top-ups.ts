import { Schema, type Connection, type Model } from 'mongoose';
import type { WalletTopUpRepository } from '../../../domain/finance/ports.js';
import type { TopUpStatus, WalletTopUp } from '../../../domain/finance/top-up.js';
import { str } from './guard.js';

type Doc = Omit<WalletTopUp, 'id' | 'createdAt' | 'updatedAt'> & { _id: string; createdAt: Date; updatedAt: Date };

const schema = new Schema<Doc>({
  _id: String, customerId: String, amountMinor: Number, currency: String, status: String, idempotencyKey: String,
  providerRef: { type: String, default: null }, declineCode: { type: String, default: null }, version: Number, createdAt: Date, updatedAt: Date,
}, { collection: 'wallet_top_ups', versionKey: false, autoIndex: false });

const toTopUp = (d: Doc): WalletTopUp => ({
  id: d._id, customerId: d.customerId, amountMinor: d.amountMinor, currency: d.currency, status: d.status as TopUpStatus, idempotencyKey: d.idempotencyKey,
  providerRef: d.providerRef ?? null, declineCode: d.declineCode ?? null, version: d.version, createdAt: new Date(d.createdAt).toISOString(), updatedAt: new Date(d.updatedAt).toISOString(),
});
const isDuplicateKey = (err: unknown) => (err as { code?: number }).code === 11000;

export class MongoWalletTopUpRepository implements WalletTopUpRepository {
  private readonly topUps: Model<Doc>;
  constructor(conn: Connection) {
    this.topUps = (conn.models.WalletTopUp as Model<Doc> | undefined) ?? conn.model<Doc>('WalletTopUp', schema);
  }

  async create(t: WalletTopUp): Promise<{ topUp: WalletTopUp; created: boolean }> {
    // Looked up first: inside a session transaction a duplicate-key error aborts the transaction.
    const existing = (await this.findByKey(t.customerId, t.idempotencyKey)) ?? (await this.findById(t.id));
    if (existing) return { topUp: existing, created: false };
    const { id, createdAt, updatedAt, ...rest } = t;
    try {
      await this.topUps.create([{ ...rest, _id: str(id, 'id'), createdAt: new Date(createdAt), updatedAt: new Date(updatedAt) }]);
      return { topUp: { ...t }, created: true };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const winner = (await this.findByKey(t.customerId, t.idempotencyKey)) ?? (await this.findById(t.id));
      if (!winner) throw err;
      return { topUp: winner, created: false };
    }
  }

  async findById(id: string): Promise<WalletTopUp | null> {
    const d = await this.topUps.findById(str(id, 'id')).lean<Doc>().exec();
    return d ? toTopUp(d) : null;
  }

  async findByKey(customerId: string, idempotencyKey: string): Promise<WalletTopUp | null> {
    const d = await this.topUps.findOne({ customerId: str(customerId, 'customerId'), idempotencyKey: str(idempotencyKey, 'idempotencyKey') }).lean<Doc>().exec();
    return d ? toTopUp(d) : null;
  }

  async findByProviderRef(providerRef: string): Promise<WalletTopUp | null> {
    const d = await this.topUps.findOne({ providerRef: str(providerRef, 'providerRef') }).lean<Doc>().exec();
    return d ? toTopUp(d) : null;
  }

  async save(t: WalletTopUp, expectedVersion: number): Promise<boolean> {
    const r = await this.topUps.updateOne({ _id: str(t.id, 'id'), version: expectedVersion }, {
      $set: { status: t.status, providerRef: t.providerRef, declineCode: t.declineCode, version: t.version, updatedAt: new Date(t.updatedAt) },
    }).exec();
    return r.matchedCount === 1;
  }

  async listByCustomer(customerId: string, offset: number, limit: number): Promise<{ topUps: WalletTopUp[]; total: number }> {
    const q = { customerId: str(customerId, 'customerId') };
    const [docs, total] = await Promise.all([
      this.topUps.find(q).sort({ createdAt: -1, _id: -1 }).skip(offset).limit(limit).lean<Doc[]>().exec(),
      this.topUps.countDocuments(q).exec(),
    ]);
    return { topUps: docs.map(toTopUp), total };
  }
}
