import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import type { SqlClient, SqlExecutor } from './types.js';

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
