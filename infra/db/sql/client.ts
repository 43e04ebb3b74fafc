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

export interface SqlClient extends SqlExecutor {
  readonly dialect: 'pglite' | 'postgres';
  /** Run `fn` in one transaction on one connection; rolled back if it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export async function openPglite(dataDir?: string): Promise<SqlClient> {
  const db = await PGlite.create(dataDir ?? 'memory://');
  // PGlite is single-connection: serialise transactions so statements of two
  // concurrent transactions never interleave on the one session.
  let chain: Promise<unknown> = Promise.resolve();
  const run = async <T>(text: string, params?: unknown[]) => {
    const r = await db.query<T>(text, params);
    return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
  };
  return {
    dialect: 'pglite',
    query: async <T>(text: string, params?: unknown[]) => {
      await chain.catch(() => undefined);
      return run<T>(text, params);
    },
    exec: async (script: string) => {
      await chain.catch(() => undefined);
      await db.exec(script);
    },
    transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      const next = chain.catch(() => undefined).then(() => db.transaction(async (tx) => fn({
        query: async <R>(text: string, params?: unknown[]) => {
          const r = await tx.query<R>(text, params);
          return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
        },
        exec: async (script: string) => void (await tx.exec(script)),
      })));
      chain = next;
      return next;
    },
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
  return {
    dialect: 'postgres',
    ...exec(pool),
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const result = await fn(exec(client));
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
