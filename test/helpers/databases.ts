import { randomBytes } from 'node:crypto';
import { TaskCancelledError, TimeoutStrategy, timeout } from 'cockatiel';
import mongoose from 'mongoose';
import type { Store } from '../../infra/db/index.js';
import { prepareStore, closeStore } from '../../infra/db/index.js';
import { openPostgres } from '../../infra/db/sql/client.js';
import { openMigratedPglite } from './pglite-template.js';
import { openMongo } from '../../infra/db/mongo/connection.js';
import { withInfraNetwork } from './network-guard.js';
import { startMongoStandin, type MongoStandin } from './mongo-standin/index.js';

/**
 * The backends every contract suite runs against:
 * - PGlite, always;
 * - PostgreSQL when reachable (TEST_DATABASE_URL, default the local `test` database), in a schema unique to the run;
 * - mongo-standin, always: the production Mongo adapters through real mongoose and the real driver,
 *   against an in-memory server (test/helpers/mongo-standin) that cannot prove real isolation;
 * - MongoDB when MONGODB_URI is set or mongodb-memory-server can start a mongod: the judge where it runs.
 * A backend that cannot run is reported as skipped with its reason, within seconds.
 */
export type BackendName = 'pglite' | 'postgres' | 'mongo-standin' | 'mongo';
interface Opened {
  store: Store;
  close: () => Promise<void>;
  /** For Mongo backends: where the store's database lives, to open a second, watched connection to it. */
  mongoAt?: { uri: string; dbName: string };
}

export interface Backend {
  name: BackendName;
  /** Returns null with a reason when this backend cannot run here. */
  open(): Promise<Opened | { skip: string }>;
}

export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  try {
    return await timeout(ms, TimeoutStrategy.Aggressive).execute(() => p);
  } catch (err) {
    throw err instanceof TaskCancelledError ? new Error(`${what} timed out after ${ms} ms`) : err;
  }
}

export const backends: Backend[] = [
  {
    name: 'pglite',
    async open() {
      // From the process's migrated template (test/helpers/pglite-template.ts); prepareStore still runs, as on every backend.
      const sql = await openMigratedPglite();
      const store: Store = { kind: 'sql', engine: 'pglite', sql };
      await prepareStore(store);
      return { store, close: () => closeStore(store) };
    },
  },
  {
    name: 'postgres',
    async open() {
      const schema = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
      let sql;
      try {
        sql = await withTimeout(openPostgres({ url: PG_URL, schema, max: 4 }), 4_000, 'PostgreSQL connect');
      } catch (err) {
        return { skip: `PostgreSQL not reachable at ${PG_URL.replace(/\/\/[^@]*@/, '//')} (${(err as Error).message})` };
      }
      const store: Store = { kind: 'sql', engine: 'postgres', sql };
      await prepareStore(store);
      return {
        store,
        close: async () => {
          await sql.query(`drop schema ${schema} cascade`);
          await closeStore(store);
        },
      };
    },
  },
  {
    name: 'mongo-standin',
    async open() {
      standin ??= startMongoStandin();
      const dbName = `daraa_test_${randomBytes(4).toString('hex')}`;
      const uri = (await standin).uri(dbName);
      const conn = await openMongo(uri, 4_000);
      const store: Store = { kind: 'mongo', engine: 'mongo', mongo: conn };
      await prepareStore(store);
      return {
        store,
        mongoAt: { uri, dbName },
        close: async () => {
          await conn.dropDatabase();
          await conn.close();
        },
      };
    },
  },
  {
    name: 'mongo',
    async open() {
      const probe = await mongoUri();
      if ('skip' in probe) return probe;
      const dbName = `daraa_test_${randomBytes(4).toString('hex')}`;
      const conn = await withTimeout(openMongo(probe.uri, 4_000), 6_000, 'MongoDB connect').catch((err: Error) => err);
      if (conn instanceof Error) return { skip: `MongoDB at MONGODB_URI not reachable (${conn.message})` };
      const scoped = conn.useDb(dbName, { useCache: false });
      const store: Store = { kind: 'mongo', engine: 'mongo', mongo: scoped };
      await prepareStore(store);
      return {
        store,
        mongoAt: { uri: probe.uri, dbName },
        close: async () => {
          await scoped.dropDatabase();
          await conn.close();
        },
      };
    },
  },
];

/** Why a test of concurrency or isolation proves nothing on the stand-in. */
export const STANDIN_ISOLATION_SKIP = 'the mongo stand-in runs each command alone, so it cannot prove real isolation or concurrency; the real Mongo run judges this test';

