import { AsyncLocalStorage } from 'node:async_hooks';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/**
 * The one SQL surface our adapters use. PGlite (embedded) and PostgreSQL (`pg`)
 * run the very same SQL text with $n parameters.
 */
export interface SqlExecutor {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: T[]; rowCount: number }>;
  /** Runs a multi-statement script without parameters (migrations). */
  exec(script: string): Promise<void>;
}

/**
 * Inside `transaction(fn)`, `query` and `exec` of the client itself run on the
 * transaction's connection (an AsyncLocalStorage carries it), so repositories
 * join the caller's transaction without taking it as an argument. A nested
 * `transaction` joins the outer one. This is the SQL UnitOfWork.
 */
export interface SqlClient extends SqlExecutor {
  readonly dialect: 'pglite' | 'postgres';
  /** Run `fn` in one transaction on one connection; rolled back if it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** True while the caller runs inside `transaction`. */
  inTransaction(): boolean;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export async function openPglite(dataDir?: string): Promise<SqlClient> {
  const db = await PGlite.create(dataDir ?? 'memory://');
  const current = new AsyncLocalStorage<SqlExecutor>();
  // PGlite is single-connection: serialise transactions so statements of two
  // concurrent transactions never interleave on the one session.
  let chain: Promise<unknown> = Promise.resolve();
  const run = async <T>(text: string, params?: unknown[]) => {
    const r = await db.query<T>(text, params);
    return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
  };
  return {
    dialect: 'pglite',
    // A statement inside a transaction must not wait on the chain: the chain waits on that transaction.
    query: async <T>(text: string, params?: unknown[]) => {
      const tx = current.getStore();
      if (tx) return tx.query<T>(text, params);
      await chain.catch(() => undefined);
      return run<T>(text, params);
    },
    exec: async (script: string) => {
      const tx = current.getStore();
      if (tx) return tx.exec(script);
      await chain.catch(() => undefined);
      await db.exec(script);
    },
    transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      const outer = current.getStore();
      if (outer) return fn(outer);
      const next = chain.catch(() => undefined).then(() => db.transaction(async (tx) => {
        const executor: SqlExecutor = {
          query: async <R>(text: string, params?: unknown[]) => {
            const r = await tx.query<R>(text, params);
            return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
          },
          exec: async (script: string) => void (await tx.exec(script)),
        };
        return current.run(executor, () => fn(executor));
      }));
      chain = next;
      return next;
    },
    inTransaction: () => current.getStore() !== undefined,
    async ping() {
      await db.query('select 1');
    },
    async close() {
      await chain.catch(() => undefined);
      await db.close();
    },
  };
}

export interface PostgresOptions {
  url: string;
  /** Schema to use (created if missing); tests use one per run. */
  schema?: string;
  max?: number;
}

export async function openPostgres(opts: PostgresOptions): Promise<SqlClient> {
  if (opts.schema && !/^[a-z_][a-z0-9_]{0,62}$/.test(opts.schema)) throw new Error(`invalid schema name: ${opts.schema}`);
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.max ?? 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  });
  // An idle client losing its server must not crash the process.
  pool.on('error', () => undefined);
  if (opts.schema) await pool.query(`create schema if not exists ${opts.schema}`);
  else await pool.query('select 1');
  const exec = (c: pg.Pool | pg.PoolClient): SqlExecutor => ({
    query: async <T>(text: string, params?: unknown[]) => {
      const r = await c.query(text, params as unknown[]);
      return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
    },
    // Without parameters pg uses the simple query protocol, which accepts several statements.
    exec: async (script: string) => void (await c.query(script)),
  });
  const current = new AsyncLocalStorage<SqlExecutor>();
  const onPool = exec(pool);
  return {
    dialect: 'postgres',
    query: <T>(text: string, params?: unknown[]) => (current.getStore() ?? onPool).query<T>(text, params),
    exec: (script: string) => (current.getStore() ?? onPool).exec(script),
    inTransaction: () => current.getStore() !== undefined,
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      const outer = current.getStore();
      if (outer) return fn(outer);
      const client = await pool.connect();
      try {
        await client.query('begin');
        const tx = exec(client);
        const result = await current.run(tx, () => fn(tx));
        await client.query('commit');
        return result;
      } catch (err) {
        await client.query('rollback').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    async ping() {
      await pool.query('select 1');
    },
    async close() {
      await pool.end();
    },
  };
}
