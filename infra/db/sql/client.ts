import { AsyncLocalStorage } from 'node:async_hooks';
import { PGlite } from '@electric-sql/pglite';

export type { SqlClient, SqlExecutor } from './types.js';
import type { SqlClient, SqlExecutor } from './types.js';

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

// PostgreSQL lives in its own module so a process on PostgreSQL never loads PGlite (the hub role).
export { openPostgres, type PostgresOptions } from './postgres.js';