export interface BackendContext {
  store: Store;
  backend: BackendName;
  /**
   * Mongo backends only: a second connection to the store's database that records every
   * command it sends, to assert how many round trips and writes an adapter makes.
   */
  watchCommands(): Promise<{ store: Store; commands: { name: string; command: Record<string, unknown> }[]; close: () => Promise<void> }>;
  /** Declares a test of concurrency or isolation: skipped, with the reason printed, where the backend cannot prove it. */
  itIsolation(title: string, fn: () => Promise<void>): void;
}

/** Which backend ran or skipped (and why), printed once at the end of the run. */
const outcomes = new Map<BackendName, string>();

export function backendSummary(): string | undefined {
  if (outcomes.size === 0) return undefined;
  return `contract backends: ${backends.map((b) => `${b.name} ${outcomes.get(b.name) ?? 'not used'}`).join('; ')}`;
}

export const MONGO_BACKENDS: BackendName[] = ['mongo-standin', 'mongo'];

/**
 * Declares `suite` once per backend (or once per backend in `only`). Tests inside get the store from `ctx.store`.
 * When a backend cannot run, its tests are marked skipped and the reason is printed.
 */
export function forEachBackend(title: string, suite: (ctx: BackendContext) => void, only?: BackendName[]): void {
  for (const backend of backends) {
    if (only && !only.includes(backend.name)) continue;
    describe(`${title} [${backend.name}]`, function () {
      const ctx = {
        backend: backend.name,
        itIsolation(t: string, fn: () => Promise<void>) {
          it(t, async function () {
            if (backend.name === 'mongo-standin') {
              console.log(`      ↷ skipped on mongo-standin: ${STANDIN_ISOLATION_SKIP}`);
              this.skip();
            }
            await fn();
          });
        },
      } as BackendContext;
      let close: (() => Promise<void>) | undefined;
      let mongoAt: Opened['mongoAt'];
      ctx.watchCommands = async () => {
        if (!mongoAt) throw new Error(`watchCommands needs a Mongo backend, not ${backend.name}`);
        const conn = mongoose.createConnection(mongoAt.uri, { monitorCommands: true, autoIndex: false, autoCreate: false, serverSelectionTimeoutMS: 4_000 });
        await conn.asPromise();
        const scoped = conn.useDb(mongoAt.dbName, { useCache: false });
        const commands: { name: string; command: Record<string, unknown> }[] = [];
        conn.getClient().on('commandStarted', (e) => commands.push({ name: e.commandName, command: e.command as Record<string, unknown> }));
        return { store: { kind: 'mongo', engine: 'mongo', mongo: scoped }, commands, close: () => conn.close() };
      };
      before(async function () {
        this.timeout(30_000);
        const opened = await backend.open();
        if ('skip' in opened) {
          console.log(`      ↷ skipped on ${backend.name}: ${opened.skip}`);
          if (!outcomes.get(backend.name)?.startsWith('ran')) outcomes.set(backend.name, `skipped (${opened.skip})`);
          this.skip();
        }
        outcomes.set(backend.name, 'ran');
        ctx.store = opened.store;
        close = opened.close;
        mongoAt = opened.mongoAt;
      });
      after(async () => {
        await close?.();
      });
      suite(ctx);
    });
  }
}

let standin: Promise<MongoStandin> | undefined;
let mongoProbe: Promise<{ uri: string } | { skip: string }> | undefined;
let stopMongo: (() => Promise<unknown>) | undefined;

/** One MongoDB per test run, probed once: MONGODB_URI (a replica set, for transactions), else a mongodb-memory-server replica set. */
function mongoUri(): Promise<{ uri: string } | { skip: string }> {
  mongoProbe ??= (async () => {
    if (process.env.MONGODB_URI) return { uri: process.env.MONGODB_URI };
    const warn = console.warn;
    try {
      const { MongoMemoryReplSet } = await import('mongodb-memory-server-core');
      console.warn = () => undefined; // the library prints the whole failure; the skip reason carries it
      // A one-member replica set: transactions need one, a standalone mongod refuses them.
      const server = await withInfraNetwork(() => withTimeout(MongoMemoryReplSet.create({ replSet: { count: 1 } }), 30_000, 'mongodb-memory-server start'));
      stopMongo = () => server.stop();
      return { uri: server.getUri() };
    } catch (err) {
      const why = (err as Error).message.replace(/\s+/g, ' ').slice(0, 220);
      return { skip: `MongoDB unavailable: MONGODB_URI is not set and mongodb-memory-server could not start a mongod (${why})` };
    } finally {
      console.warn = warn;
    }
  })();
  return mongoProbe;
}

export async function stopSharedMongo(): Promise<void> {
  await stopMongo?.();
  await (await standin)?.stop();
}
