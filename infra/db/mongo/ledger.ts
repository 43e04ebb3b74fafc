import { Schema, type Connection, type Model } from 'mongoose';
import { modelOf } from './connection.js';
import { OWNER_KINDS, PENDING_STATUSES, TRANSFER_KINDS, transferIdTaken, type Account, type OwnerKind, type PendingState, type Transfer } from '../../../domain/finance/model.js';
import type { LedgerRepository, LedgerTotals } from '../../../domain/finance/ports.js';
import { str } from './guard.js';

type AccountDoc = Omit<Account, 'id' | 'createdAt'> & { _id: string; createdAt: Date; lockSeq: number };
type TransferDoc = Omit<Transfer, 'id' | 'createdAt'> & { _id: string; createdAt: Date };
interface PendingDoc {
  _id: string;
  status: PendingState['status'];
  expiresAt: Date | null;
  resolvedBy: string | null;
}

const accountSchema = new Schema<AccountDoc>(
  {
    _id: { type: String, required: true },
    currency: { type: String, required: true },
    ownerKind: { type: String, required: true, enum: OWNER_KINDS },
    ownerId: { type: String, required: true },
    flags: {
      debitsMustNotExceedCredits: { type: Boolean, required: true },
      creditsMustNotExceedDebits: { type: Boolean, required: true },
    },
    debitsPending: { type: Number, required: true },
    debitsPosted: { type: Number, required: true },
    creditsPending: { type: Number, required: true },
    creditsPosted: { type: Number, required: true },
    createdAt: { type: Date, required: true },
    // Bumped by lockAccounts: the write makes a concurrent transaction touching the account conflict now, not at commit.
    lockSeq: { type: Number, default: 0 },
  },
  { collection: 'ledger_accounts', versionKey: false, minimize: false },
);

