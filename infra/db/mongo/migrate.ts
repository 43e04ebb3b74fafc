import { randomUUID } from 'node:crypto';
import type { Connection, mongo } from 'mongoose';
import { Umzug, type UmzugStorage } from 'umzug';
import { MONGO_MIGRATIONS, type MongoMigration } from './migrations.js';

const LOCK_ID = 'schema';

export interface MigrateOptions {
  /** A lock older than this is taken over: its holder died. Renewed while migrations run. */
  lockTtlMs?: number;
  /** How long to wait for another process's migration before failing the boot. */
  waitMs?: number;
}

function storage(db: mongo.Db): UmzugStorage {
  const done = db.collection<{ _id: string; appliedAt: Date }>('schema_migrations');
  return {
    async logMigration({ name }) {
      await done.updateOne({ _id: name }, { $setOnInsert: { appliedAt: new Date() } }, { upsert: true });
    },
    async unlogMigration({ name }) {
      await done.deleteOne({ _id: name });
    },
    async executed() {
      return (await done.find({}, { projection: { _id: 1 } }).sort({ _id: 1 }).toArray()).map((d) => d._id);
    },
  };
}

const isDuplicate = (err: unknown) => (err as { code?: number }).code === 11000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Takes the migration lock: one document with a fixed `_id` (so two inserts collide on the
 * `_id` index) and an expiry, so a lock left by a crashed process is taken over once stale.
 */
async function acquire(db: mongo.Db, owner: string, ttlMs: number, waitMs: number): Promise<() => Promise<void>> {
  const locks = db.collection<{ _id: string; owner: string; expiresAt: Date }>('schema_migration_lock');
  const deadline = Date.now() + waitMs;
  for (;;) {
    const now = new Date();
    try {
      await locks.updateOne({ _id: LOCK_ID, expiresAt: { $lt: now } }, { $set: { owner, expiresAt: new Date(now.getTime() + ttlMs) } }, { upsert: true });
      break;
    } catch (err) {
      if (!isDuplicate(err)) throw err;
      if (Date.now() > deadline) throw new Error(`Mongo migrations: lock held by another process for over ${waitMs} ms`, { cause: err });
      await sleep(100);
    }
  }
  const renew = setInterval(() => {
    void locks.updateOne({ _id: LOCK_ID, owner }, { $set: { expiresAt: new Date(Date.now() + ttlMs) } }).catch(() => undefined);
  }, Math.max(50, ttlMs / 3));
  renew.unref();
  return async () => {
    clearInterval(renew);
    await locks.deleteOne({ _id: LOCK_ID, owner });
  };
}

/**
 * Applies pending index migrations once, in name order, under a lock, recording each in `schema_migrations`
 * (the SQL side does the same with umzug and an advisory lock). Every process may call it at
 * boot: the first one migrates, the others wait for the lock and then find nothing to do.
 * Returns the names applied by this call.
 */
export async function migrateMongo(conn: Connection, migrations: MongoMigration[] = MONGO_MIGRATIONS, opts: MigrateOptions = {}): Promise<string[]> {
  const db = conn.db;
  if (!db) throw new Error('mongo not connected');
  const release = await acquire(db, randomUUID(), opts.lockTtlMs ?? 60_000, opts.waitMs ?? 120_000);
  try {
    const umzug = new Umzug({
      // By name, as the SQL side's numbered files run: a step appended out of place still runs in its place.
      migrations: [...migrations].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((m) => ({ name: m.name, up: () => m.up(db) })),
      storage: storage(db),
      logger: undefined,
    });
    return (await umzug.up()).map((m) => m.name);
  } finally {
    await release();
  }
}
