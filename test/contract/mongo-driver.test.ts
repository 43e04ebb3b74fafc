import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import mongoose, { Schema, type Connection } from 'mongoose';
import { forEachBackend, MONGO_BACKENDS } from '../helpers/databases.js';

/**
 * What the adapters rely on from MongoDB, asserted through real mongoose: run on the stand-in
 * and on a real server, so the stand-in is held to the server wherever a mongod can run.
 */
interface Item { _id: string; sku?: string | null; email?: string | null; n?: unknown; note?: unknown; tags?: string[] }
const itemSchema = new Schema<Item>(
  { _id: String, sku: String, email: { type: String, default: null }, n: Schema.Types.Mixed, note: Schema.Types.Mixed, tags: [String] },
  { collection: 'items', versionKey: false, minimize: false, autoIndex: false },
);

async function failure(p: Promise<unknown>): Promise<{ code?: number; keyPattern?: unknown; keyValue?: unknown; name?: string }> {
  try {
    await p;
  } catch (err) {
    return err as { code?: number };
  }
  throw new Error('expected the operation to fail');
}

forEachBackend('MongoDB behaviours the adapters rely on', (ctx) => {
  let db: Connection;
  const Items = () => (db.models.Item as mongoose.Model<Item> | undefined) ?? db.model<Item>('Item', itemSchema);

  beforeEach(async () => {
    db = (ctx.store as { mongo: Connection }).mongo.useDb(`drv_${randomBytes(4).toString('hex')}`, { useCache: false });
    await Items().createCollection();
    await Items().collection.createIndexes([
      { name: 'sku_1', key: { sku: 1 }, unique: true, partialFilterExpression: { sku: { $type: 'string' } } },
      { name: 'email_1', key: { email: 1 }, unique: true, partialFilterExpression: { email: { $type: 'string' } } },
    ]);
  });
  afterEach(async () => {
    await db.dropDatabase();
  });

  it('when a unique key repeats, then the write fails with E11000 naming the key, and documents without the key do not collide', async () => {
    await Items().create({ _id: 'a', sku: 'S1' });
    const err = await failure(Items().create({ _id: 'b', sku: 'S1' }));
    expect(err).to.deep.include({ code: 11000, keyPattern: { sku: 1 }, keyValue: { sku: 'S1' } });
    expect((await failure(Items().create({ _id: 'a' }))).code).to.equal(11000);
    await Items().create([{ _id: 'c' }, { _id: 'd' }]); // no sku, null email: outside both partial indexes
    expect(await Items().countDocuments()).to.equal(3);
    await Items().updateOne({ _id: 'c' }, { $set: { email: 'x@y.z' } });
    expect((await failure(Items().updateOne({ _id: 'd' }, { $set: { email: 'x@y.z' } }))).code).to.equal(11000);
  });

  it('when a value is undefined, then it is stored as null', async () => {
    await Items().collection.insertOne({ _id: 'u', note: { inner: undefined, kept: 1 } } as never);
    const raw = await Items().collection.findOne({ _id: 'u' } as never);
    expect(raw).to.deep.equal({ _id: 'u', note: { inner: null, kept: 1 } });
  });

  it('when documents are updated, then matched, modified and upserted counts are the server\'s', async () => {
    await Items().insertMany([{ _id: 'a', n: 1 }, { _id: 'b', n: 1 }, { _id: 'c', n: 2 }]);
    expect(await Items().updateMany({ n: 1 }, { $set: { n: 1 } })).to.deep.include({ matchedCount: 2, modifiedCount: 0, upsertedCount: 0 });
    expect(await Items().updateMany({ n: { $gte: 1 } }, { $set: { n: 2 } })).to.deep.include({ matchedCount: 3, modifiedCount: 2 });
    const up = await Items().updateOne({ _id: 'z' }, { $setOnInsert: { n: 9 } }, { upsert: true });
    expect(up).to.deep.include({ matchedCount: 0, modifiedCount: 0, upsertedCount: 1, upsertedId: 'z' });
    expect((await Items().findById('z').lean())?.n).to.equal(9);
    expect(await Items().updateOne({ _id: 'z' }, { $setOnInsert: { n: 10 } }, { upsert: true })).to.deep.include({ matchedCount: 1, modifiedCount: 0, upsertedCount: 0 });
    const bulk = await Items().bulkWrite([
      { updateOne: { filter: { _id: 'a' }, update: { $set: { n: 3 } } } },
      { deleteOne: { filter: { _id: 'b' } } },
      { insertOne: { document: { _id: 'd', n: 4 } } },
    ]);
    expect(bulk).to.deep.include({ matchedCount: 1, modifiedCount: 1, deletedCount: 1, insertedCount: 1 });
  });

  it('when values of different types are sorted, then they follow the BSON order: null and missing, numbers, strings, objects, arrays, booleans, dates', async () => {
    const when = new Date('2026-01-01T00:00:00Z');
    await Items().collection.insertMany([
      { _id: 'date', n: when }, { _id: 'bool', n: true }, { _id: 'str', n: 'abc' }, { _id: 'num', n: 10 },
      { _id: 'missing' }, { _id: 'null', n: null }, { _id: 'obj', n: { a: 1 } }, { _id: 'neg', n: -2.5 },
    ] as never[]);
    const asc = (await Items().find({}, { _id: 1 }).sort({ n: 1, _id: 1 }).lean()).map((d) => d._id);
    expect(asc).to.deep.equal(['missing', 'null', 'neg', 'num', 'str', 'obj', 'bool', 'date']);
    const desc = (await Items().find({ n: { $ne: null } }, { _id: 1 }).sort({ n: -1 }).lean()).map((d) => d._id);
    expect(desc).to.deep.equal(['date', 'bool', 'obj', 'str', 'num', 'neg']);
  });

  it('when findOneAndUpdate asks for the document before or after, or upserts, then it returns that document', async () => {
    await Items().create({ _id: 'a', n: 1 });
    expect((await Items().findOneAndUpdate({ _id: 'a' }, { $inc: { n: 1 } }, { returnDocument: 'before' }).lean())?.n).to.equal(1);
    expect((await Items().findOneAndUpdate({ _id: 'a' }, { $inc: { n: 1 } }, { returnDocument: 'after' }).lean())?.n).to.equal(3);
    expect(await Items().findOneAndUpdate({ _id: 'none' }, { $inc: { n: 1 } }).lean()).to.equal(null);
    expect(await Items().findOneAndUpdate({ _id: 'b' }, { $set: { n: 7 } }, { upsert: true, returnDocument: 'before' }).lean()).to.equal(null);
    expect(await Items().findOneAndUpdate({ _id: 'c' }, { $set: { n: 8 } }, { upsert: true, returnDocument: 'after' }).lean()).to.deep.equal({ _id: 'c', n: 8, email: null, tags: [] });
    expect((await Items().findOneAndDelete({ _id: 'b' }).lean())?.n).to.equal(7);
  });

  it('when documents are counted and aggregated, then counts, groups and projections come back', async () => {
    await Items().insertMany([{ _id: 'a', n: 1, tags: ['x'] }, { _id: 'b', n: 2, tags: ['x', 'y'] }, { _id: 'c', n: 3, tags: [] }]);
    expect(await Items().countDocuments({ n: { $gt: 1 } })).to.equal(2);
    expect(await Items().estimatedDocumentCount()).to.equal(3);
    const groups = await Items().aggregate<{ _id: string; total: number }>([{ $unwind: '$tags' }, { $group: { _id: '$tags', total: { $sum: '$n' } } }, { $sort: { _id: 1 } }]);
    expect(groups).to.deep.equal([{ _id: 'x', total: 3 }, { _id: 'y', total: 2 }]);
    expect(await Items().distinct('tags')).to.have.members(['x', 'y']);
  });

  describe('transactions', () => {
    let before: unknown;
    beforeEach(() => {
      before = mongoose.get('transactionAsyncLocalStorage');
      mongoose.set('transactionAsyncLocalStorage', true);
    });
    afterEach(() => {
      mongoose.set('transactionAsyncLocalStorage', before as boolean);
    });

    it('when connection.transaction() completes, then every write in it is kept', async () => {
      await Items().create({ _id: 'a', n: 1 });
      await db.transaction(async () => {
        await Items().create({ _id: 'b', n: 2 });
        await Items().updateOne({ _id: 'a' }, { $set: { n: 5 } });
        expect(await Items().countDocuments()).to.equal(2); // reads its own writes
      });
      expect((await Items().find().sort({ _id: 1 }).lean()).map((d) => [d._id, d.n])).to.deep.equal([['a', 5], ['b', 2]]);
    });

    it('when the transaction callback throws, then nothing it wrote is left', async () => {
      await Items().create({ _id: 'a', n: 1 });
      const thrown = await failure(db.transaction(async () => {
        await Items().create({ _id: 'b', n: 2 });
        await Items().updateOne({ _id: 'a' }, { $set: { n: 5 } });
        await Items().deleteOne({ _id: 'a' });
        throw Object.assign(new Error('boom'), { code: 4242 });
      }));
      expect(thrown.code).to.equal(4242);
      expect(await Items().find().lean()).to.deep.equal([{ _id: 'a', n: 1, email: null, tags: [] }]);
    });

    it('when a transaction is aborted by hand, then its writes are undone and others are not held back', async () => {
      const session = await db.startSession();
      try {
        session.startTransaction();
        await Items().create([{ _id: 't', n: 1 }], { session });
        expect(await Items().countDocuments({}).session(session)).to.equal(1);
        expect(await Items().countDocuments({})).to.equal(0); // outside the transaction nothing shows yet
        await session.abortTransaction();
      } finally {
        await session.endSession();
      }
      expect(await Items().countDocuments()).to.equal(0);
    });

    it('when a write in a transaction breaks a unique index, then the whole transaction is undone', async () => {
      await Items().create({ _id: 'a', sku: 'S1' });
      const err = await failure(db.transaction(async () => {
        await Items().create({ _id: 'b', sku: 'S2' });
        await Items().create({ _id: 'c', sku: 'S1' });
      }));
      expect(err.code).to.equal(11000);
      expect((await Items().find().lean()).map((d) => d._id)).to.deep.equal(['a']);
    });

    it('when two transactions write the same document, then the second fails at its write with a TransientTransactionError WriteConflict, and a write with no session is not held in the first', async () => {
      await Items().create([{ _id: 'hot', n: 0 }, { _id: 'counter', n: 0 }]);
      const [first, second] = [await db.startSession(), await db.startSession()];
      try {
        first.startTransaction();
        second.startTransaction();
        await Items().updateOne({ _id: 'hot' }, { $inc: { n: 1 } }, { session: first });
        const err = (await failure(Items().updateOne({ _id: 'hot' }, { $inc: { n: 1 } }, { session: second }))) as { code?: number; hasErrorLabel?: (l: string) => boolean };
        expect([err.code, err.hasErrorLabel?.('TransientTransactionError')]).to.deep.equal([112, true]);
        await second.abortTransaction().catch(() => undefined);
        // What the order-number and outbox counters do: an increment outside the open transaction.
        const drawn = await Items().findOneAndUpdate({ _id: 'counter' }, { $inc: { n: 1 } }, { returnDocument: 'after', session: null }).lean();
        expect(drawn?.n).to.equal(1);
        await first.commitTransaction();
      } finally {
        await first.endSession();
        await second.endSession();
      }
      expect((await Items().find().sort({ _id: 1 }).lean()).map((d) => [d._id, d.n])).to.deep.equal([['counter', 1], ['hot', 1]]);
    });
  });
}, MONGO_BACKENDS);