const transferSchema = new Schema<TransferDoc>(
  {
    _id: { type: String, required: true },
    debitAccountId: { type: String, required: true },
    creditAccountId: { type: String, required: true },
    amountMinor: { type: Number, required: true },
    currency: { type: String, required: true },
    code: { type: String, required: true },
    reference: { type: String, required: true },
    kind: { type: String, required: true, enum: TRANSFER_KINDS },
    pendingId: { type: String, default: null },
    timeoutSeconds: { type: Number, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'ledger_transfers', versionKey: false },
);

const pendingSchema = new Schema<PendingDoc>(
  {
    _id: { type: String, required: true },
    status: { type: String, required: true, enum: PENDING_STATUSES },
    expiresAt: { type: Date, default: null },
    resolvedBy: { type: String, default: null },
  },
  { collection: 'ledger_pending', versionKey: false },
);


const toAccount = (d: AccountDoc): Account => ({
  id: d._id, currency: d.currency, ownerKind: d.ownerKind, ownerId: d.ownerId,
  flags: { debitsMustNotExceedCredits: d.flags.debitsMustNotExceedCredits, creditsMustNotExceedDebits: d.flags.creditsMustNotExceedDebits },
  debitsPending: d.debitsPending, debitsPosted: d.debitsPosted, creditsPending: d.creditsPending, creditsPosted: d.creditsPosted,
  createdAt: new Date(d.createdAt).toISOString(),
});

const toTransfer = (d: TransferDoc): Transfer => ({
  id: d._id, debitAccountId: d.debitAccountId, creditAccountId: d.creditAccountId, amountMinor: d.amountMinor, currency: d.currency, code: d.code,
  reference: d.reference, kind: d.kind, pendingId: d.pendingId ?? null, timeoutSeconds: d.timeoutSeconds, createdAt: new Date(d.createdAt).toISOString(),
});

const toPending = (d: PendingDoc): PendingState => ({
  transferId: d._id, status: d.status, expiresAt: d.expiresAt ? new Date(d.expiresAt).toISOString() : null, resolvedBy: d.resolvedBy ?? null,
});

const isDuplicate = (err: unknown) => (err as { code?: number }).code === 11000 || ((err as { writeErrors?: { code?: number }[] }).writeErrors ?? []).some((e) => e.code === 11000);

const strs = (ids: readonly string[], field: string) => [...new Set(ids.map((id) => str(id, field)))];

/**
 * The ledger on MongoDB, inside the UnitOfWork's session transaction. "Locking" writes the
 * account documents first (lockSeq), so of two transactions touching one account the second
 * meets a write conflict at once and the driver re-runs it from the start with fresh reads.
 */
export class MongoLedgerRepository implements LedgerRepository {
  private readonly accounts: Model<AccountDoc>;
  private readonly transfers: Model<TransferDoc>;
  private readonly pending: Model<PendingDoc>;

  constructor(conn: Connection) {
    this.accounts = modelOf(conn, 'LedgerAccount', accountSchema);
    this.transfers = modelOf(conn, 'LedgerTransfer', transferSchema);
    this.pending = modelOf(conn, 'LedgerPending', pendingSchema);
  }

  async openAccount(a: Account): Promise<{ account: Account; created: boolean }> {
    const existing = await this.findAccountByOwner(a.ownerKind, a.ownerId, a.currency) ?? await this.findAccount(a.id);
    if (existing) return { account: existing, created: false };
    const { id, createdAt, ...rest } = a;
    try {
      await this.accounts.create({ ...rest, _id: id, createdAt: new Date(createdAt), lockSeq: 0 });
      return { account: a, created: true };
    } catch (err) {
      if (!isDuplicate(err)) throw err;
      const winner = await this.findAccountByOwner(a.ownerKind, a.ownerId, a.currency) ?? await this.findAccount(a.id);
      if (!winner) throw err;
      return { account: winner, created: false };
    }
  }

  async findAccount(id: string): Promise<Account | null> {
    const d = await this.accounts.findById(str(id, 'id')).lean<AccountDoc>().exec();
    return d ? toAccount(d) : null;
  }

  async findAccountByOwner(ownerKind: OwnerKind, ownerId: string, currency: string): Promise<Account | null> {
    const d = await this.accounts.findOne({ ownerKind: str(ownerKind, 'ownerKind') as OwnerKind, ownerId: str(ownerId, 'ownerId'), currency: str(currency, 'currency') }).lean<AccountDoc>().exec();
    return d ? toAccount(d) : null;
  }

  async lockAccounts(ids: readonly string[]): Promise<Account[]> {
    if (ids.length === 0) return [];
    const wanted = strs(ids, 'accountId');
    await this.accounts.updateMany({ _id: { $in: wanted } }, { $inc: { lockSeq: 1 } }).exec();
    const docs = await this.accounts.find({ _id: { $in: wanted } }).sort({ _id: 1 }).lean<AccountDoc[]>().exec();
    return docs.map(toAccount);
  }

  async saveBalances(accounts: readonly Account[]): Promise<void> {
    if (accounts.length === 0) return;
    await this.accounts.bulkWrite(accounts.map((a) => ({
      updateOne: { filter: { _id: a.id }, update: { $set: { debitsPending: a.debitsPending, debitsPosted: a.debitsPosted, creditsPending: a.creditsPending, creditsPosted: a.creditsPosted } } },
    })));
  }

  async findTransfers(ids: readonly string[]): Promise<Transfer[]> {
    if (ids.length === 0) return [];
    const docs = await this.transfers.find({ _id: { $in: strs(ids, 'transferId') } }).lean<TransferDoc[]>().exec();
    return docs.map(toTransfer);
  }

  async insertTransfers(transfers: readonly Transfer[]): Promise<void> {
    if (transfers.length === 0) return;
    try {
      await this.transfers.insertMany(transfers.map(({ id, createdAt, ...rest }) => ({ ...rest, _id: id, createdAt: new Date(createdAt) })), { ordered: true });
    } catch (err) {
      if (isDuplicate(err)) throw transferIdTaken(transfers.map((t) => t.id).join(','));
      throw err;
    }
  }

  async lockPendingStates(ids: readonly string[]): Promise<PendingState[]> {
    if (ids.length === 0) return [];
    const docs = await this.pending.find({ _id: { $in: strs(ids, 'pendingId') } }).sort({ _id: 1 }).lean<PendingDoc[]>().exec();
    return docs.map(toPending);
  }

  async savePendingStates(states: readonly PendingState[]): Promise<void> {
    if (states.length === 0) return;
    await this.pending.bulkWrite(states.map((s) => ({
      updateOne: {
        filter: { _id: s.transferId },
        update: { $set: { status: s.status, resolvedBy: s.resolvedBy }, $setOnInsert: { expiresAt: s.expiresAt ? new Date(s.expiresAt) : null } },
        upsert: true,
      },
    })));
  }

  async expiredPending(now: Date, limit: number): Promise<Transfer[]> {
    const states = await this.pending.find({ status: 'pending', expiresAt: { $lte: now } }).sort({ expiresAt: 1, _id: 1 }).limit(limit).lean<PendingDoc[]>().exec();
    const byId = new Map((await this.findTransfers(states.map((s) => s._id))).map((t) => [t.id, t]));
    return states.flatMap((s) => (byId.has(s._id) ? [byId.get(s._id)!] : []));
  }

  async statement(accountId: string, offset: number, limit: number): Promise<{ transfers: Transfer[]; total: number }> {
    const id = str(accountId, 'accountId');
    const filter = { $or: [{ debitAccountId: id }, { creditAccountId: id }] };
    // One after the other: operations of one session transaction must not overlap.
    const docs = await this.transfers.find(filter).sort({ createdAt: 1, _id: 1 }).skip(offset).limit(limit).lean<TransferDoc[]>().exec();
    const total = await this.transfers.countDocuments(filter).exec();
    return { transfers: docs.map(toTransfer), total };
  }

  async transfersByReference(reference: string): Promise<Transfer[]> {
    const docs = await this.transfers.find({ reference: str(reference, 'reference') }).sort({ createdAt: 1, _id: 1 }).lean<TransferDoc[]>().exec();
    return docs.map(toTransfer);
  }

  async totals(): Promise<LedgerTotals> {
    const [r] = await this.accounts.aggregate<LedgerTotals>([
      { $group: { _id: null, debitsPosted: { $sum: '$debitsPosted' }, creditsPosted: { $sum: '$creditsPosted' }, debitsPending: { $sum: '$debitsPending' }, creditsPending: { $sum: '$creditsPending' } } },
      { $project: { _id: 0 } },
    ]).exec();
    return r ?? { debitsPosted: 0, creditsPosted: 0, debitsPending: 0, creditsPending: 0 };
  }
}
