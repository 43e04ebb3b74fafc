import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import { forEachBackend, MONGO_BACKENDS } from '../helpers/databases.js';
import { migrateMongo } from '../../infra/db/mongo/migrate.js';
import { MONGO_MIGRATIONS, createIndexes, replaceIndex, type MongoMigration } from '../../infra/db/mongo/migrations.js';

const code = async (p: Promise<unknown>) => p.then(() => undefined, (err: { code?: number }) => err.code);

forEachBackend('Mongo index migrations', (ctx) => {
  const conn = () => (ctx.store as { mongo: Connection }).mongo;
  /** A database of its own, so these made-up histories never meet the real one. */
  const scratch = () => conn().useDb(`mig_${randomBytes(4).toString('hex')}`, { useCache: false });

  it('when a second process boots after the first migrated, then it applies nothing', async () => {
    expect(await migrateMongo(conn())).to.deep.equal([]);
    const done = await conn().db!.collection('schema_migrations').find().toArray();
    expect(done.map((d) => d._id)).to.deep.equal(MONGO_MIGRATIONS.map((m) => m.name));
  });

  it('when steps are listed out of name order, then they run in name order, and the real history is listed in name order', async () => {
    const db = scratch();
    const ran: string[] = [];
    const step = (name: string): MongoMigration => ({ name, up: async () => void ran.push(name) });
    expect(await migrateMongo(db, [step('0110-payments'), step('0100-orders'), step('0012-b'), step('0012-a')])).to.deep.equal(['0012-a', '0012-b', '0100-orders', '0110-payments']);
    expect(ran).to.deep.equal(['0012-a', '0012-b', '0100-orders', '0110-payments']);
    const names = MONGO_MIGRATIONS.map((m) => m.name);
    expect(names).to.deep.equal([...names].sort());
    expect(new Set(names).size).to.equal(names.length);
    await db.dropDatabase();
  });

  it('when an index definition changes in a new migration, then migrating drops and recreates it, where createIndexes alone would conflict', async () => {
    const db = scratch();
    const v1: MongoMigration = { name: '0001-sku', up: (d) => createIndexes(d, 'products', [{ name: 'sku', key: { sku: 1 } }]) };
    expect(await migrateMongo(db, [v1])).to.deep.equal(['0001-sku']);
    await db.db!.collection('products').insertMany([{ sku: 'a' }, { sku: 'b' }]);
    // What booting with createIndexes() did with a changed definition: the server refuses it.
    expect(await code(db.db!.collection('products').createIndexes([{ name: 'sku', key: { sku: 1 }, unique: true }]))).to.equal(85);

    const v2: MongoMigration = { name: '0002-sku-unique', up: (d) => replaceIndex(d, 'products', { name: 'sku', key: { sku: 1 }, unique: true }) };
    expect(await migrateMongo(db, [v1, v2])).to.deep.equal(['0002-sku-unique']);
    const sku = (await db.db!.collection('products').indexes()).find((i) => i.name === 'sku');
    expect(sku).to.deep.include({ key: { sku: 1 }, unique: true });
    expect(await code(db.db!.collection('products').insertOne({ sku: 'a' }))).to.equal(11000);
    expect(await migrateMongo(db, [v1, v2])).to.deep.equal([]);
    await db.dropDatabase();
  });

  it('when two processes migrate at once, then each migration runs exactly once', async () => {
    const db = scratch();
    const runs: string[] = [];
    const step = (name: string): MongoMigration => ({
      name,
      async up() {
        runs.push(name);
        await new Promise((r) => setTimeout(r, 30));
      },
    });
    const history = [step('0001-a'), step('0002-b')];
    const [first, second] = await Promise.all([migrateMongo(db, history), migrateMongo(db, history)]);
    expect(runs).to.deep.equal(['0001-a', '0002-b']);
    expect([...first, ...second]).to.deep.equal(['0001-a', '0002-b']);
    await db.dropDatabase();
  });

  it('when the lock holder died, then the next process takes the lock over once it is stale, and not before', async () => {
    const db = scratch();
    await db.db!.collection<{ _id: string; owner: string; expiresAt: Date }>('schema_migration_lock').insertOne({ _id: 'schema', owner: 'crashed', expiresAt: new Date(Date.now() + 300) });
    await migrateMongo(db, [], { waitMs: 100 }).then(() => expect.fail('took a live lock'), (err: Error) => expect(err.message).to.match(/lock held/));
    await new Promise((r) => setTimeout(r, 300));
    expect(await migrateMongo(db, [{ name: '0001-x', up: async () => undefined }], { waitMs: 1_000 })).to.deep.equal(['0001-x']);
    expect(await db.db!.collection('schema_migration_lock').countDocuments()).to.equal(0);
    await db.dropDatabase();
  });
}, MONGO_BACKENDS);
