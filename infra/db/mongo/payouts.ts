import { Schema, type Connection, type Model } from 'mongoose';
import type { BankAccount, Payout, PayoutOwnerKind, PayoutStatus } from '../../../domain/finance/payout.js';
import type { PayoutRepository } from '../../../domain/finance/ports.js';
import { str } from './guard.js';

interface BankDoc { _id: string; ownerKind: string; ownerId: string; holderName: string; iban: string; bic: string | null; connectedAccountId?: string | null; updatedAt: Date }
type PayoutDoc = Omit<Payout, 'id' | 'createdAt' | 'updatedAt' | 'nextAttemptAt'> & { _id: string; createdAt: Date; updatedAt: Date; nextAttemptAt: Date | null };

const bankSchema = new Schema<BankDoc>({
  _id: String, ownerKind: String, ownerId: String, holderName: String, iban: String, bic: { type: String, default: null }, connectedAccountId: { type: String, default: null }, updatedAt: Date,
}, { collection: 'payout_bank_accounts', versionKey: false, autoIndex: false });

const payoutSchema = new Schema<PayoutDoc>({
  _id: String, ownerKind: String, ownerId: String, recipientAccountId: String, amountMinor: Number, currency: String, status: String,
  holderName: String, iban: String, bic: { type: String, default: null }, requestedBy: String, decidedBy: { type: String, default: null },
  reason: { type: String, default: null }, batchId: { type: String, default: null }, providerRef: { type: String, default: null },
  connectedAccountId: { type: String, default: null }, attempts: { type: Number, default: 0 }, nextAttemptAt: { type: Date, default: null }, lastError: { type: String, default: null },
  version: Number, createdAt: Date, updatedAt: Date,
}, { collection: 'payouts', versionKey: false, autoIndex: false });

const bankKey = (kind: string, ownerId: string) => `${kind}:${ownerId}`;
const toBank = (d: BankDoc): BankAccount => ({ ownerKind: d.ownerKind as PayoutOwnerKind, ownerId: d.ownerId, holderName: d.holderName, iban: d.iban, bic: d.bic ?? null, connectedAccountId: d.connectedAccountId ?? null, updatedAt: new Date(d.updatedAt).toISOString() });
const toPayout = (d: PayoutDoc): Payout => {
  const { _id, createdAt, updatedAt, nextAttemptAt, ...rest } = d;
  return { ...rest, id: _id, connectedAccountId: rest.connectedAccountId ?? null, attempts: rest.attempts ?? 0, nextAttemptAt: nextAttemptAt ? new Date(nextAttemptAt).toISOString() : null, lastError: rest.lastError ?? null, bic: rest.bic ?? null, decidedBy: rest.decidedBy ?? null, reason: rest.reason ?? null, batchId: rest.batchId ?? null, providerRef: rest.providerRef ?? null, createdAt: new Date(createdAt).toISOString(), updatedAt: new Date(updatedAt).toISOString() };
};
const isDuplicateKey = (err: unknown) => (err as { code?: number }).code === 11000;

export class MongoPayoutRepository implements PayoutRepository {
  private readonly banks: Model<BankDoc>;
  private readonly payouts: Model<PayoutDoc>;
  constructor(conn: Connection) {
    this.banks = (conn.models.PayoutBankAccount as Model<BankDoc> | undefined) ?? conn.model<BankDoc>('PayoutBankAccount', bankSchema);
    this.payouts = (conn.models.Payout as Model<PayoutDoc> | undefined) ?? conn.model<PayoutDoc>('Payout', payoutSchema);
  }

  async saveBankAccount(a: BankAccount): Promise<void> {
    const doc = { ownerKind: a.ownerKind, ownerId: a.ownerId, holderName: a.holderName, iban: a.iban, bic: a.bic, connectedAccountId: a.connectedAccountId ?? null, updatedAt: new Date(a.updatedAt) };
    await this.banks.updateOne({ _id: bankKey(a.ownerKind, str(a.ownerId, 'ownerId')) }, { $set: doc }, { upsert: true }).exec();
  }

  async findBankAccount(ownerKind: PayoutOwnerKind, ownerId: string): Promise<BankAccount | null> {
    const d = await this.banks.findById(bankKey(str(ownerKind, 'ownerKind'), str(ownerId, 'ownerId'))).lean<BankDoc>().exec();
    return d ? toBank(d) : null;
  }

  async insertPayout(p: Payout): Promise<boolean> {
    const { id, createdAt, updatedAt, nextAttemptAt, ...rest } = p;
    try {
      await this.payouts.create([{ ...rest, _id: str(id, 'id'), nextAttemptAt: nextAttemptAt ? new Date(nextAttemptAt) : null, createdAt: new Date(createdAt), updatedAt: new Date(updatedAt) }]);
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  async findPayout(id: string): Promise<Payout | null> {
    const d = await this.payouts.findById(str(id, 'id')).lean<PayoutDoc>().exec();
    return d ? toPayout(d) : null;
  }

  async updatePayout(p: Payout, expectedVersion: number): Promise<boolean> {
    const r = await this.payouts.updateOne({ _id: str(p.id, 'id'), version: expectedVersion }, {
      $set: { status: p.status, decidedBy: p.decidedBy, reason: p.reason, batchId: p.batchId, providerRef: p.providerRef, version: p.version, updatedAt: new Date(p.updatedAt),
        attempts: p.attempts, nextAttemptAt: p.nextAttemptAt ? new Date(p.nextAttemptAt) : null, lastError: p.lastError },
    }).exec();
    return r.matchedCount === 1;
  }

  async listPayouts(filter: { ownerKind?: PayoutOwnerKind; ownerId?: string; status?: PayoutStatus }, offset: number, limit: number): Promise<{ payouts: Payout[]; total: number }> {
    const q: Record<string, string> = {};
    if (filter.ownerKind) q.ownerKind = str(filter.ownerKind, 'ownerKind');
    if (filter.ownerId) q.ownerId = str(filter.ownerId, 'ownerId');
    if (filter.status) q.status = str(filter.status, 'status');
    const [docs, total] = await Promise.all([
      this.payouts.find(q).sort({ createdAt: -1, _id: -1 }).skip(offset).limit(limit).lean<PayoutDoc[]>().exec(),
      this.payouts.countDocuments(q).exec(),
    ]);
    return { payouts: docs.map(toPayout), total };
  }

  async duePayouts(now: Date, limit: number): Promise<Payout[]> {
    const q: Record<string, unknown> = { $or: [{ status: 'approved' }, { status: 'sending', nextAttemptAt: { $lte: now } }] };
    const docs = await this.payouts.find(q).sort({ createdAt: 1, _id: 1 }).limit(limit).lean<PayoutDoc[]>().exec();
    return docs.map(toPayout);
  }
}
